from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kefu.accounts.admin import HistoryAdmin
from kefu.complaints.models import ApprovalLimit, Complaint, ComplaintEvent, FollowUp, Proposal, SlaPolicy
from kefu.lib.masking import mask_phone


class EventInline(admin.TabularInline):
    model = ComplaintEvent
    extra = 0
    can_delete = False
    readonly_fields = ["seq", "action", "from_state", "to_state", "actor", "at", "reason", "data"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    """Read-only: every change goes through the services (validated, versioned, indexed, with an event row)."""

    list_display = ["number", "state", "channel", "severity", "complainant_name", "handling_department", "step_due_at"]
    list_filter = ["state", "channel", "severity", "is_regulator", "is_repeat", "in_casebook"]
    # Whole phone numbers only (=): a partial match would tell hidden digits.
    search_fields = ["number", "complainant_name", "=complainant_phone", "subject"]
    exclude = ["complainant_phone"]
    readonly_fields = [
        "state", "version", "number", "created_by", "created_at", "updated_at", "closed_at", "masked_phone",
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


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ["state", "severity", "regulator", "hours", "clock"]
    list_filter = ["regulator", "clock"]


@admin.register(ApprovalLimit)
class ApprovalLimitAdmin(admin.ModelAdmin):
    list_display = ["role", "max_amount"]


admin.site.register(Proposal, HistoryAdmin)
admin.site.register(FollowUp, HistoryAdmin)
