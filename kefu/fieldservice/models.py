from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.complaints.models import Complaint
from kefu.customers.models import Contact, Customer
from kefu.fieldservice.process import Arrival, OrderType, State
from kefu.workflow.events import EventRow

STATE_LABELS = {
    State.NEW: _("To book"),
    State.BOOKED: _("Booked"),
    State.EN_ROUTE: _("On the way"),
    State.ON_SITE: _("On site"),
    State.FIXED: _("Done, to confirm"),
    State.CLOSED: _("Closed"),
    State.CANCELLED: _("Cancelled"),
}
TYPE_LABELS = {
    OrderType.EMERGENCY: _("Emergency repair"),
    OrderType.REPAIR: _("Fault repair"),
    OrderType.INSTALL: _("Installation"),
    OrderType.RELOCATE: _("Relocation"),
    OrderType.CHANGE: _("Equipment change"),
    OrderType.REMOVE: _("Removal"),
}
ARRIVAL_LABELS = {
    Arrival.IDEAL: _("5–10 minutes early"),
    Arrival.EARLY: _("Early"),
    Arrival.IN_WINDOW: _("Within the window"),
    Arrival.LATE: _("Late"),
}


class Confirmation(models.TextChoices):
    NONE = "", _("Not asked")
    PENDING = "pending", _("Awaiting the customer")
    CONFIRMED = "confirmed", _("Confirmed by the customer")
    CHANGE = "change", _("Customer asked for another time")


class WorkOrder(models.Model):  # 上门工单
    """One visit to a customer, run by ``process.TRANSITIONS``; state and version change only in services."""

    number = models.CharField(_("number"), max_length=24, unique=True)
    order_type = models.CharField(_("type"), max_length=12, choices=[(t.value, TYPE_LABELS[t]) for t in OrderType])
    state = models.CharField(_("state"), max_length=12, choices=[(s.value, STATE_LABELS[s]) for s in State], default=State.NEW)
    version = models.PositiveIntegerField(default=1)
    priority = models.PositiveSmallIntegerField(_("priority"), default=0)
    due_at = models.DateTimeField(_("promised by"))

    customer = models.ForeignKey(Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="work_orders")
    contact_name = models.CharField(_("contact person"), max_length=60)
    address = models.CharField(_("address"), max_length=200)
    area = models.CharField(_("service area"), max_length=40, db_index=True)
    equipment = models.CharField(_("equipment"), max_length=120, blank=True)
    description = models.TextField(_("fault or request"))
    source_contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    source_complaint = models.ForeignKey(Complaint, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint raised"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("technician"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="work_orders",
    )
    window_start = models.DateTimeField(_("window start"), null=True, blank=True)
    window_end = models.DateTimeField(_("window end"), null=True, blank=True)
    route_seq = models.PositiveSmallIntegerField(default=0)
    confirmation = models.CharField(max_length=10, choices=Confirmation.choices, blank=True, default="")

    departed_at = models.DateTimeField(null=True, blank=True)
    arrived_at = models.DateTimeField(null=True, blank=True)
    arrival = models.CharField(max_length=10, blank=True, default="")
    call_ahead_at = models.DateTimeField(null=True, blank=True)
    call_ahead_note = models.CharField(max_length=200, blank=True)

    cause = models.TextField(_("cause found"), blank=True)
    work_done = models.TextField(_("what was done"), blank=True)
    parts = models.JSONField(default=list, blank=True)  # [{"name", "serial"}]
    line_tests = models.JSONField(default=dict, blank=True)  # {"rx_dbm", "speed_mbps", "note"}
    replaced = models.BooleanField(default=False)
    consent_at = models.DateTimeField(null=True, blank=True)
    consent_note = models.CharField(max_length=200, blank=True)
    fees = models.JSONField(default=list, blank=True)  # [{"code", "name", "qty", "amount"}]
    fee_total = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    mot = models.JSONField(default=dict, blank=True)  # {moment: score}
    leads = models.TextField(blank=True)
    feedback_score = models.PositiveSmallIntegerField(null=True, blank=True)
    feedback_remarks = models.CharField(max_length=500, blank=True)
    feedback_at = models.DateTimeField(null=True, blank=True)
    support_note = models.TextField(blank=True)

    reopen_count = models.PositiveSmallIntegerField(default=0)
    visits = models.PositiveSmallIntegerField(default=0)
    outcome = models.CharField(max_length=12, blank=True)  # fixed / phone / cancelled
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        indexes = [
            models.Index(fields=["technician", "window_start"], name="wo_tech_day"),
            models.Index(fields=["window_start", "area"], name="wo_day_area"),
            models.Index(fields=["state", "-priority", "due_at"], name="wo_queue"),
            models.Index(fields=["customer", "-created_at"], name="wo_customer"),
            models.Index(fields=["finished_at"], name="wo_finished"),
            models.Index(fields=["-created_at", "-id"], name="wo_newest"),
            models.Index(fields=["arrived_at"], name="wo_arrived"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("fieldservice:order", args=[self.pk])


class WorkOrderEvent(EventRow):
    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="events")

    class Meta(EventRow.Meta):
        constraints = [models.UniqueConstraint(fields=["order", "seq"], name="uniq_workorder_event_seq")]

    def __str__(self) -> str:
        return f"#{self.seq}"


class Shift(models.Model):  # 排班
    """A technician on duty on one day in one area; free windows are those not yet booked."""

    technician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shifts")
    day = models.DateField()
    area = models.CharField(max_length=40)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["technician", "day"], name="uniq_shift_tech_day")]
        indexes = [models.Index(fields=["day", "area"], name="shift_day_area")]

    def __str__(self) -> str:
        return f"{self.technician} {self.day}"


class ChecklistRun(models.Model):
    """One stage's checklist as done on site (the items ticked, when, from which device action)."""

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="checklists")
    stage = models.CharField(max_length=20)
    items = models.JSONField(default=dict)  # {item_key: true}
    data = models.JSONField(default=dict, blank=True)  # e.g. the knock protocol's timings
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    done_at = models.DateTimeField(default=timezone.now)
    device_at = models.DateTimeField(null=True, blank=True)
    visit = models.PositiveSmallIntegerField(default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["order", "visit", "stage"], name="uniq_checklist_stage")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.stage}"


class Signature(models.Model):  # 客户签字 (onsite.signature)
    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="signatures")
    visit = models.PositiveSmallIntegerField(default=1)
    png = models.BinaryField()
    signer_name = models.CharField(max_length=60)
    signed_at = models.DateTimeField(default=timezone.now)
    device_at = models.DateTimeField(null=True, blank=True)
    content_hash = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["order", "visit"], name="uniq_signature_visit")]

    def __str__(self) -> str:
        return self.signer_name


class OutboundMessage(models.Model):  # 短信 to the customer
    class Kind(models.TextChoices):
        BOOKED = "booked", _("Appointment")
        DEPARTED = "departed", _("On the way")
        FEEDBACK = "feedback", _("Feedback request")

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    to_masked = models.CharField(max_length=20)
    body = models.TextField()
    sent_at = models.DateTimeField(default=timezone.now)
    order_version = models.PositiveIntegerField(default=0)  # the booking the link answers
    used_at = models.DateTimeField(null=True, blank=True)
    answer = models.CharField(max_length=10, blank=True)

    def __str__(self) -> str:
        return f"{self.kind} {self.to_masked}"


class SyncAction(models.Model):
    """An action sent from a technician's phone, kept by its client UUID so a replay is answered, not redone."""

    uuid = models.UUIDField(unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20)
    device_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    ok = models.BooleanField(default=True)
    message = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return str(self.uuid)


class FollowUpCall(models.Model):  # 修复后回访确认 (onsite.confirm_after_fix)
    class Result(models.TextChoices):
        SATISFIED = "satisfied", _("Satisfied")
        REOPENED = "reopened", _("Not fixed: reopened")
        COMPLAINT = "complaint", _("Dissatisfied: complaint raised")

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="follow_ups")
    due_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    result = models.CharField(max_length=10, choices=Result.choices, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["done_at", "due_at"], name="wo_followup_queue")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.due_at}"


class CounterInspection(models.Model):  # 营业厅服务检查
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="counter_inspections")
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    items = models.JSONField(default=dict)  # {item_key: "pass" | "fail" | "na"}
    score = models.PositiveSmallIntegerField()
    remarks = models.TextField(blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.agent} {self.score}"
