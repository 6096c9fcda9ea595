from django.contrib import admin

from kefu.complaints.models import ApprovalLimit, Complaint, ComplaintEvent, FollowUp, Proposal, SlaPolicy


class EventInline(admin.TabularInline):
    model = ComplaintEvent
    extra = 0
    can_delete = False
    readonly_fields = ["seq", "action", "from_state", "to_state", "actor", "at", "reason", "data"]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    """Read-mostly: state changes go through the services, never the admin."""

    list_display = ["number", "state", "channel", "severity", "complainant_name", "handling_department", "step_due_at"]
    list_filter = ["state", "channel", "severity", "is_regulator", "is_repeat", "in_casebook"]
    search_fields = ["number", "complainant_name", "complainant_phone", "subject"]
    readonly_fields = ["state", "version", "number", "created_by", "created_at", "updated_at", "closed_at"]
    raw_id_fields = ["customer", "source_contact", "repeat_of", "handler"]
    inlines = [EventInline]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ["state", "severity", "regulator", "hours", "clock"]
    list_filter = ["regulator", "clock"]


@admin.register(ApprovalLimit)
class ApprovalLimitAdmin(admin.ModelAdmin):
    list_display = ["role", "max_amount"]


admin.site.register(Proposal)
admin.site.register(FollowUp)
