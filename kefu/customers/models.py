from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.customers.choices import CallerCategory, Channel, Persona, Tier


class Customer(models.Model):  # 客户
    name = models.CharField(_("name"), max_length=60)
    tier = models.CharField(_("tier"), max_length=20, choices=Tier.choices, default=Tier.ORDINARY)
    segment = models.CharField(_("brand/segment"), max_length=40, blank=True)
    persona = models.CharField(_("observed persona"), max_length=10, choices=Persona.choices, blank=True, default="")
    id_number = models.CharField(_("ID number"), max_length=32, blank=True)
    customer_since = models.DateField(_("customer since"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_customers",
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("version"), default=1)  # optimistic concurrency for profile edits

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [models.Index(fields=["name"])]

    def __str__(self) -> str:
        return self.name

    @property
    def tenure_years(self) -> int | None:
        if self.customer_since is None:
            return None
        today = date.today()
        return today.year - self.customer_since.year - ((today.month, today.day) < (self.customer_since.month, self.customer_since.day))

    @property
    def is_vip(self) -> bool:
        return self.tier != Tier.ORDINARY


class PhoneNumber(models.Model):
    customer = models.ForeignKey(Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="phones")
    number = models.CharField(_("number"), max_length=20, db_index=True)
    label = models.CharField(_("label"), max_length=20, blank=True)
    is_primary = models.BooleanField(_("primary"), default=False)

    class Meta:
        verbose_name = _("phone number")
        verbose_name_plural = _("phone numbers")
        constraints = [models.UniqueConstraint(fields=["customer", "number"], name="uniq_customer_number")]

    def __str__(self) -> str:
        # Masked: str() ends up in admin pages, form labels and log lines.
        from kefu.lib.masking import mask_phone

        return mask_phone(self.number)


class Contact(models.Model):  # 接触记录
    """One interaction with a customer on any channel."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), null=True, blank=True, on_delete=models.PROTECT, related_name="contacts"
    )
    phone = models.CharField(_("caller number"), max_length=20, blank=True, db_index=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    category = models.CharField(_("caller category"), max_length=20, choices=CallerCategory.choices)
    summary = models.CharField(_("summary"), max_length=200)
    detail = models.TextField(_("detail"), blank=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("agent"), on_delete=models.PROTECT, related_name="contacts"
    )
    occurred_at = models.DateTimeField(_("time"), default=timezone.now)
    duration_seconds = models.PositiveIntegerField(_("duration (s)"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [
            models.Index(fields=["customer", "-occurred_at"]),
            models.Index(fields=["agent", "-occurred_at"]),
            models.Index(fields=["-occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.summary}"


class RevealLog(models.Model):
    """Every reveal of a full phone or ID number (PIPL audit)."""

    class Field(models.TextChoices):
        PHONE = "phone", _("Phone number")
        ID_NUMBER = "id_number", _("ID number")
        ADDRESS = "address", _("Address")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="reveals"
    )
    # Empty when the number belongs to no customer record (a complainant's number revealed for a follow-up call).
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), null=True, blank=True, on_delete=models.CASCADE, related_name="reveals"
    )
    field = models.CharField(_("revealed"), max_length=20, choices=Field.choices)
    # Which value, masked (one customer may have several numbers): 138****5678.
    target = models.CharField(_("which"), max_length=40, blank=True, default="")
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("reveal log entry")
        verbose_name_plural = _("reveal log")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.user} {self.field} {self.customer_id}"
