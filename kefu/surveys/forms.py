"""Forms of the survey pages: they parse input; the services decide."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kefu.customers.choices import CallerCategory, Channel
from kefu.lib.dates import in_range
from kefu.lib.widgets import DateInput
from kefu.surveys.catalogue import questionnaire
from kefu.surveys.models import Dimension, LowReason, Rule, SourceKind
from kefu.surveys.selectors import Period

MAX_PERIOD_DAYS = 731


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=DateInput())
    end = forms.DateField(label=_("To"), required=False, widget=DateInput())
    channel = forms.ChoiceField(label=_("Channel"), required=False,
                                choices=[("", _("All channels")), *Channel.choices])
    source_kind = forms.ChoiceField(label=pgettext_lazy("survey filter", "After"), required=False,
                                    choices=[("", _("Every service")), *SourceKind.choices])

    default_days = 90

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start: date | None = data.get("start")
        end: date | None = data.get("end")
        for name, value in (("start", start), ("end", end)):
            if value is not None and not in_range(value):
                self.add_error(name, _("Please enter a date between 1900 and 2100."))
        if start and end and end < start:
            self.add_error("end", _("The end date is before the start date."))
        elif start and end and (end - start).days > MAX_PERIOD_DAYS:
            self.add_error("end", _("Please choose a period of at most two years."))
        return data

    def period(self) -> Period:
        """The chosen period; the last ``default_days`` days when nothing (valid) was chosen."""
        today = timezone.localdate()
        if not self.is_bound or not self.is_valid():
            return Period.last_days(self.default_days, today)
        end = self.cleaned_data.get("end") or today
        start = self.cleaned_data.get("start") or end - timedelta(days=self.default_days - 1)
        return Period(start, end)


class RuleForm(forms.ModelForm):
    category = forms.ChoiceField(label=_("contact type"), required=False,
                                 choices=[("", _("Every type"))] + [c for c in CallerCategory.choices
                                                                    if c[0] != CallerCategory.HARASSMENT])

    class Meta:
        model = Rule
        fields = ["source_kind", "channel", "category", "enabled", "sample_every", "cooldown_days", "delay_minutes",
                  "reminder_hours", "expires_days", "servqual_every"]


class AnswerForm(forms.Form):
    csat = forms.TypedChoiceField(label=_("How satisfied are you with this service?"), coerce=int,
                                  choices=[(i, str(i)) for i in range(1, 6)], widget=forms.RadioSelect)
    reasons = forms.MultipleChoiceField(label=_("What went wrong? (pick any)"), required=False,
                                        choices=LowReason.choices, widget=forms.CheckboxSelectMultiple)
    comment = forms.CharField(label=_("Anything else you would like to tell us? (optional)"), required=False,
                              max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    nps = forms.TypedChoiceField(label=_("How likely are you to recommend us to a friend? (optional)"), coerce=int,
                                 required=False, empty_value=None, choices=[(i, str(i)) for i in range(0, 11)],
                                 widget=forms.RadioSelect)


def servqual_answers(data: Any) -> dict[str, list[str]]:
    """``{item: [expectation, perception]}`` from the POSTed ``e_<item>``/``p_<item>`` radios; empty
    when nothing of the questionnaire was answered."""
    out: dict[str, list[str]] = {}
    for item in questionnaire().items:
        e, p = data.get(f"e_{item.id}", ""), data.get(f"p_{item.id}", "")
        if e or p:
            out[item.id] = [e, p]
    return out


class TaskCloseForm(forms.Form):
    note = forms.CharField(label=_("What was done"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class KioskForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.COUNTER)


def management_fields() -> list[tuple[str, str, str]]:
    q = questionnaire()
    return [(dim, q.title(dim), q.dimensions[dim][1]) for dim in Dimension.values]


def servqual_rows(posted: Any, errors: dict[str, str]) -> list[dict[str, Any]]:
    """The questionnaire grouped by dimension, with what was posted and each item's error (re-shown forms)."""
    q = questionnaire()
    return [
        {"key": key, "title": title, "explain": q.dimensions[key][1], "items": [
            {"id": i.id, "expectation": i.expectation, "perception": i.perception,
             "e": str(posted.get(f"e_{i.id}", "")), "p": str(posted.get(f"p_{i.id}", "")),
             "error": errors.get(i.id) or errors.get(f"servqual.{i.id}", "")}
            for i in items]}
        for key, title, items in q.by_dimension()
    ]
