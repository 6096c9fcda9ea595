"""Operator-added and operator-edited phrasebook entries, with a history row per edit.

The built-in library lives in ``kefu/phrasebook/data``; the database only holds
what operators changed. An entry row with the id of a built-in entry replaces
it; an inactive row hides it. ``data`` is the entry in the phrasebook schema
(validated by ``kefu.phrasebook.schema`` on every write).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class KnowledgeEntry(models.Model):  # 话术库条目
    entry_id = models.CharField(_("entry id"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=20)
    title = models.CharField(_("title"), max_length=200)
    data = models.JSONField(_("entry"))
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("phrasebook entry")
        verbose_name_plural = _("phrasebook entries")
        ordering = ["entry_id"]

    def __str__(self) -> str:
        return f"{self.entry_id} {self.title}"


class RevisionAction(models.TextChoices):
    CREATE = "create", _("Created")
    EDIT = "edit", _("Edited")
    ARCHIVE = "archive", _("Archived")
    RESTORE = "restore", _("Restored")
    IMPORT = "import", _("Imported from YAML")


class KnowledgeRevision(models.Model):  # 修改记录
    """One row per change: who, when, why, and the entry as it was after the change."""

    entry = models.ForeignKey(
        KnowledgeEntry, verbose_name=_("phrasebook entry"), on_delete=models.CASCADE, related_name="revisions"
    )
    version = models.PositiveIntegerField(_("version"))
    action = models.CharField(_("action"), max_length=10, choices=RevisionAction.choices)
    data = models.JSONField(_("entry"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("entry revision")
        verbose_name_plural = _("entry revisions")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["entry", "version"], name="knowledge_revision_once")]

    def __str__(self) -> str:
        return f"{self.entry_id} v{self.version} {self.action}"


class AssistChannel(models.TextChoices):
    PHONE = "phone", _("Hotline")
    CHAT = "chat", _("Online chat")


class AssistSession(models.Model):  # 坐席辅助会话
    """A live conversation the assist panel follows; turns arrive from the page or the API.

    Only the agent who started it posts turns; supervisors read their team's sessions
    (``Cap.ASSIST_VIEW_TEAM``/``ASSIST_VIEW_ALL``, see ``selectors.visible_sessions``).
    """

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("agent"), on_delete=models.CASCADE, related_name="+"
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=AssistChannel.choices, default=AssistChannel.PHONE
    )
    persona = models.CharField(_("customer type"), max_length=20, blank=True)
    # A known customer brings the persona the team observed (Customer.persona) when none is chosen.
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The complaint the conversation is about, when there is one (a follow-up call, a repeat complaint).
    complaint = models.ForeignKey(
        "complaints.Complaint",
        verbose_name=_("complaint"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # How the scripts address the customer (张女士); blank: 您, never a guessed 先生.
    salutation = models.CharField(_("form of address"), max_length=20, blank=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("started at"), default=timezone.now)

    class Meta:
        verbose_name = _("assist session")
        verbose_name_plural = _("assist sessions")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.title or f"#{self.pk}"


class Speaker(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Agent")


class AssistTurn(models.Model):
    session = models.ForeignKey(
        AssistSession, verbose_name=_("assist session"), on_delete=models.CASCADE, related_name="turns"
    )
    seq = models.PositiveIntegerField(_("turn number"))
    speaker = models.CharField(_("speaker"), max_length=10, choices=Speaker.choices)
    text = models.TextField(_("words said"))
    at = models.DateTimeField(_("said at"), default=timezone.now)

    class Meta:
        verbose_name = _("conversation turn")
        verbose_name_plural = _("conversation turns")
        ordering = ["seq"]
        constraints = [models.UniqueConstraint(fields=["session", "seq"], name="knowledge_turn_once")]

    def __str__(self) -> str:
        return f"{self.speaker}: {self.text[:20]}"
