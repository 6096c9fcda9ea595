"""Forms: an entry edited field by field (lists one item per line), a YAML import, assist inputs."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.knowledge.models import AssistChannel, Speaker
from kefu.phrasebook.schema import KINDS, RISKS, Entry

PERSONA_CHOICES = [
    ("", _("Unknown")),
    ("dove", _("Dove 鸽子型")),
    ("peacock", _("Peacock 孔雀型")),
    ("tiger", _("Tiger 老虎型")),
    ("owl", _("Owl 猫头鹰型")),
]

# (field, label, list?) in the order the form shows them.
ENTRY_FIELDS: tuple[tuple[str, Any, bool], ...] = (
    ("title", _("Title"), False),
    ("text", _("What to say / the content"), False),
    ("situations", _("Situations it fits (one per line)"), True),
    ("tags", _("Tags (one per line)"), True),
    ("cites", _("Norm ids cited (one per line)"), True),
    ("example", _("Example"), False),
    ("explanation", _("Explanation"), False),
    ("keywords", _("Extra search words (one per line)"), True),
    ("channels", _("Channels (one per line: phone, outbound, counter, chat, onsite)"), True),
    ("when", _("When to use (techniques)"), False),
    ("steps", _("Steps (one per line)"), True),
    ("traits", _("Traits (one per line)"), True),
    ("need", _("Dominant need (personas)"), False),
    ("do", _("Do (one per line)"), True),
    ("dont", _("Don't (one per line)"), True),
    ("talk", _("How to talk (one per line)"), True),
    ("phrases", _("Phrases to avoid (forbidden phrases, one per line)"), True),
    ("alternative", _("Better alternative (forbidden phrases)"), False),
    ("source", _("Source"), False),
)
LONG_TEXT = {"text", "example", "explanation", "alternative"}


class EntryForm(forms.Form):
    entry_id = forms.RegexField(
        label=_("Entry id"),
        regex=r"^[a-z0-9_]+(\.[a-z0-9_]+)*$",
        max_length=120,
        help_text=_("Lower-case dotted words, e.g. acme.deposit_refund"),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=[(k, f"{label} {k}") for k, label in KINDS.items()])
    risk = forms.ChoiceField(
        label=_("Risk (forbidden phrases)"), required=False, choices=[("", "—"), *RISKS.items()]
    )
    comment = forms.CharField(label=_("Why this change"), required=False, max_length=500)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label, is_list in ENTRY_FIELDS:
            rows = 4 if is_list or name in LONG_TEXT else 1
            widget = forms.Textarea(attrs={"rows": rows}) if rows > 1 else forms.TextInput()
            self.fields[name] = forms.CharField(label=label, required=False, widget=widget)
        if editing:
            self.fields["entry_id"].disabled = True

    @classmethod
    def initial_for(cls, entry: Entry, version: int | None) -> dict[str, Any]:
        data: dict[str, Any] = {
            "entry_id": entry.id,
            "kind": entry.kind,
            "risk": entry.risk,
            "version": version,
        }
        for name, _label, is_list in ENTRY_FIELDS:
            value = getattr(entry, name)
            data[name] = "\n".join(value) if is_list else value
        return data

    def entry_data(self) -> dict[str, Any]:
        """The cleaned form as a raw phrasebook entry (the schema validates it)."""
        data: dict[str, Any] = {"id": self.cleaned_data["entry_id"], "kind": self.cleaned_data["kind"]}
        if self.cleaned_data.get("risk"):
            data["risk"] = self.cleaned_data["risk"]
        for name, _label, is_list in ENTRY_FIELDS:
            value = self.cleaned_data.get(name, "").strip()
            if not value:
                continue
            data[name] = [line.strip() for line in value.splitlines() if line.strip()] if is_list else value
        return data


class ImportForm(forms.Form):
    yaml_file = forms.FileField(label=_("YAML file"), required=False)
    text = forms.CharField(
        label=_("…or paste YAML"), required=False, widget=forms.Textarea(attrs={"rows": 12})
    )
    comment = forms.CharField(label=_("Why this change"), required=False, max_length=500)

    def yaml_text(self) -> str:
        upload = self.cleaned_data.get("yaml_file")
        if upload:
            return upload.read().decode("utf-8", errors="replace")
        return self.cleaned_data.get("text", "")


class SessionLinkForm(forms.Form):
    """What a conversation is about: the customer, the complaint, and how to address the customer."""

    salutation = forms.CharField(
        label=_("Form of address"),
        required=False,
        max_length=20,
        help_text=_("How the scripts address the customer, e.g. 张女士. Left blank, they say 您."),
    )
    customer_phone = forms.CharField(
        label=_("Customer's phone number"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off", "placeholder": "138…"}),
    )
    complaint_number = forms.CharField(
        label=_("Complaint number"),
        required=False,
        max_length=24,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "TS…"}),
    )


class SessionForm(SessionLinkForm):
    title = forms.CharField(label=_("Title"), required=False, max_length=200)
    channel = forms.ChoiceField(
        label=_("Channel"), choices=AssistChannel.choices, initial=AssistChannel.PHONE
    )
    persona = forms.ChoiceField(label=_("Customer type"), choices=PERSONA_CHOICES, required=False)
    # Set by a link from a customer's or a complaint's page (?customer=…, ?complaint=…).
    customer = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    complaint = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    field_order = ("title", "channel", "persona", "salutation", "customer_phone", "complaint_number")


class TurnForm(forms.Form):
    speaker = forms.ChoiceField(label=_("Speaker"), choices=Speaker.choices, initial=Speaker.CUSTOMER)
    text = forms.CharField(
        label=_("Words said"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("This turn is empty: type what the customer or you said.")},
    )


class DraftForm(forms.Form):
    # Not required: htmx validates included fields, and the turn form includes this box.
    draft = forms.CharField(
        label=_("Draft reply"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


__all__ = ["DraftForm", "EntryForm", "ImportForm", "SessionForm", "SessionLinkForm", "TurnForm"]
