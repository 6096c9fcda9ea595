"""Versioned learned models (学习模型): each kind has numbered versions, at most one active."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LearnedModel(models.Model):
    kind = models.CharField(_("kind"), max_length=60)
    version = models.PositiveIntegerField(_("version"))
    created_at = models.DateTimeField(_("trained at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("trained by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    summary = models.TextField(_("training summary"), blank=True)
    metrics = models.JSONField(_("cross-validated metrics"), default=dict, blank=True)
    n_samples = models.PositiveIntegerField(_("training samples"), default=0)
    digest = models.CharField(max_length=64)  # sha256 over the files' names and bytes
    active = models.BooleanField(_("active"), default=False)
    activated_at = models.DateTimeField(null=True, blank=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("learned model")
        verbose_name_plural = _("learned models")
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="uniq_learned_model_version"),
            models.UniqueConstraint(fields=["kind"], condition=models.Q(active=True), name="uniq_active_learned_model"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} v{self.version}"


class ModelFile(models.Model):
    """One file of a model: JSON or numpy arrays (.npy/.npz), checked loadable without pickle when stored."""

    model = models.ForeignKey(LearnedModel, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(max_length=120)
    data = models.BinaryField()
    size = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["model", "name"], name="uniq_learned_model_file")]

    def __str__(self) -> str:
        return f"{self.model} {self.name}"
