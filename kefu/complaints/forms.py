"""Forms of the complaint UI: they parse and render input; the services decide what is valid.

Every action form carries the ``expected_version`` the user saw, so a stale
form loses to whoever changed the complaint first (``errors.Conflict``).
Field names match the keys of ``InvalidInput.errors`` so service errors land
on the right field.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kefu.accounts.models import Department, User
from kefu.accounts.roles import ROLE_CAPS, Cap
from kefu.accounts.validators import validate_date_range
from kefu.complaints.choices import (
    Cause,
    ComplainerIntent,
    ComplainerType,
    ContactMethod,
    Degree,
    Hotspot,
    Need,
    Remedy,
    Severity,
)
from kefu.complaints.models import STATE_CHOICES, Complaint
from kefu.complaints.selectors import ComplaintFilter
from kefu.customers.choices import Channel
from kefu.lib.widgets import DateInput

BLANK: list[tuple[str, Any]] = [("", "—")]


def _textarea(rows: int = 3, **attrs: Any) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, **attrs})


def handling_departments() -> QuerySet[Department]:
    return Department.objects.filter(handles_complaints=True, is_active=True).order_by("name")


def complaint_handlers() -> QuerySet[User]:
    """Active users whose role may handle complaints in a department."""
    roles = [role for role, caps in ROLE_CAPS.items() if Cap.COMPLAINT_HANDLE in caps]
    return (
        User.objects.filter(is_active=True, role__in=roles)
        .select_related("department")
        .order_by("department__name", "full_name", "username")
    )


class HandlerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj} · {obj.department}" if obj.department_id else str(obj)


# ---------------------------------------------------------------- record


class RecordForm(forms.Form):
    """The complaint form (complaint.process.record)."""

    complainant_name = forms.CharField(label=_("Complainant"), max_length=60)
    complainant_phone = forms.CharField(label=_("Complainant phone"), max_length=30, required=False)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    received_at = forms.DateTimeField(validators=[validate_date_range],
        label=_("Received at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Leave empty for now."),
    )
    subject = forms.CharField(label=_("Object of the complaint"), max_length=120)
    content = forms.CharField(label=_("Content"), widget=_textarea(5))
    demands = forms.CharField(label=_("Customer's demands"), required=False, widget=_textarea(2))
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices, initial=Severity.NORMAL)
    cause = forms.ChoiceField(label=_("Cause (if already known)"), choices=BLANK + Cause.choices, required=False)
    hotspot = forms.ChoiceField(label=_("Hot spot"), choices=BLANK + Hotspot.choices, required=False)
    needs = forms.MultipleChoiceField(
        label=_("Customer needs"), choices=Need.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, source_phone: str = "", masked_phone: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A prefilled number the user may not see stays on the server; the form shows it masked.
        self.source_phone = source_phone
        if masked_phone:
            self.fields["complainant_phone"].help_text = _(
                "Leave empty to keep the number of the contact: %(masked)s"
            ) % {"masked": masked_phone}
        self.fields["complainant_name"].widget.attrs["autofocus"] = True
        self.fields["content"].widget.attrs["placeholder"] = _("What happened, in the customer's words")

    def clean_complainant_phone(self) -> str:
        return self.cleaned_data.get("complainant_phone", "").strip() or self.source_phone

    def clean_received_at(self) -> datetime | None:
        value = self.cleaned_data.get("received_at")
        if value is not None and timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value


# ---------------------------------------------------------------- actions


class ActionForm(forms.Form):
    """Base of every action form: the version the user saw."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class AcceptForm(ActionForm):
    note = forms.CharField(label=_("Note"), required=False, widget=_textarea(2))


class RejectForm(ActionForm):
    explanation = forms.CharField(
        label=_("Explanation given to the customer"),
        widget=_textarea(3),
        help_text=_("Answer tactfully and clear up the misunderstanding."),
    )


class AssignForm(ActionForm):
    handling_department = forms.ModelChoiceField(label=_("Handling department"), queryset=Department.objects.none())
    handler = HandlerChoiceField(label=_("Handler"), queryset=User.objects.none(), required=False)
    responsible_department = forms.ModelChoiceField(
        label=_("Department at fault"),
        queryset=Department.objects.none(),
        required=False,
        empty_label=_("Same as the handling department"),
    )
    comment = forms.CharField(label=_("Comment"), required=False, widget=_textarea(2))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["handling_department"]).queryset = handling_departments()
        cast(forms.ModelChoiceField, self.fields["handler"]).queryset = complaint_handlers()
        cast(forms.ModelChoiceField, self.fields["responsible_department"]).queryset = Department.objects.filter(is_active=True).order_by("name")


class AnalyseForm(ActionForm):
    cause = forms.ChoiceField(label=_("Cause"), choices=BLANK + Cause.choices)
    analysis = forms.CharField(label=_("Cause analysis"), widget=_textarea(3))
    responsible_person = forms.CharField(label=_("Person responsible"), max_length=60, required=False)


class ProposeForm(ActionForm):
    remedy = forms.ChoiceField(label=_("Remedy"), choices=BLANK + Remedy.choices)
    amount = forms.DecimalField(
        label=_("Amount (yuan)"), min_value=0, max_digits=10, decimal_places=2, initial=0, required=False
    )
    plan = forms.CharField(label=_("Plan"), widget=_textarea(3))


class ApproveForm(ActionForm):
    comment = forms.CharField(label=_("Instruction"), required=False, widget=_textarea(2))


class EscalateForm(ActionForm):
    comment = forms.CharField(label=_("Note for the approver"), required=False, widget=_textarea(2))


class SendBackForm(ActionForm):
    comment = forms.CharField(label=_("What must change"), widget=_textarea(2))


class ImplementForm(ActionForm):
    what_was_done = forms.CharField(label=_("What was done"), widget=_textarea(3))
    notified_via = forms.ChoiceField(label=_("Customer notified via"), choices=BLANK + ContactMethod.choices)
    penalty = forms.CharField(label=_("Penalty for the person responsible"), max_length=200, required=False)
    customer_feedback = forms.CharField(label=_("Customer's feedback"), required=False, widget=_textarea(2))


SATISFACTION_CHOICES = [
    (5, _("5 · Very satisfied")),
    (4, _("4 · Satisfied")),
    (3, _("3 · Acceptable")),
    (2, _("2 · Dissatisfied")),
    (1, _("1 · Very dissatisfied")),
]


class FollowUpForm(ActionForm):
    method = forms.ChoiceField(label=_("Method"), choices=ContactMethod.choices, initial=ContactMethod.PHONE)
    done = forms.BooleanField(label=_("The remedy was carried out"), required=False)
    helped = forms.BooleanField(label=_("It helped"), required=False)
    satisfaction = forms.TypedChoiceField(
        label=_("Satisfaction"),
        choices=SATISFACTION_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        help_text=_("Not carried out, not helped or below 3: the complaint reopens as a repeat."),
    )
    anything_else = forms.CharField(label=_("Anything else?"), required=False, widget=_textarea(2))
    note = forms.CharField(label=_("Note"), required=False, widget=_textarea(2))


class ReviewForm(ActionForm):
    summary = forms.CharField(label=pgettext_lazy("complaint review", "Summary"), widget=_textarea(3))
    lessons = forms.CharField(label=_("Lessons"), required=False, widget=_textarea(2))
    add_to_casebook = forms.BooleanField(label=_("Add to the case book"), required=False)


class ClassifyForm(ActionForm):
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    hotspot = forms.ChoiceField(label=_("Hot spot"), choices=BLANK + Hotspot.choices, required=False)
    needs = forms.MultipleChoiceField(
        label=_("Customer needs"), choices=Need.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    degrees = forms.MultipleChoiceField(
        label=_("Six degrees"), choices=Degree.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    complainer_type = forms.ChoiceField(label=_("Complainer type"), choices=ComplainerType.choices, required=False)
    complainer_intent = forms.ChoiceField(
        label=_("Complainer intent"), choices=ComplainerIntent.choices, required=False
    )

    @classmethod
    def initial_for(cls, complaint: Complaint) -> dict[str, Any]:
        return {name: getattr(complaint, name) for name in cls.base_fields if name != "expected_version"}


# ---------------------------------------------------------------- list filters


class ComplaintFilterForm(forms.Form):
    """The filters of the complaint list, turned into the selector's ``ComplaintFilter`` by ``to_filter``."""

    state = forms.ChoiceField(label=_("State"), choices=[("", _("All")), ("open", _("Open")), *STATE_CHOICES],
                              required=False)
    channel = forms.ChoiceField(label=_("Channel"), choices=[("", _("All")), *Channel.choices], required=False)
    severity = forms.ChoiceField(label=_("Severity"), choices=[("", _("All")), *Severity.choices], required=False)
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.none(), required=False, empty_label=_("All")
    )
    handler = HandlerChoiceField(label=_("Handler"), queryset=User.objects.none(), required=False,
                                 empty_label=_("All"))
    date_from = forms.DateField(validators=[validate_date_range], label=_("Received from"), required=False,
                                widget=DateInput())
    date_to = forms.DateField(validators=[validate_date_range], label=_("Received until"), required=False,
                              widget=DateInput())
    regulator = forms.BooleanField(label=_("Regulator/escalated"), required=False)
    repeat = forms.BooleanField(label=_("Repeat"), required=False)
    overdue = forms.BooleanField(label=_("Overdue"), required=False)
    casebook = forms.BooleanField(label=_("Case book"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["department"]).queryset = handling_departments()
        cast(forms.ModelChoiceField, self.fields["handler"]).queryset = complaint_handlers()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The start date must not be after the end date."))
        return data

    def to_filter(self) -> ComplaintFilter:
        """The selector's filter; an invalid form filters nothing (its errors are shown)."""
        if not self.is_valid():
            return ComplaintFilter()
        data = self.cleaned_data
        return ComplaintFilter(
            state=data["state"] or "",
            channel=data["channel"] or "",
            severity=data["severity"] or "",
            regulator=True if data["regulator"] else None,
            repeat=True if data["repeat"] else None,
            overdue=True if data["overdue"] else None,
            casebook=True if data["casebook"] else None,
            department_id=data["department"].pk if data["department"] else None,
            handler_id=data["handler"].pk if data["handler"] else None,
            date_from=data["date_from"],
            date_to=data["date_to"],
        )

