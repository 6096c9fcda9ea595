"""Input checks shared by every app's forms and API schemas."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, TypeVar

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from kefu.lib.dates import EARLIEST, LATEST, in_range


def _range_message() -> str:
    return _("Enter a date between %(earliest)s and %(latest)s.") % {
        "earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()
    }


_D = TypeVar("_D", date, datetime)


def validate_date_range(value: date | datetime | None) -> None:
    """Form field validator: dates outside ``kefu.lib.dates`` range get a form error."""
    if value is not None and not in_range(value):
        raise ValidationError(_range_message(), code="date_range")


def _checked(value: _D) -> _D:
    if not in_range(value):
        raise PydanticCustomError("date_range", _range_message())
    if isinstance(value, datetime) and timezone.is_naive(value):
        return timezone.make_aware(value)  # a time without an offset is local time (TIME_ZONE)
    return value


# API schema types: a date or datetime in the accepted range (422 with a message otherwise).
InputDate = Annotated[date, AfterValidator(_checked)]
InputDateTime = Annotated[datetime, AfterValidator(_checked)]
