"""Insight (洞察): report summaries, the harassment number list, churn risk and retention work."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ComplaintStat(models.Model):
    """Complaints per local day and one dimension's value — the summary the dashboards read.

    Rebuilt by the background refresh (:mod:`kefu.insights.summary`); ``dim`` is one of
    ``summary.DIMS`` ("all", "channel", "cause", "need", "step", …). For ``dim="step"``
    ``n`` counts complaints entering the step and ``breached`` those whose step ran over.
    """

    day = models.DateField()
    dim = models.CharField(max_length=20)
    value = models.CharField(max_length=40, blank=True)
    n = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    close_hours = models.FloatField(default=0)  # summed over the closed ones
    breached = models.PositiveIntegerField(default=0)
    repeat = models.PositiveIntegerField(default=0)
    regulator = models.PositiveIntegerField(default=0)
    remedy = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    class Meta:
        indexes = [models.Index(fields=["dim", "day"], name="ins_cstat_dim_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.dim}={self.value}: {self.n}"


class ComplaintFact(models.Model):
    """One narrow row per complaint, rebuilt with the summary: what the drill-downs filter on, indexed.

    A drill-down lists exactly the complaints a summary figure counted (the same rebuild), and finds
    them through these indexes instead of scanning the complaints. ``needs``/``degrees`` are bit sets
    in the order of ``summary.NEED_BITS``/``summary.DEGREE_BITS``.
    """

    complaint_id = models.IntegerField(primary_key=True)  # loose link to kefu.complaints.Complaint
    received_at = models.DateTimeField()
    channel = models.CharField(max_length=20)
    cause = models.CharField(max_length=30, blank=True)
    cause_category = models.CharField(max_length=10, blank=True)
    hotspot = models.CharField(max_length=30, blank=True)
    severity = models.CharField(max_length=10, blank=True)
    department_id = models.IntegerField(null=True)
    handler_id = models.IntegerField(null=True)
    responsible_person = models.CharField(max_length=60, blank=True)
    needs = models.PositiveSmallIntegerField(default=0)
    degrees = models.PositiveSmallIntegerField(default=0)
    is_regulator = models.BooleanField(default=False)
    sla_breached = models.BooleanField(default=False)
    in_casebook = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["received_at"], name="ins_fact_received"),
            models.Index(fields=["cause", "received_at"], name="ins_fact_cause"),
            models.Index(fields=["cause_category", "received_at"], name="ins_fact_category"),
            models.Index(fields=["hotspot", "received_at"], name="ins_fact_hotspot"),
            models.Index(fields=["channel", "received_at"], name="ins_fact_channel"),
            models.Index(fields=["department_id", "received_at"], name="ins_fact_department"),
            models.Index(fields=["handler_id", "received_at"], name="ins_fact_handler"),
            models.Index(fields=["in_casebook"], condition=models.Q(in_casebook=True), name="ins_fact_casebook"),
        ]

    def __str__(self) -> str:
        return f"#{self.complaint_id}"


class ContactStat(models.Model):
    """Contacts per local day, agent, channel and caller category (the per-agent pages read it)."""

    day = models.DateField()
    agent_id = models.IntegerField(null=True)  # loose link: the summary never blocks deleting a user
    channel = models.CharField(max_length=20)
    category = models.CharField(max_length=20)
    n = models.PositiveIntegerField(default=0)
    seconds = models.BigIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["day", "agent_id"], name="ins_contact_day_agent")]

    def __str__(self) -> str:
        return f"{self.day} {self.agent_id} {self.channel}: {self.n}"


class SummaryRun(models.Model):
    """When a summary was last rebuilt, shown beside every report that reads it."""

    name = models.CharField(max_length=40, primary_key=True)
    refreshed_at = models.DateTimeField()
    rows = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)

    def __str__(self) -> str:
        return f"{self.name} @ {self.refreshed_at}"


class HarassEntry(models.Model):  # 骚扰号码
    """A number on the harassment list (harass.prevent): watched or blocked, with a reason and an expiry."""

    class Level(models.TextChoices):
        WATCH = "watch", _("Watch")
        BLOCK = "block", _("Block")

    class Pattern(models.TextChoices):
        SILENT = "silent", _("Silent calls")
        ABUSE = "abuse", _("Abuse")
        SALES = "sales", _("Sales calls")
        NONSENSE = "nonsense", _("Nonsense / drifting talk")
        OTHER = "other", _("Other")

    number = models.CharField(_("number"), max_length=20, unique=True)  # digits only
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, default=Level.WATCH)
    pattern = models.CharField(_("pattern"), max_length=10, choices=Pattern.choices, default=Pattern.OTHER)
    reason = models.CharField(_("reason"), max_length=200)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("added by"), on_delete=models.PROTECT,
                                 related_name="+")
    added_at = models.DateTimeField(_("added at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("harassment list entry")
        verbose_name_plural = _("harassment list")

    def __str__(self) -> str:
        from kefu.lib.masking import mask_phone

        return mask_phone(self.number)


class HarassCall(models.Model):
    """One contact from a listed number, routed to the harassment queue (harass.queue)."""

    entry = models.ForeignKey(HarassEntry, on_delete=models.CASCADE, related_name="calls")
    contact_id = models.IntegerField(null=True, blank=True)  # loose link to kefu.customers.Contact
    at = models.DateTimeField(default=timezone.now)
    pattern = models.CharField(max_length=10, choices=HarassEntry.Pattern.choices, default=HarassEntry.Pattern.OTHER)
    seconds = models.PositiveIntegerField(default=0)
    handled = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["entry", "-at"], name="ins_harass_call_entry")]

    def __str__(self) -> str:
        return f"{self.entry} {self.at:%Y-%m-%d %H:%M}"


class ChurnRisk(models.Model):  # 携号转网风险
    """A customer's churn-risk score with its reasons, refreshed by the background job (complaint.churn)."""

    customer_id = models.IntegerField(unique=True)  # loose link to kefu.customers.Customer
    score = models.PositiveSmallIntegerField(default=0)  # 0…100
    reasons = models.JSONField(default=list)  # [{"code": "complaints_90d", "points": 20, "n": 3}, …]
    action = models.CharField(max_length=20, blank=True)  # the suggested care action
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["-score"], name="ins_churn_score")]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.score}"


class RetentionAction(models.Model):  # 维系动作
    """A care action an account or phone manager took for a customer at risk (customer.retention)."""

    class Kind(models.TextChoices):
        CALL = "call", _("Care call")
        VISIT = "visit", _("Visit")
        GREETING = "greeting", _("Holiday or birthday greeting")
        OFFER = "offer", _("Retention offer")

    class Outcome(models.TextChoices):
        STAYING = "staying", _("Customer stays")
        THINKING = "thinking", _("Still deciding")
        LEAVING = "leaving", _("Customer is leaving")
        UNREACHED = "unreached", _("Not reached")

    customer_id = models.IntegerField()
    kind = models.CharField(_("action"), max_length=10, choices=Kind.choices)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    score_at = models.PositiveSmallIntegerField(default=0)  # the risk when the action was taken
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("retention action")
        verbose_name_plural = _("retention actions")
        indexes = [models.Index(fields=["customer_id", "-at"], name="ins_retention_customer")]
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.kind} {self.outcome}"
