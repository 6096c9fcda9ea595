"""Satisfaction surveys (满意度回访), SERVQUAL questionnaires and the management-perception answers.

A survey points back at the service it asks about with a loose link (``source_kind`` +
``source_id``): contacts and complaints live in other apps, on-site work orders in an
optional one, and none of them should need a migration of ours to exist.

Implements norms satisfaction.expectation_gap (perception against expectation, recorded per
item) and satisfaction.dimensions (the five SERVQUAL dimensions); a low answer opens a
follow-up task (complaint.followup).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kefu.customers.choices import Channel


class SourceKind(models.TextChoices):
    CONTACT = "contact", _("Contact")
    COMPLAINT = "complaint", pgettext_lazy("survey source", "Closed complaint")
    WORK_ORDER = "work_order", _("On-site work order")


class Dimension(models.TextChoices):  # satisfaction.dimensions
    RELIABILITY = "reliability", _("Reliability")
    ASSURANCE = "assurance", _("Assurance")
    RESPONSIVENESS = "responsiveness", _("Responsiveness")
    EMPATHY = "empathy", _("Empathy")
    TANGIBLES = "tangibles", _("Tangibles")


class LowReason(models.TextChoices):
    """What a customer may pick when the answer is low (CSAT 1–2)."""

    NOT_SOLVED = "not_solved", _("My problem was not solved")
    SLOW = "slow", _("It took too long")
    ATTITUDE = "attitude", _("The staff's attitude")
    UNCLEAR = "unclear", _("The explanation was unclear")
    PASSED_AROUND = "passed_around", _("I was passed from one person to another")
    PROMISE = "promise", _("A promise was not kept")
    OTHER = "other", _("Something else")


class Rule(models.Model):  # 回访规则
    """Who is asked after which service, and when. The most specific enabled rule wins."""

    source_kind = models.CharField(_("after"), max_length=20, choices=SourceKind.choices)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, blank=True,
                               help_text=_("Blank: every channel"))
    category = models.CharField(_("contact type"), max_length=20, blank=True,
                                help_text=_("Blank: every type (contacts only)"))
    enabled = models.BooleanField(_("enabled"), default=True)
    sample_every = models.PositiveSmallIntegerField(_("ask 1 in N"), default=1)
    cooldown_days = models.PositiveSmallIntegerField(_("cooldown per customer (days)"), default=30)
    delay_minutes = models.PositiveIntegerField(_("delay after the service (minutes)"), default=60)
    reminder_hours = models.PositiveSmallIntegerField(_("reminder after (hours, 0 = none)"), default=24)
    expires_days = models.PositiveSmallIntegerField(_("link valid for (days)"), default=7)
    servqual_every = models.PositiveSmallIntegerField(
        _("add the SERVQUAL questionnaire to 1 in N (0 = never)"), default=0
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("updated by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("survey rule")
        verbose_name_plural = _("survey rules")
        ordering = ["source_kind", "channel", "category"]
        constraints = [
            models.UniqueConstraint(fields=["source_kind", "channel", "category"], name="uniq_survey_rule"),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_kind_display()} {self.get_channel_display() or ''}".strip()

    @property
    def category_label(self) -> str:
        from kefu.customers.choices import CallerCategory

        return str(CallerCategory(self.category).label) if self.category in CallerCategory.values else ""


class Survey(models.Model):  # 满意度回访
    class State(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        SENT = "sent", _("Sent")
        ANSWERED = "answered", _("Answered")
        EXPIRED = "expired", _("Expired")

    source_kind = models.CharField(_("after"), max_length=20, choices=SourceKind.choices)
    source_id = models.PositiveBigIntegerField(_("record"))
    customer = models.ForeignKey("customers.Customer", verbose_name=_("customer"), null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="surveys")
    phone = models.CharField(_("sent to"), max_length=20)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, blank=True)
    category = models.CharField(_("contact type"), max_length=20, blank=True)
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("served by"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="surveys_about")
    rule = models.ForeignKey(Rule, verbose_name=_("rule"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    with_servqual = models.BooleanField(_("with the SERVQUAL questionnaire"), default=False)
    nonce = models.CharField(max_length=16)  # in the signed link: a re-issued survey voids the old link
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.SCHEDULED)
    service_at = models.DateTimeField(_("service finished"))
    send_after = models.DateTimeField(_("send after"))
    reminder_hours = models.PositiveSmallIntegerField(default=24)
    expires_days = models.PositiveSmallIntegerField(default=7)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("link expires"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    csat = models.PositiveSmallIntegerField(_("satisfaction (1-5)"), null=True, blank=True)
    nps = models.PositiveSmallIntegerField(_("likely to recommend (0-10)"), null=True, blank=True)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    comment = models.TextField(_("customer's comment"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["source_kind", "source_id"], name="uniq_survey_source"),
            models.CheckConstraint(condition=models.Q(csat__isnull=True) | models.Q(csat__gte=1, csat__lte=5),
                                   name="survey_csat_1_5"),
            models.CheckConstraint(condition=models.Q(nps__isnull=True) | models.Q(nps__lte=10), name="survey_nps_0_10"),
        ]
        indexes = [
            models.Index(fields=["state", "send_after"], name="survey_due"),
            models.Index(fields=["customer", "-created_at"], name="survey_customer"),
            models.Index(fields=["phone", "-created_at"], name="survey_phone"),
            models.Index(fields=["-answered_at"], name="survey_answered"),
            models.Index(fields=["sent_at"], name="survey_sent"),
            models.Index(fields=["agent", "-answered_at"], name="survey_agent"),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_kind_display()} {self.source_id}"

    @property
    def is_low(self) -> bool:
        return self.csat is not None and self.csat <= LOW_CSAT

    @property
    def customer_wording(self) -> str:
        """What the customer calls the service asked about (never an internal record name)."""
        return str({SourceKind.COMPLAINT: _("complaint handling"), SourceKind.WORK_ORDER: _("on-site service")}.get(
            SourceKind(self.source_kind), pgettext_lazy("survey subject", "service")))

    @property
    def reason_labels(self) -> list[str]:
        return [str(LowReason(r).label) for r in self.reasons if r in LowReason.values]


LOW_CSAT = 2  # 1–2 of 5 is dissatisfied: reasons are asked and a follow-up task opens


class Outbound(models.Model):  # 短信发送记录
    """One message handed to the SMS backend (in the demo, the console backend stores it here)."""

    class Kind(models.TextChoices):
        INVITE = "invite", _("Invitation")
        REMINDER = "reminder", _("Reminder")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    to = models.CharField(pgettext_lazy("sms", "to"), max_length=20)
    body = models.CharField(_("text"), max_length=300)
    backend = models.CharField(_("backend"), max_length=20, default="console")
    at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")
        ordering = ["at", "pk"]
        constraints = [models.UniqueConstraint(fields=["survey", "kind"], name="uniq_survey_message_kind")]

    def __str__(self) -> str:
        return f"{self.survey_id} {self.kind}"


class FollowUpTask(models.Model):  # 低分回访跟进
    """A low answer's follow-up (complaint.followup): someone calls the customer back by ``due_at``."""

    class State(models.TextChoices):
        OPEN = "open", pgettext_lazy("survey task", "Open")
        DONE = "done", _("Done")

    survey = models.OneToOneField(Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="task")
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("assigned to"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="survey_tasks")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    due_at = models.DateTimeField(_("call back by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("done by"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(_("what was done"), blank=True)

    class Meta:
        verbose_name = _("follow-up task")
        verbose_name_plural = _("follow-up tasks")
        ordering = ["state", "due_at", "pk"]
        indexes = [models.Index(fields=["state", "due_at"], name="survey_task_due")]

    def __str__(self) -> str:
        return f"{self.survey_id} {self.state}"

    @property
    def kept(self) -> bool:
        return self.done_at is not None and self.done_at <= self.due_at


class ServqualResponse(models.Model):  # SERVQUAL 问卷
    """One customer's expectation and perception answers (satisfaction.expectation_gap)."""

    class Mode(models.TextChoices):
        LINK = "link", _("Survey link")
        KIOSK = "kiosk", _("At the counter (tablet)")

    mode = models.CharField(_("taken"), max_length=10, choices=Mode.choices)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    survey = models.OneToOneField(Survey, null=True, blank=True, on_delete=models.CASCADE, related_name="servqual")
    customer = models.ForeignKey("customers.Customer", verbose_name=_("customer"), null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="servqual_responses")
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("opened by"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    taken_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("SERVQUAL response")
        verbose_name_plural = _("SERVQUAL responses")
        ordering = ["-taken_at", "-pk"]
        indexes = [models.Index(fields=["-taken_at"], name="servqual_taken")]

    def __str__(self) -> str:
        return f"SERVQUAL {self.pk}"


class ServqualScore(models.Model):
    """Expectation and perception (1–7) of one item in one response."""

    response = models.ForeignKey(ServqualResponse, on_delete=models.CASCADE, related_name="scores")
    item = models.CharField(pgettext_lazy("servqual", "item"), max_length=20)
    dimension = models.CharField(_("dimension"), max_length=20, choices=Dimension.choices)
    expectation = models.PositiveSmallIntegerField(_("expectation"))
    perception = models.PositiveSmallIntegerField(_("perception"))

    class Meta:
        verbose_name = _("SERVQUAL score")
        verbose_name_plural = _("SERVQUAL scores")
        constraints = [
            models.UniqueConstraint(fields=["response", "item"], name="uniq_servqual_item"),
            models.CheckConstraint(condition=models.Q(expectation__gte=1, expectation__lte=7,
                                                      perception__gte=1, perception__lte=7),
                                   name="servqual_scale_1_7"),
        ]

    def __str__(self) -> str:
        return f"{self.item} {self.expectation}/{self.perception}"


class ManagementAnswer(models.Model):  # 管理层认知问卷
    """What one manager thinks customers expect on a dimension, and how fully the written standards
    spell it out (gaps 1 and 2 of satisfaction.gap_model); the newest answer per person counts."""

    respondent = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("respondent"), on_delete=models.CASCADE,
                                   related_name="+")
    dimension = models.CharField(_("dimension"), max_length=20, choices=Dimension.choices)
    believed_expectation = models.PositiveSmallIntegerField(_("what customers expect (1-7)"))
    standard_coverage = models.PositiveSmallIntegerField(_("how fully our standards specify it (1-7)"))
    at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("management-perception answer")
        verbose_name_plural = _("management-perception answers")
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(believed_expectation__gte=1, believed_expectation__lte=7,
                                                      standard_coverage__gte=1, standard_coverage__lte=7),
                                   name="mgmt_answer_scale_1_7"),
        ]

    def __str__(self) -> str:
        return f"{self.respondent_id} {self.dimension}"


class DailyFigures(models.Model):
    """The dashboard's summary table: per day, channel, kind of service and agent, the surveys sent (and
    how many of those were answered) and the answers given that day. Refreshed by the background worker
    (``rollup.refresh``); days after ``covered_until`` are read live from the surveys."""

    day = models.DateField()
    channel = models.CharField(max_length=20, blank=True)
    source_kind = models.CharField(max_length=20)
    agent_id = models.BigIntegerField(default=0)  # 0: nobody recorded; a loose id (users may be deleted)
    sent = models.PositiveIntegerField(default=0)
    sent_answered = models.PositiveIntegerField(default=0)
    n = models.PositiveIntegerField(default=0)
    csat_sum = models.PositiveIntegerField(default=0)
    low = models.PositiveIntegerField(default=0)
    satisfied = models.PositiveIntegerField(default=0)
    nps_n = models.PositiveIntegerField(default=0)
    promoters = models.PositiveIntegerField(default=0)
    detractors = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "channel", "source_kind", "agent_id"],
                                               name="uniq_survey_daily")]

    def __str__(self) -> str:
        return f"{self.day} {self.channel} {self.source_kind} {self.agent_id}"


class RollupState(models.Model):
    """One row: the summary table holds every whole day before ``covered_until``, as of ``refreshed_at``."""

    covered_until = models.DateField()
    refreshed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.covered_until} @ {self.refreshed_at}"
