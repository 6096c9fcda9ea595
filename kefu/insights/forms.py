"""Forms of the insight pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.lib.widgets import DateInput


class PeriodForm(forms.Form):
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("Until"), required=False, widget=DateInput())
    grain = forms.ChoiceField(label=_("Trend by"), required=False,
                              choices=[("week", _("Week")), ("month", _("Month"))])
