"""Forms: an entry edited field by field (lists one item per line), a YAML import, assist inputs."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.knowledge.models import AssistChannel, Speaker
from kefu.phrasebook.norms import norm_sections
from kefu.phrasebook.schema import KINDS, RISKS, Entry

PERSONA_CHOICES = [
    ("", _("Unknown")),
    ("dove", _("Dove 鸽子型")),
    ("peacock", _("Peacock 孔雀型")),
    ("tiger", _("Tiger 老虎型")),
    ("owl", _("Owl 猫头鹰型")),
]

# The channels an entry fits, as people call them.
CHANNEL_LABELS: dict[str, Any] = {
    "phone": _("Hotline"),
    "outbound": _("Outbound call"),
    "counter": _("Counter"),
    "chat": _("Online chat"),
    "onsite": _("On-site"),
}

# (field, label, list?) of the fields typed in, in the order the form shows them.
ENTRY_FIELDS: tuple[tuple[str, Any, bool], ...] = (
    ("title", _("Title"), False),
    ("text", _("What to say / the content"), False),
    ("situations", _("Situations it fits (one per line)"), True),
    ("tags", _("Tags (one per line)"), True),
    ("example", _("Example"), False),
    ("explanation", _("Explanation"), False),
    ("keywords", _("Extra search words (one per line)"), True),
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
# Fields picked from a list rather than typed.
PICKED_FIELDS = ("channels", "cites")
# Every entry has these; the schema checks the rest by kind.
REQUIRED_FIELDS = ("title", "situations", "tags", "example")
# Fields only some kinds use (techniques, personas, forbidden phrases), shown folded away.
KIND_FIELDS = (
    "when",
    "steps",
    "traits",
    "need",
    "do",
    "dont",
    "talk",
    "phrases",
    "alternative",
    "risk",
    "source",
)
LONG_TEXT = {"text", "example", "explanation", "alternative"}


def norm_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The norms grouped by the catalogue's sections, each by its Chinese name."""
    return [(section, list(norms)) for section, norms in norm_sections()]


class EntryForm(forms.Form):
    """An entry as people write it: a title (the id is made from it), texts, and norms and
    channels picked by name. The phrasebook schema validates the result (``entry_data``)."""

    kind = forms.ChoiceField(label=_("Kind"), choices=list(KINDS.items()))
    risk = forms.ChoiceField(
        label=_("Risk (forbidden phrases)"), required=False, choices=[("", "—"), *RISKS.items()]
    )
    channels = forms.MultipleChoiceField(
        label=_("Channels it fits"),
        required=False,
        choices=list(CHANNEL_LABELS.items()),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "choice-row"}),
        help_text=_("None ticked: every channel."),
    )
    cites = forms.MultipleChoiceField(
        label=_("Norms it follows"),
        required=False,
        choices=norm_choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "norm-picker"}),
        help_text=_("Tick at least one: the service norms this entry puts into words."),
    )
    comment = forms.CharField(label=_("Why this change"), required=False, max_length=500)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    kind_fields = KIND_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label, is_list in ENTRY_FIELDS:
            rows = 4 if is_list or name in LONG_TEXT else 1
            widget = forms.Textarea(attrs={"rows": rows}) if rows > 1 else forms.TextInput()
            self.fields[name] = forms.CharField(label=label, required=name in REQUIRED_FIELDS, widget=widget)
        self.order_fields(
            [
                "title",
                "kind",
                *(n for n, _l, _is in ENTRY_FIELDS if n not in ("title", *KIND_FIELDS)),
                "channels",
                "cites",
                *KIND_FIELDS,
            ]
        )

    @classmethod
    def initial_for(cls, entry: Entry, version: int | None) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": entry.kind, "risk": entry.risk, "version": version}
        for name, _label, is_list in ENTRY_FIELDS:
            value = getattr(entry, name)
            data[name] = "\n".join(value) if is_list else value
        for name in PICKED_FIELDS:
            data[name] = list(getattr(entry, name))
        return data

    def entry_data(self) -> dict[str, Any]:
        """The cleaned form as a raw phrasebook entry without its id (the schema validates it)."""
        data: dict[str, Any] = {"kind": self.cleaned_data["kind"]}
        if self.cleaned_data.get("risk"):
            data["risk"] = self.cleaned_data["risk"]
        for name, _label, is_list in ENTRY_FIELDS:
            value = self.cleaned_data.get(name, "").strip()
            if not value:
                continue
            data[name] = [line.strip() for line in value.splitlines() if line.strip()] if is_list else value
        for name in PICKED_FIELDS:
            if self.cleaned_data.get(name):
                data[name] = list(self.cleaned_data[name])
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
            return str(upload.read().decode("utf-8", errors="replace"))
        return str(self.cleaned_data.get("text", ""))


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
