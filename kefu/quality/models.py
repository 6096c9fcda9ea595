"""Conversations brought in for quality inspection, and their stored scorecards (质检)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kefu.complaints.models import Complaint
from kefu.customers.models import Contact, Customer
from kefu.lib.fields import DocumentField
from kefu.workflow.events import EventRow

CHANNEL_LABELS = (
    ("hotline", _("Hotline")),
    ("outbound", _("Outbound call")),
    ("chat", _("Online chat")),
    ("counter", _("Counter")),
    ("onsite", _("On-site")),
)


class Conversation(models.Model):  # 会话
    source_id = models.CharField(_("source id"), max_length=120, unique=True)
    channel = models.CharField(_("channel"), max_length=20)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("agent"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="conversations",
    )
    customer = models.ForeignKey(Customer, verbose_name=_("customer"), null=True, blank=True, on_delete=models.SET_NULL)
    contact = models.ForeignKey(Contact, verbose_name=_("contact"), null=True, blank=True, on_delete=models.SET_NULL)
    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), null=True, blank=True, on_delete=models.SET_NULL
    )
    started_at = models.DateTimeField(_("time"), default=timezone.now)
    turns = DocumentField(_("turns"))
    digest = models.CharField(max_length=64)  # content hash: a re-import of the same conversation changes nothing
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("imported by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    imported_at = models.DateTimeField(_("imported at"), default=timezone.now)
    # Ratings that came with the import ({"quality": {"S": {"mean": …}}} as in STC-3, or {"satisfaction": 0–100}):
    # training data for the satisfaction predictor.
    labels = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = ["-started_at", "-pk"]
        indexes = [
            models.Index(fields=["agent", "-started_at"]),
            models.Index(fields=["-started_at", "-id"], name="quality_conv_started_idx"),  # the list, newest first
        ]

    def __str__(self) -> str:
        return self.source_id

    def get_absolute_url(self) -> str:
        return reverse("quality:detail", args=[self.pk])

    def get_channel_label(self) -> str:
        return str(dict(CHANNEL_LABELS).get(self.channel, self.channel))


class Scorecard(models.Model):  # 质检评分卡
    """One scoring of a conversation; every version is kept, the newest automatic one is ``current``."""

    class Kind(models.TextChoices):
        AUTO = "auto", _("Automatic")
        REVIEWED = "reviewed", _("Reviewed")

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="scorecards")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.AUTO)
    current = models.BooleanField(default=True)
    rulebook = models.CharField(_("rulebook"), max_length=80)
    rulebook_version = models.CharField(_("rulebook version"), max_length=32)
    score = models.DecimalField(_("compliance score"), max_digits=5, decimal_places=1)
    passed = models.BooleanField(_("passed"))
    critical = models.BooleanField(_("critical rule failed"), default=False)
    data = DocumentField()  # kefu.qa.Scorecard.to_dict()
    created_at = models.DateTimeField(_("scored at"), default=timezone.now)

    class Meta:
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "kind"], condition=models.Q(current=True), name="uniq_current_scorecard"
            )
        ]
        indexes = [models.Index(fields=["current", "score"])]

    def __str__(self) -> str:
        return f"{self.conversation_id} {self.score}"


class SamplingPolicy(models.Model):
    """Which conversations go to an inspector (抽检规则), configured by the QA lead."""

    class Kind(models.TextChoices):
        RANDOM = "random", _("Random share of each agent's conversations per week (%)")
        CRITICAL = "critical", _("Every conversation that failed a critical rule")
        LOW_SCORE = "low_score", _("Compliance score below")
        COMPLAINT = "complaint", _("A complaint or a regulator threat was detected")
        LOW_SATISFACTION = "low_satisfaction", _("Predicted satisfaction below")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    value = models.DecimalField(_("value"), max_digits=5, decimal_places=1, default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("sampling policy")
        verbose_name_plural = _("sampling policies")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value}"


class Review(models.Model):  # 人工复核
    conversation = models.OneToOneField(Conversation, on_delete=models.CASCADE, related_name="review")
    # RESTRICT: a reviewed card cannot be deleted alone, but goes when its conversation does.
    auto_card = models.ForeignKey(Scorecard, on_delete=models.RESTRICT, related_name="+")
    reason = models.CharField(_("why sampled"), max_length=20, choices=SamplingPolicy.Kind.choices)
    state = models.CharField(_("state"), max_length=12, default="queued")
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("inspector"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="qa_reviews",
    )
    decisions = models.JSONField(default=dict, blank=True)  # {rule: {"upheld": bool, "comment": str}}
    manual = models.JSONField(default=list, blank=True)  # [{"title", "points", "comment"}]
    reviewed_score = models.DecimalField(_("reviewed score"), max_digits=5, decimal_places=1, null=True, blank=True)
    appeal_due = models.DateTimeField(_("appeal until"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["state", "inspector"]),
            models.Index(fields=["state", "created_at", "id"], name="quality_review_queue_idx"),  # the queue, oldest first
        ]

    def __str__(self) -> str:
        return f"{self.conversation_id} {self.state}"


class ReviewEvent(EventRow):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="events")

    class Meta(EventRow.Meta):
        constraints = [models.UniqueConstraint(fields=["review", "seq"], name="uniq_review_event_seq")]

    def __str__(self) -> str:
        return f"{self.review_id}#{self.seq} {self.action}"


class Appeal(models.Model):  # 申诉
    class Ruling(models.TextChoices):
        PENDING = "pending", _("Awaiting the ruling")
        UPHELD = "upheld", _("Deduction upheld")
        OVERTURNED = "overturned", _("Deduction withdrawn")

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="appeals")
    rule = models.CharField(_("rule"), max_length=120)
    rule_title = models.CharField(_("item"), max_length=200)
    reason = models.TextField(_("reason"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    ruling = models.CharField(_("ruling"), max_length=12, choices=Ruling.choices, default=Ruling.PENDING)
    ruled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ruled_at = models.DateTimeField(null=True, blank=True)
    ruling_comment = models.TextField(_("ruling comment"), blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        constraints = [models.UniqueConstraint(fields=["review", "rule"], name="uniq_appeal_per_item")]

    def __str__(self) -> str:
        return f"{self.review_id} {self.rule} {self.ruling}"


class Upload(models.Model):
    """An uploaded file waiting for its import job, kept in the database so any worker machine can read it."""

    name = models.CharField(max_length=200)
    fmt = models.CharField(max_length=10)
    data = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("upload")
        verbose_name_plural = _("uploads")

    def __str__(self) -> str:
        return self.name


class CalibrationSession(models.Model):  # 校准
    """A blind calibration: inspectors score the same conversations; the QA lead's scoring is the reference."""

    class State(models.TextChoices):
        OPEN = "open", _("Open for scoring")
        CLOSED = "closed", _("Scoring closed")

    title = models.CharField(_("title"), max_length=120)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("QA lead"), on_delete=models.PROTECT, related_name="+"
    )
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("inspectors"), related_name="calibration_sessions"
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(_("scoring closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("calibration session")
        verbose_name_plural = _("calibration sessions")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("quality:calibration:session", args=[self.pk])


class CalibrationItem(models.Model):
    """One conversation of a session, with the automatic card every rater judges (fixed when picked)."""

    session = models.ForeignKey(CalibrationSession, on_delete=models.CASCADE, related_name="items")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    # RESTRICT, as for reviews: a re-scored conversation keeps the card the raters saw.
    card = models.ForeignKey(Scorecard, on_delete=models.RESTRICT, related_name="+")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["session", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "conversation"], name="uniq_calibration_conversation")
        ]

    def __str__(self) -> str:
        return f"{self.session_id}/{self.conversation_id}"


class CalibrationScore(models.Model):
    """One rater's answer on one conversation; a new submission replaces it while the session is open."""

    item = models.ForeignKey(CalibrationItem, on_delete=models.CASCADE, related_name="scores")
    rater = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decisions = models.JSONField(default=dict)  # {rule: {"upheld": bool, "comment": str}}
    manual = models.JSONField(default=list, blank=True)  # [{"title", "points", "comment"}]
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1)
    submissions = models.PositiveIntegerField(default=1)
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "rater"], name="uniq_calibration_score")]

    def __str__(self) -> str:
        return f"{self.item_id} {self.rater_id} {self.score}"


class Prediction(models.Model):  # 满意度预测
    """A conversation's predicted satisfaction (0–100) and the learned model version that predicted it."""

    conversation = models.OneToOneField(Conversation, on_delete=models.CASCADE, related_name="prediction")
    value = models.FloatField(_("predicted satisfaction"))
    model_kind = models.CharField(max_length=60, default="satisfaction")
    model_version = models.PositiveIntegerField(_("model version"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("prediction")
        verbose_name_plural = _("predictions")
        indexes = [models.Index(fields=["value"])]

    def __str__(self) -> str:
        return f"{self.conversation_id} {self.value:.0f} (v{self.model_version})"


class RulebookVersion(models.Model):  # 规则库版本
    """One version of a rulebook's YAML: uploaded, edited, calibrated in the app, or a built-in file."""

    class Source(models.TextChoices):
        BUILTIN = "builtin", _("Built in (read-only)")
        UPLOAD = "upload", _("Uploaded")
        EDIT = "edit", _("Edited")
        CALIBRATED = "calibrated", _("Calibrated from reviewed scores")

    name = models.CharField(_("rulebook"), max_length=80)
    title = models.CharField(_("title"), max_length=200, blank=True)
    number = models.PositiveIntegerField(_("version"))
    content = models.TextField(pgettext_lazy("rulebook", "content"))
    digest = models.CharField(_("content hash"), max_length=32)  # kefu.qa content_version: what scorecards cite
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    note = models.TextField(_("note"), blank=True)
    metrics = models.JSONField(default=dict, blank=True)  # calibration: cross-validated agreement before/after
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("rulebook version")
        verbose_name_plural = _("rulebook versions")
        ordering = ["name", "-number"]
        constraints = [models.UniqueConstraint(fields=["name", "number"], name="uniq_rulebook_version")]

    def __str__(self) -> str:
        return f"{self.name} v{self.number}"


class RulebookActivation(models.Model):
    """Which version of a rulebook scores a channel's conversations (one per channel and rulebook name)."""

    channel = models.CharField(_("channel"), max_length=20)
    name = models.CharField(_("rulebook"), max_length=80)
    version = models.ForeignKey(RulebookVersion, on_delete=models.PROTECT, related_name="activations")
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    activated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "name"], name="uniq_rulebook_activation")]

    def __str__(self) -> str:
        return f"{self.channel}: {self.version}"
