"""Insight pages that are work: the harassment list, queue and report; the retention queue."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.db.models.functions import ExtractHour
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kefu.accounts.http import HtmxHttpRequest
from kefu.accounts.roles import Cap
from kefu.customers.models import Customer
from kefu.front.shortcuts import add_service_errors, forbidden
from kefu.insights import churn, harass, harass_services
from kefu.insights.forms import PeriodForm
from kefu.insights.models import HarassCall, HarassEntry, RetentionAction
from kefu.insights.views import tabs_for
from kefu.lib import ratelimit
from kefu.lib.errors import Conflict, ServiceError
from kefu.lib.masking import mask_phone
from kefu.lib.params import parse_id, parse_version
from kefu.lib.widgets import DateTimeInput


class EntryForm(forms.Form):
    number = forms.CharField(label=gettext_lazy("Phone number"), max_length=30)
    level = forms.ChoiceField(label=gettext_lazy("Level"), choices=HarassEntry.Level.choices)
    pattern = forms.ChoiceField(label=gettext_lazy("Pattern"), choices=HarassEntry.Pattern.choices)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200)
    expires_at = forms.DateTimeField(label=gettext_lazy("Expires at"), required=False,
                                     widget=DateTimeInput(),
                                     help_text=gettext_lazy("Blank: until removed."))


class ChangeForm(forms.Form):
    level = forms.ChoiceField(choices=HarassEntry.Level.choices)
    pattern = forms.ChoiceField(choices=HarassEntry.Pattern.choices)
    reason = forms.CharField(max_length=200)
    expires_at = forms.DateTimeField(required=False)
    version = forms.IntegerField(min_value=1)


def _harass_user(request: HtmxHttpRequest) -> HttpResponse | None:
    if not request.user.can(Cap.HARASS_LIST):
        return forbidden(request, _("The harassment list is kept by supervisors and managers."))
    return None


def _entries() -> list[dict[str, Any]]:
    rows = (HarassEntry.objects.filter(harass.active_entries()).select_related("added_by")
            .annotate(n_calls=Count("calls")).order_by("level", "-updated_at"))
    return [{"entry": e, "masked": mask_phone(e.number), "calls": getattr(e, "n_calls", 0)} for e in rows]


@login_required
@require_http_methods(["GET", "POST"])
def harass_list(request: HtmxHttpRequest) -> HttpResponse:
    """The number list (watch → block) with reasons and expiry; numbers shown masked."""
    refused = _harass_user(request)
    if refused:
        return refused
    form = EntryForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                harass_services.harass_add(actor=request.user, number=data["number"], level=data["level"],
                                           pattern=data["pattern"], reason=data["reason"],
                                           expires_at=data["expires_at"])
            except ServiceError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The number is on the list."))
                return redirect("insights:harass")
        status = 422
    return render(request, "insights/harass_list.html", {"tabs": tabs_for(request.user),
        "form": form, "entries": _entries(), "levels": HarassEntry.Level.choices,
        "patterns": HarassEntry.Pattern.choices,
    }, status=status)


@login_required
@require_POST
def harass_change(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    refused = _harass_user(request)
    if refused:
        return refused
    entry = get_object_or_404(HarassEntry, pk=pk, removed_at__isnull=True)
    form = ChangeForm(request.POST)
    try:
        if request.POST.get("remove"):
            version = parse_version(request.POST.get("version")) or 0
            harass_services.harass_remove(actor=request.user, entry=entry, expected_version=version)
            messages.success(request, _("The number is off the list."))
        elif form.is_valid():
            d = form.cleaned_data
            harass_services.harass_update(actor=request.user, entry=entry, expected_version=d["version"],
                                          level=d["level"], pattern=d["pattern"], reason=d["reason"],
                                          expires_at=d["expires_at"])
            messages.success(request, _("The entry is changed."))
        else:
            messages.error(request, _("Check the entry."))
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("insights:harass")


@login_required
@require_http_methods(["GET", "POST"])
def harass_queue(request: HtmxHttpRequest) -> HttpResponse:
    """The separate queue of calls from listed numbers, with the automatic message (harass.queue)."""
    refused = _harass_user(request)
    if refused:
        return refused
    if request.method == "POST":
        call_id = parse_id(request.POST.get("call"))
        if call_id is not None and not harass_services.harass_call_handle(actor=request.user, call_id=call_id):
            messages.warning(request, _("Someone has dealt with this call already."))
        return redirect("insights:harass_queue")
    calls = HarassCall.objects.filter(handled=False).select_related("entry").order_by("-at")[:200]
    return render(request, "insights/harass_queue.html", {"tabs": tabs_for(request.user),
        "calls": [{"call": c, "masked": mask_phone(c.entry.number)} for c in calls],
        "auto_message": harass.AUTO_MESSAGE, "terminate": harass.TERMINATE_PHRASE,
    })


@login_required
@require_safe
def harass_report(request: HtmxHttpRequest) -> HttpResponse:
    """Harassment frequency by number, hour of day and pattern, for investigation (harass.prevent)."""
    refused = _harass_user(request)
    if refused:
        return refused
    from kefu.insights import selectors
    from kefu.lib.errors import InvalidInput

    form = PeriodForm(request.GET or None)
    today = timezone.localdate()
    try:
        data = form.cleaned_data if form.is_bound and form.is_valid() else {}
        if form.is_bound and not form.is_valid():
            raise InvalidInput(_("Check the dates."))
        p = selectors.period(data.get("date_from"), data.get("date_to"), today=today)
    except InvalidInput as exc:
        for field, message in exc.errors.items():
            form.add_error(field if field in form.fields else None, message)
        return render(request, "insights/harass_report.html", {"tabs": tabs_for(request.user), "form": form, "invalid": True}, status=422)
    start = datetime.combine(p.start, datetime.min.time(), tzinfo=timezone.get_current_timezone())
    calls = HarassCall.objects.filter(at__gte=start, at__lt=start + timedelta(days=p.days))
    by_number = [
        {"masked": mask_phone(n), "n": c, "pattern": dict(HarassEntry.Pattern.choices).get(pat, "")}
        for n, pat, c in calls.values("entry__number", "entry__pattern").annotate(c=Count("pk"))
        .order_by("-c").values_list("entry__number", "entry__pattern", "c")[:50]
    ]
    hours = dict(calls.annotate(h=ExtractHour("at")).values("h").annotate(c=Count("pk")).values_list("h", "c"))
    patterns = dict(HarassEntry.Pattern.choices)
    by_pattern = [(str(patterns.get(k, k)), c) for k, c in
                  calls.values("pattern").annotate(c=Count("pk")).order_by("-c").values_list("pattern", "c")]
    return render(request, "insights/harass_report.html", {"tabs": tabs_for(request.user),
        "form": form, "period": p, "by_number": by_number, "by_pattern": by_pattern,
        "hours": [{"hour": h, "n": hours.get(h, 0)} for h in range(24)], "total": calls.count(),
        "charts": {"dims": [], "trend": {"labels": [f"{h:02d}:00" for h in range(24)],
                                         "values": [hours.get(h, 0) for h in range(24)], "drill": []}},
    })


@login_required
@require_POST
def harass_check(request: HtmxHttpRequest) -> HttpResponse:
    """The warning on the contact form when a listed number is typed (POST: the number stays out of URLs)."""
    if not request.user.can(Cap.CONTACT_LOG):
        return HttpResponse(status=403)
    phone = request.POST.get("phone", "")
    if len(harass.normalise_number("".join(ch for ch in phone if ch.isdecimal()))) < 7:
        return HttpResponse("")
    verdict = ratelimit.number_search(request.user.pk, phone, whole=True)
    if not verdict.allowed:
        return HttpResponse("")
    entry = harass.listed_entry(phone)
    if entry is None:
        return HttpResponse("")
    return render(request, "insights/_harass_warning.html", {
        "entry": entry, "terminate": harass.TERMINATE_PHRASE,
    })


# --- retention ------------------------------------------------------------------------------------


class ActionForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Action"), choices=RetentionAction.Kind.choices)
    # No outcome preselected: a click on 记录 must not file "customer retained" by default.
    outcome = forms.ChoiceField(label=gettext_lazy("Outcome"),
                                choices=[("", "—"), *RetentionAction.Outcome.choices])
    note = forms.CharField(label=gettext_lazy("Note"), max_length=300, required=False)


@login_required
@require_safe
def retention(request: HtmxHttpRequest) -> HttpResponse:
    """The retention queue (维系): customers at risk of porting out, the reasons, the suggested care."""
    if not request.user.can(Cap.RETENTION_WORK):
        return forbidden(request, _("The retention queue is for account and phone managers."))
    items = churn.retention_queue(user=request.user)
    recent = list(RetentionAction.objects.filter(by=request.user).order_by("-at")[:20])
    return render(request, "insights/retention.html", {"tabs": tabs_for(request.user),
        "items": [(item, ActionForm(initial={"kind": item.risk.action}, prefix=str(item.customer.pk))) for item in items],
        "threshold": churn.QUEUE_THRESHOLD,
        "recent": recent,
        "recent_names": dict(Customer.objects.filter(pk__in={a.customer_id for a in recent}).values_list("pk", "name")),
    })


@login_required
@require_POST
def retention_act(request: HtmxHttpRequest, customer_id: int) -> HttpResponse:
    if not request.user.can(Cap.RETENTION_WORK):
        return forbidden(request, _("The retention queue is for account and phone managers."))
    form = ActionForm(request.POST, prefix=str(customer_id))
    if not form.is_valid():
        messages.error(request, _("Choose what you did and the outcome."))
        return redirect("insights:retention")
    try:
        churn.retention_record(actor=request.user, customer_id=customer_id, kind=form.cleaned_data["kind"],
                               outcome=form.cleaned_data["outcome"], note=form.cleaned_data["note"])
    except Conflict as exc:
        messages.error(request, exc.message)
    except ServiceError as exc:
        if exc.status == 403:
            return forbidden(request, exc.message)
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The action is recorded."))
    return redirect("insights:retention")
