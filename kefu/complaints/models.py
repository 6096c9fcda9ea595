from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import Department
from kefu.accounts.roles import Role
from kefu.complaints.choices import (
    Cause,
    CauseCategory,
    ComplainerIntent,
    ComplainerType,
    ContactMethod,
    Hotspot,
    Remedy,
    Severity,
)
from kefu.complaints.flow import State
from kefu.customers.choices import Channel
from kefu.customers.models import Contact, Customer
from kefu.workflow.events import EventRow

STATE_LABELS = {
    State.RECORDED: _("Recorded"),
    State.ACCEPTED: _("Accepted"),
    State.ASSIGNED: _("Assigned"),
    State.ANALYSED: _("Cause analysed"),
    State.PENDING_APPROVAL: _("Awaiting approval"),
    State.APPROVED: _("Approved"),
    State.IMPLEMENTED: _("Implemented"),
    State.FOLLOWED_UP: _("Followed up"),
    State.CLOSED: _("Closed"),
}
STATE_CHOICES = [(s.value, STATE_LABELS[s]) for s in State]


class Complaint(models.Model):  # 投诉
    """A complaint and its place in the process (see ``flow``).

    ``state`` and ``version`` change only through ``services`` with a conditional
    update, so two concurrent actions produce exactly one transition.
    """

    number = models.CharField(_("number"), max_length=24, unique=True, null=True, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=STATE_CHOICES, default=State.RECORDED)
    version = models.PositiveIntegerField(_("version"), default=1)

    # The complaint form (complaint.process.record).
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), null=True, blank=True, on_delete=models.PROTECT, related_name="complaints"
    )
    complainant_name = models.CharField(_("complainant"), max_length=60)
    complainant_phone = models.CharField(_("complainant phone"), max_length=20, blank=True, db_index=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    subject = models.CharField(_("object of the complaint"), max_length=120)
    content = models.TextField(_("content"))
    demands = models.TextField(_("customer's demands"), blank=True)
    source_contact = models.ForeignKey(
        Contact, verbose_name=_("source contact"), null=True, blank=True, on_delete=models.SET_NULL, related_name="complaints"
    )
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.NORMAL)

    # Classification.
    cause_category = models.CharField(_("cause category"), max_length=10, choices=CauseCategory.choices, blank=True)
    cause = models.CharField(_("cause"), max_length=30, choices=Cause.choices, blank=True)
    hotspot = models.CharField(_("hot spot"), max_length=30, choices=Hotspot.choices, blank=True)
    needs = models.JSONField(_("customer needs"), default=list, blank=True)
    degrees = models.JSONField(_("six degrees"), default=list, blank=True)
    complainer_type = models.CharField(
        _("complainer type"), max_length=20, choices=ComplainerType.choices, blank=True, default=""
    )
    complainer_intent = models.CharField(
        _("complainer intent"), max_length=20, choices=ComplainerIntent.choices, blank=True, default=""
    )

    # Flags and ordering.
    is_regulator = models.BooleanField(_("regulator/external channel"), default=False)
    is_repeat = models.BooleanField(_("repeat complaint"), default=False)
    repeat_of = models.ForeignKey("self", verbose_name=_("repeat of"), null=True, blank=True, on_delete=models.SET_NULL, related_name="repeats")
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    priority = models.PositiveSmallIntegerField(_("priority"), default=0, help_text=_("Higher first; set by the process."))

    # Validity (complaint.process.validity).
    validity_note = models.TextField(_("validity note / explanation"), blank=True)

    # Responsibility (complaint.process.department, complaint.process.cause).
    responsible_department = models.ForeignKey(
        Department,
        verbose_name=_("department at fault"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints_at_fault",
    )
    handling_department = models.ForeignKey(
        Department,
        verbose_name=_("handling department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints_handled",
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handler"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints_handled",
    )
    cause_analysis = models.TextField(_("cause analysis"), blank=True)
    responsible_person = models.CharField(_("person responsible"), max_length=60, blank=True)

    # Implementation (complaint.process.implement, complaint.process.penalty).
    implementation_note = models.TextField(_("what was done"), blank=True)
    notified_via = models.CharField(_("customer notified via"), max_length=10, choices=ContactMethod.choices, blank=True)
    notified_at = models.DateTimeField(_("customer notified at"), null=True, blank=True)
    penalty = models.CharField(_("penalty for the person responsible"), max_length=200, blank=True)
    customer_feedback = models.TextField(_("customer's feedback"), blank=True)

    # Review (complaint.process.review, complaint.improve.casebook).
    review_summary = models.TextField(_("summary"), blank=True)
    lessons = models.TextField(_("lessons"), blank=True)
    in_casebook = models.BooleanField(_("in the case book"), default=False)
    closed_outcome = models.CharField(_("outcome"), max_length=20, blank=True)  # resolved / invalid

    # SLA (working-time clocks, see ``sla``).
    step_started_at = models.DateTimeField(_("step started"), default=timezone.now)
    step_due_at = models.DateTimeField(_("step due"), null=True, blank=True)
    due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    sla_breached = models.BooleanField(_("SLA breached"), default=False)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="complaints_recorded"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        indexes = [
            models.Index(fields=["state", "-priority", "step_due_at"], name="cmp_queue"),
            models.Index(fields=["handler", "state"], name="cmp_handler_state"),
            models.Index(fields=["handling_department", "state"], name="cmp_dept_state"),
            models.Index(fields=["customer", "-received_at"], name="cmp_customer"),
            models.Index(fields=["state", "step_due_at"], name="cmp_state_due"),
            # The case book (insights) lists the reviewed few of a large table, newest closed first.
            models.Index(fields=["-closed_at", "-received_at"], condition=models.Q(in_casebook=True),
                         name="cmp_casebook"),
        ]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("complaints:detail", args=[self.pk])

    @property
    def state_enum(self) -> State:
        return State(self.state)

    @property
    def is_open(self) -> bool:
        return self.state != State.CLOSED


class Proposal(models.Model):  # 处理方案
    """A remedy proposal and its approval decision (complaint.process.proposal/.approval)."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        SENT_BACK = "sent_back", _("Sent back")

    complaint = models.ForeignKey(Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="proposals")
    remedy = models.CharField(_("remedy"), max_length=20, choices=Remedy.choices)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=10, decimal_places=2, default=0)
    plan = models.TextField(_("plan"))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("proposed by"), on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_comment = models.TextField(_("decision comment"), blank=True)
    # Above the approver's limit the proposal goes up to a role whose limit covers it (complaint.authority).
    escalated_to = models.CharField(_("escalated to"), max_length=20, blank=True)
    escalated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("escalated by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("remedy proposal")
        verbose_name_plural = _("remedy proposals")
        ordering = ["proposed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_remedy_display()} {self.amount}"


class FollowUp(models.Model):  # 回访
    """A follow-up visit (complaint.followup): was it done, did it help, anything else."""

    complaint = models.ForeignKey(Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="follow_ups")
    method = models.CharField(_("method"), max_length=10, choices=ContactMethod.choices)
    done = models.BooleanField(_("remedy carried out"))
    helped = models.BooleanField(_("it helped"))
    anything_else = models.TextField(_("anything else"), blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction (1-5)"))
    note = models.TextField(_("note"), blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("followed up by"), on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.satisfaction}/5"

    @property
    def satisfied(self) -> bool:
        return self.done and self.helped and self.satisfaction >= 3


class ComplaintEvent(EventRow):
    """One row per change; history is never rewritten."""

    complaint = models.ForeignKey(Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="events")

    class Meta(EventRow.Meta):
        verbose_name = _("complaint event")
        verbose_name_plural = _("complaint history")
        constraints = [models.UniqueConstraint(fields=["complaint", "seq"], name="uniq_complaint_event_seq")]
        # The SLA-per-step drill-down (insights) finds the overruns of one step in a period.
        indexes = [models.Index(fields=["from_state", "at"], condition=models.Q(action="sla_breach"),
                                name="cmp_event_breach")]

    def __str__(self) -> str:
        return f"#{self.seq}"  # the admin's history rows show it; the action has its own column


def _plain(number: Decimal) -> Decimal:
    """24.00 → 24, 2.50 stays 2.50."""
    return number.quantize(Decimal(1)) if number == number.to_integral_value() else number


class SlaPolicy(models.Model):
    """How long a step may take. The most specific matching row wins."""

    class Clock(models.TextChoices):
        WORKING = "working", _("Working time")
        CALENDAR = "calendar", _("Calendar time")

    state = models.CharField(_("step"), max_length=20, choices=STATE_CHOICES, blank=True, help_text=_("Blank: overall resolution"))
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, blank=True)
    regulator = models.BooleanField(_("regulator/external channels"), default=False)
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=2)
    clock = models.CharField(_("clock"), max_length=10, choices=Clock.choices, default=Clock.WORKING)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.UniqueConstraint(fields=["state", "severity", "regulator"], name="uniq_sla_policy"),
        ]

    def __str__(self) -> str:
        return _("%(step)s · %(severity)s · %(channels)s: %(hours)s hours") % {
            "step": self.get_state_display() if self.state else _("overall resolution"),
            "severity": self.get_severity_display() if self.severity else _("any severity"),
            "channels": _("regulator/external channels") if self.regulator else _("other channels"),
            "hours": _plain(Decimal(str(self.hours))),
        }


class ApprovalLimit(models.Model):
    """The largest remedy amount a role may approve (complaint.authority); blank = unlimited."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, unique=True)
    max_amount = models.DecimalField(_("max amount (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("approval limit")
        verbose_name_plural = _("approval limits")

    def __str__(self) -> str:
        if self.max_amount is None:
            return _("%(role)s: no limit") % {"role": self.get_role_display()}
        return _("%(role)s: up to %(amount)s yuan") % {"role": self.get_role_display(), "amount": self.max_amount}
