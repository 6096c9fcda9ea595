from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from kefu.accounts.admin import HistoryAdmin
from kefu.complaints.models import (
    STATE_CHOICES,
    ApprovalLimit,
    Complaint,
    ComplaintEvent,
    FollowUp,
    Proposal,
    SlaPolicy,
)
from kefu.complaints.presenters import ACTION_LABELS, classification_labels, event_rows
from kefu.lib.masking import mask_phone

STATE_NAMES = dict(STATE_CHOICES)
OUTCOMES = {"resolved": _("Resolved"), "invalid": _("Invalid")}


class EventInline(admin.TabularInline):
    """The complaint's history, read-only, with states by their names."""

    model = ComplaintEvent
    extra = 0
    can_delete = False
    fields = readonly_fields = [  # type: ignore[assignment]  # django-stubs: readonly_fields is list[str]
        "seq_no", "action_code", "from_label", "to_label", "actor_name", "at_time", "reason_text", "details",
    ]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    # The event row's columns come from kefu.workflow.events.EventRow, shared by every process;
    # their Chinese headers are given here.
    @admin.display(description=_("no."))
    def seq_no(self, obj: ComplaintEvent) -> int:
        return obj.seq

    @admin.display(description=_("action"))
    def action_code(self, obj: ComplaintEvent) -> str:
        return str(ACTION_LABELS.get(obj.action, obj.action))

    @admin.display(description=_("from"))
    def from_label(self, obj: ComplaintEvent) -> str:
        return str(STATE_NAMES.get(obj.from_state, obj.from_state)) if obj.from_state else "—"

    @admin.display(description=_("to"))
    def to_label(self, obj: ComplaintEvent) -> str:
        return str(STATE_NAMES.get(obj.to_state, obj.to_state)) if obj.to_state else "—"

    @admin.display(description=_("by"))
    def actor_name(self, obj: ComplaintEvent) -> Any:
        return obj.actor

    @admin.display(description=_("time"))
    def at_time(self, obj: ComplaintEvent) -> str:
        return str(formats.localize(timezone.localtime(obj.at)))

    @admin.display(description=_("reason"))
    def reason_text(self, obj: ComplaintEvent) -> str:
        return obj.reason or "—"

    @admin.display(description=_("details"))
    def details(self, obj: ComplaintEvent) -> str:
        # As the complaint page shows them: field names and choices by their labels.
        changes = event_rows([obj])[0].changes
        return "；".join(f"{label}：{value}" for label, value in changes) or "—"


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    """Read-only: every change goes through the services (validated, versioned, indexed, with an event row)."""

    list_display = ["number", "state", "channel", "severity", "complainant_name", "handling_department", "step_due_at"]
    list_filter = ["state", "channel", "severity", "is_regulator", "is_repeat", "in_casebook"]
    # Whole phone numbers only (=): a partial match would tell hidden digits.
    search_fields = ["number", "complainant_name", "=complainant_phone", "subject"]
    # Lists and codes are shown by their labels (needs_labels…), the phone masked.
    exclude = ["complainant_phone", "needs", "degrees", "closed_outcome"]
    readonly_fields = [
        "state", "version", "number", "created_by", "created_at", "updated_at", "closed_at", "masked_phone",
        "needs_labels", "degrees_labels", "outcome",
    ]
    raw_id_fields = ["customer", "source_contact", "repeat_of", "handler"]
    inlines = [EventInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a complaint's events are its history

    @admin.display(description=_("Phone number"))
    def masked_phone(self, obj: Complaint) -> str:
        return mask_phone(obj.complainant_phone) if obj.complainant_phone else "—"

    @admin.display(description=Complaint._meta.get_field("needs").verbose_name)
    def needs_labels(self, obj: Complaint) -> str:
        return classification_labels(obj)["needs"] or "—"

    @admin.display(description=Complaint._meta.get_field("degrees").verbose_name)
    def degrees_labels(self, obj: Complaint) -> str:
        return classification_labels(obj)["degrees"] or "—"

    @admin.display(description=Complaint._meta.get_field("closed_outcome").verbose_name)
    def outcome(self, obj: Complaint) -> str:
        return str(OUTCOMES.get(obj.closed_outcome, obj.closed_outcome)) or "—"


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ["state", "severity", "regulator", "hours", "clock"]
    list_filter = ["regulator", "clock"]


@admin.register(ApprovalLimit)
class ApprovalLimitAdmin(admin.ModelAdmin):
    list_display = ["role", "max_amount"]


@admin.register(Proposal)
class ProposalAdmin(HistoryAdmin):
    list_display = ["complaint", "remedy", "amount", "decision", "proposed_by", "proposed_at", "decided_by"]
    list_filter = ["decision", "remedy"]


@admin.register(FollowUp)
class FollowUpAdmin(HistoryAdmin):
    list_display = ["complaint", "method", "done", "helped", "satisfaction", "by", "at"]
    list_filter = ["method", "done", "helped"]
