"""Forms parse and shape input; the services decide and write."""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kefu.accounts.models import User
from kefu.accounts.roles import Cap, Role, caps_for
from kefu.accounts.validators import validate_date_range
from kefu.customers.choices import CATEGORY_NEEDS, CallerCategory, Channel, Persona, Tier
from kefu.customers.models import Customer, PhoneNumber
from kefu.lib.masking import mask_address, mask_phone

# Commas and line breaks separate numbers; spaces and dashes may group the digits of one number.
_SPLIT = re.compile(r"[\n,;，；、]+")
_DURATION = re.compile(r"^(?:(\d+)[:：])?(\d+)$")


def split_numbers(value: str) -> list[str]:
    return [part for part in _SPLIT.split(value or "") if part]


def _staff_with_role(*roles: str) -> Any:
    return User.objects.filter(is_active=True, role__in=roles).order_by("full_name", "username")


# ---------------------------------------------------------------- customers


class CustomerFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Phone or name"),
        required=False,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("Exact phone number or start of the name"),
                "autofocus": True,
            }
        ),
    )
    tier = forms.ChoiceField(label=_("Tier"), required=False, choices=[("", _("All tiers")), *Tier.choices])
    persona = forms.ChoiceField(
        label=_("Persona"),
        required=False,
        # "-" stands for "not observed" (the stored value is blank, which here means "any").
        choices=[("", _("All personas")), *[(v or "-", label) for v, label in Persona.choices]],
    )

    def persona_value(self) -> str | None:
        value = self.cleaned_data.get("persona") or ""
        if not value:
            return None
        return "" if value == "-" else value


class CustomerForm(forms.Form):
    """Create or edit a profile. ID and phone numbers are write-only (never shown in full)."""

    name = forms.CharField(label=_("Name"), max_length=60)
    tier = forms.ChoiceField(label=_("Tier"), choices=Tier.choices, initial=Tier.ORDINARY)
    segment = forms.CharField(label=_("Brand/segment"), max_length=40, required=False)
    persona = forms.ChoiceField(label=_("Observed persona"), choices=Persona.choices, required=False)
    customer_since = forms.DateField(validators=[validate_date_range],
        label=_("Customer since"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    account_manager = forms.ModelChoiceField(
        label=_("Account manager"), queryset=User.objects.none(), required=False
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    id_number = forms.CharField(label=_("ID number"), max_length=32, required=False)
    add_phones = forms.CharField(
        label=_("Phone numbers"),
        required=False,
        help_text=_("One or more numbers, separated by commas."),
    )
    remove_phones = forms.ModelMultipleChoiceField(
        label=_("Remove numbers"),
        queryset=PhoneNumber.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, customer: Customer | None = None, user: User | None = None, **kwargs: Any
    ) -> None:
        if customer is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": customer.name,
                    "tier": customer.tier,
                    "segment": customer.segment,
                    "persona": customer.persona,
                    "customer_since": customer.customer_since,
                    "account_manager": customer.account_manager_id,
                    "note": customer.note,
                    "version": customer.version,
                },
            )
        super().__init__(*args, **kwargs)
        self.customer = customer
        cast(forms.ModelChoiceField, self.fields["account_manager"]).queryset = _staff_with_role(Role.ACCOUNT_MANAGER, Role.MANAGER)
        if user is not None and not user.can(Cap.PII_REVEAL):
            # An account manager reveals the data of the customers they manage: only those who may
            # reveal any customer's data assign one (the service checks the same).
            field = self.fields["account_manager"]
            field.disabled = True
            field.help_text = _("Only a supervisor or manager may change the account manager.")
            if customer is None:
                field.initial = user.pk if user.role == Role.ACCOUNT_MANAGER else None
        if customer is None:
            del self.fields["remove_phones"]
            del self.fields["version"]
            return
        self.fields["add_phones"].label = _("Add phone numbers")
        self.fields["id_number"].label = _("New ID number")
        self.fields["id_number"].help_text = _("Leave blank to keep the current one.")
        # The address is personal data masked like the numbers: the form never holds the old one.
        if customer.address:
            self.fields["address"].label = _("New address")
            self.fields["address"].help_text = _("Now: %(masked)s. Leave blank to keep it.") % {
                "masked": mask_address(customer.address)
            }
        cast(forms.ModelChoiceField, self.fields["remove_phones"]).queryset = customer.phones.order_by("-is_primary", "pk")
        self.fields["remove_phones"].label_from_instance = lambda p: mask_phone(p.number)  # type: ignore[attr-defined]

    PROFILE_FIELDS = ("name", "tier", "segment", "persona", "customer_since", "address", "account_manager", "note")

    def profile(self) -> dict[str, Any]:
        """The cleaned profile fields, as the create and update services take them."""
        profile = {name: self.cleaned_data[name] for name in self.PROFILE_FIELDS}
        if self.customer is not None and not profile["address"]:
            profile["address"] = self.customer.address  # blank keeps the current address
        return profile

    def phone_list(self) -> list[str]:
        return split_numbers(self.cleaned_data.get("add_phones", ""))


# ---------------------------------------------------------------- contacts


class NumberedRadioSelect(forms.RadioSelect):
    """Radio buttons whose options carry their number key (1–9, then 0) for the fast logger."""

    option_template_name = "customers/widgets/numbered_radio_option.html"

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):  # type: ignore[no-untyped-def]
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        position = index + 1
        option["key"] = str(position % 10) if position <= 10 else ""
        return option


class ContactForm(forms.Form):
    phone = forms.CharField(
        label=_("Caller number"),
        required=False,
        max_length=30,
        widget=forms.TextInput(
            attrs={
                "inputmode": "tel",
                "autocomplete": "off",
                "autofocus": True,
                "placeholder": "138…",
                # Typing the number shows who is calling (the page still works without htmx).
                "hx-get": reverse_lazy("contacts:lookup"),
                "hx-trigger": "input changed delay:250ms",
                # A slow answer for a half-typed number must never overwrite the full number's.
                "hx-sync": "this:replace",
                "hx-target": "#caller",
                "hx-swap": "outerHTML",
            }
        ),
    )
    customer = forms.ModelChoiceField(
        queryset=Customer.objects.all(), required=False, widget=forms.HiddenInput, label=_("Customer")
    )
    channel = forms.ChoiceField(
        label=_("Channel"), choices=Channel.choices, initial=Channel.HOTLINE, widget=NumberedRadioSelect
    )
    category = forms.ChoiceField(
        label=_("Caller category"), choices=CallerCategory.choices, widget=NumberedRadioSelect
    )
    summary = forms.CharField(label=pgettext_lazy("contact", "Summary"), max_length=200)
    detail = forms.CharField(label=_("Detail"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    duration = forms.CharField(
        label=_("Duration"),
        required=False,
        max_length=8,
        help_text=_("Minutes:seconds, or seconds. Left blank, the time since you typed the number is used."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": _("m:ss"), "autocomplete": "off"}),
    )

    def clean_duration(self) -> int | None:
        raw = (self.cleaned_data.get("duration") or "").strip()
        if not raw:
            return None
        match = _DURATION.match(raw)
        if not match:
            raise forms.ValidationError(_("Enter minutes:seconds (3:20) or seconds (200)."))
        minutes, seconds = match.groups()
        if minutes is not None and int(seconds) >= 60:
            raise forms.ValidationError(_("Enter minutes:seconds (3:20) or seconds (200)."))
        return int(minutes or 0) * 60 + int(seconds)

    @staticmethod
    def category_needs() -> list[tuple[str, str, Any]]:
        return [(value, str(label), CATEGORY_NEEDS[CallerCategory(value)]) for value, label in CallerCategory.choices]


class ContactFilterForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("All channels")), *Channel.choices]
    )
    category = forms.ChoiceField(
        label=_("Caller category"),
        required=False,
        choices=[("", _("All categories")), *CallerCategory.choices],
    )
    agent = forms.ModelChoiceField(label=_("Agent"), required=False, queryset=User.objects.none())
    date_from = forms.DateField(validators=[validate_date_range],
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = forms.DateField(validators=[validate_date_range],
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        loggers = [role for role in Role.values if Cap.CONTACT_LOG in caps_for(role)]
        cast(forms.ModelChoiceField, self.fields["agent"]).queryset = _staff_with_role(*loggers)
        cast(forms.ModelChoiceField, self.fields["agent"]).empty_label = _("All agents")
