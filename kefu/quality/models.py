"""Conversations brought in for quality inspection, and their stored scorecards (质检)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.complaints.models import Complaint
from kefu.customers.models import Contact, Customer

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
    turns = models.JSONField(_("turns"))
    digest = models.CharField(max_length=64)  # content hash: a re-import of the same conversation changes nothing
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("imported by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    imported_at = models.DateTimeField(_("imported at"), default=timezone.now)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["agent", "-started_at"])]

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
    data = models.JSONField()  # kefu.qa.Scorecard.to_dict()
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
