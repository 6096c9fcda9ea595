"""The workbench, login (with lockout), logout, password change and the health check."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from axes.helpers import get_cool_off
from axes.utils import reset as axes_reset
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe

from kefu.accounts.http import HtmxHttpRequest
from kefu.front import workbench
from kefu.front.shortcuts import url_or_none

log = logging.getLogger(__name__)


class LoginView(auth_views.LoginView):
    """The branded sign-in page (登录). An already signed-in user goes straight to the workbench.

    django-axes counts the failures and refuses a locked-out username or address
    (see ``login_locked_out``); a successful sign-in clears that username's failures.
    """

    template_name = "front/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        axes_reset(username=form.get_user().get_username())
        return super().form_valid(form)


def _retry_time(request: HtmxHttpRequest) -> datetime:
    """When a locked-out caller may sign in again, rounded up to the minute.

    Every failure (this one included) extends the lock to a cool-off time after
    itself, so the lock is over at the latest one cool-off time from now.
    """
    cool_off = get_cool_off(request) or timedelta(0)
    until = timezone.localtime(getattr(request, "axes_attempt_time", None) or timezone.now()) + cool_off
    if until.second or until.microsecond:
        until = until.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return until


def login_locked_out(
    request: HtmxHttpRequest, response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """django-axes' lockout answer (``AXES_LOCKOUT_CALLABLE``): the sign-in page saying until when, 429."""
    username = str((credentials or {}).get("username") or request.POST.get("username", ""))
    message = _(
        "Too many failed sign-ins for this account or from this address. "
        "Sign-in is locked until %(time)s; try again after that."
    ) % {"time": date_format(_retry_time(request), "DATETIME_FORMAT")}
    context = {
        "form": AuthenticationForm(request, initial={"username": username}),
        "next": request.POST.get("next", ""),
        "lockout_message": message,
    }
    return render(request, "front/login.html", context, status=429)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change one's own password (修改密码); the validators of ``AUTH_PASSWORD_VALIDATORS`` apply."""

    template_name = "front/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)  # also keeps this session signed in
        messages.success(self.request, _("Your password has been changed."))
        return response


class LogoutView(auth_views.LogoutView):
    """Sign out; POST only (Django refuses GET), then back to the sign-in page.

    The answer tells the browser to drop this site's caches and storage (Clear-Site-Data): the
    on-site service worker's copies of a technician's pages (Cache API) and the page's queue
    (localStorage) must not be there for whoever uses the phone next.
    """

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache", "storage"'
        return response


@never_cache
@require_GET
def healthz(request: HtmxHttpRequest) -> HttpResponse:
    """Health for load balancers and monitoring, as plain text lines.

    The first line is ``ok``, ``degraded`` (pages work; the task broker is unreachable or the
    scheduler has not beaten for three minutes) or the database failure with status 503 —
    a web node without its database must leave the pool, one without background work need not.
    """
    from kefu.jobs import health

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        log.exception("health check: database unreachable")
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    broker = health.check_broker()
    age = health.scheduler_age()
    scheduler_ok = age is not None and age < health.SCHEDULER_LATE_AFTER
    lines = [
        "ok" if broker.ok and scheduler_ok else "degraded",
        "database: ok",
        f"broker: {'ok' if broker.ok else 'unreachable'} ({broker.detail})",
        "scheduler: never seen" if age is None else f"scheduler: last heartbeat {int(age.total_seconds())} s ago",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


# ---------------------------------------------------------------- workbench


@login_required
@require_safe
def home(request: HtmxHttpRequest) -> HttpResponse:
    """The workbench: every panel the apps registered for this user (``kefu.front.workbench``)."""
    user = request.user
    panels = workbench.panels_for(user)
    target = request.htmx.target if request.htmx else None
    if target:
        for panel in panels:
            if panel.update is not None and target in panel.targets:
                return panel.update(request)
    context = {
        "panels": [{"key": p.key, "html": mark_safe(p.render(request))} for p in panels],
        "shortcuts": [s for p in panels for s in p.shortcuts(user)],
        "elsewhere": [] if panels else _elsewhere(),
    }
    return render(request, "front/home.html", context)


def _elsewhere() -> list[tuple[str, str]]:
    """Links for roles with no workbench panel (the trainer today): where their own work is."""
    links = []
    for label, url_name in (
        (_("Phrasebook"), "knowledge:index"),
        (_("Training"), "training:index"),
        (_("Quality inspection"), "quality:index"),
    ):
        url = url_or_none(url_name)
        if url:
            links.append((label, url))
    return links
