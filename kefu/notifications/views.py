"""The bell (unread count, polled), the list with mark-as-read, and the e-mail preferences."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from kefu.accounts.http import HtmxHttpRequest
from kefu.notifications import services
from kefu.notifications.models import Kind, Notification

PAGE_SIZE = 30


@login_required
@require_safe
def bell(request: HtmxHttpRequest) -> HttpResponse:
    """The bell's badge: polled by the top bar (htmx), so new notifications appear without a reload."""
    return render(request, "notifications/_bell.html", {"unread": services.unread_count(request.user)})


@login_required
@require_safe
def index(request: HtmxHttpRequest) -> HttpResponse:
    qs = Notification.objects.filter(user=request.user)
    only_unread = request.GET.get("unread") == "1"
    if only_unread:
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/index.html",
        {"page_obj": page, "only_unread": only_unread, "unread": services.unread_count(request.user)},
    )


@login_required
@require_POST
def read(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read and open what it is about (or go back to the list)."""
    services.mark_read(request.user, pk=pk)
    note = Notification.objects.filter(user=request.user, pk=pk).first()
    target = note.url if note and note.url else ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:index")


@login_required
@require_POST
def read_all(request: HtmxHttpRequest) -> HttpResponse:
    count = services.mark_read(request.user)
    messages.success(request, _("%(count)d notifications marked read.") % {"count": count})
    return redirect("notifications:index")


@login_required
def preferences(request: HtmxHttpRequest) -> HttpResponse:
    if request.method == "POST":
        services.set_preferences(request.user, request.POST.getlist("email"))
        messages.success(request, _("Your notification settings were saved."))
        return redirect("notifications:preferences")
    chosen = services.email_kinds(request.user)
    kinds = [(value, label, value in chosen) for value, label in Kind.choices]
    return render(
        request,
        "notifications/preferences.html",
        {"kinds": kinds, "has_email": bool(request.user.email), "poll": settings.KEFU_BELL_POLL_SECONDS},
    )
