"""In-app notifications (the bell) and each user's choice of which kinds also come by e-mail."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    SLA_WARNING = "sla_warning", _("A step is due soon")
    SLA_BREACH = "sla_breach", _("A step is overdue")
    APPROVAL_WAITING = "approval_waiting", _("A proposal awaits my approval")
    SENT_BACK = "sent_back", _("My proposal was sent back")
    REOPENED = "reopened", _("A follow-up found the customer dissatisfied")
    REGULATOR = "regulator", _("A complaint came through a regulator")
    QA_ALERT = "qa_alert", _("QA alert: a critical rule failed")
    QA_APPEAL = "qa_appeal", _("An appeal awaits my ruling")
    QA_REVIEWED = "qa_reviewed", _("My conversation was reviewed, or my appeal ruled on")
    TRAINING = "training", _("A scenario or exam was assigned to me")
    ONSITE = "onsite", _("An on-site work order needs me")
    SURVEY_LOW = "survey_low", _("A customer answered a survey with a low score")
    HARASSMENT = "harassment", _("A listed harassment number called")
    RETENTION = "retention", _("A customer is at risk of leaving")


class Notification(models.Model):  # 通知
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.CharField(_("text"), max_length=500, blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    # One notification per recipient and event: the same event notified twice (a task run twice,
    # two sweeps racing) hits the unique constraint and is skipped.
    key = models.CharField(_("event"), max_length=120)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="uniq_notification_user_event")]
        indexes = [models.Index(fields=["user", "read_at", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.user} {self.kind} {self.key}"


class Preference(models.Model):
    """Whether ``user`` also wants ``kind`` by e-mail (the bell always shows it)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    email = models.BooleanField(_("also by e-mail"), default=False)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="uniq_notification_pref")]

    def __str__(self) -> str:
        return f"{self.user} {self.kind} {self.email}"
