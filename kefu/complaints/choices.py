"""Complaint classification vocabularies, each implementing a norm."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Severity(models.TextChoices):
    LOW = "low", _("Minor")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("Serious")
    CRITICAL = "critical", _("Critical")


SEVERITY_RANK = {Severity.LOW: 0, Severity.NORMAL: 1, Severity.HIGH: 2, Severity.CRITICAL: 3}


class CauseCategory(models.TextChoices):  # complaint.causes
    PRODUCT = "product", _("Product")
    SERVICE = "service", _("Service")
    PRICE = "price", _("Price and billing")


class Cause(models.TextChoices):  # complaint.causes, sub-causes
    NETWORK = "network", _("Network coverage/quality")
    INTERCONNECT = "interconnect", _("Interconnection")
    CALL_QUALITY = "call_quality", _("Call quality")
    SP_SERVICE = "sp_service", _("SP value-added service")
    SPAM_SMS = "spam_sms", _("Spam SMS")
    SERVICE_QUALITY = "service_quality", _("Service quality")
    ATTITUDE = "attitude", _("Service attitude")
    MANNER = "manner", _("Service manner")
    SKILL = "skill", _("Service skill")
    BILLING_ERROR = "billing_error", _("Billing error")
    PAYMENT_NOT_CREDITED = "payment_not_credited", _("Payment not credited")
    CARD_ERROR = "card_error", _("Top-up card error")
    NOT_ACTIVATED = "not_activated", _("Not activated after payment")


CAUSE_CATEGORY = {
    Cause.NETWORK: CauseCategory.PRODUCT,
    Cause.INTERCONNECT: CauseCategory.PRODUCT,
    Cause.CALL_QUALITY: CauseCategory.PRODUCT,
    Cause.SP_SERVICE: CauseCategory.PRODUCT,
    Cause.SPAM_SMS: CauseCategory.PRODUCT,
    Cause.SERVICE_QUALITY: CauseCategory.SERVICE,
    Cause.ATTITUDE: CauseCategory.SERVICE,
    Cause.MANNER: CauseCategory.SERVICE,
    Cause.SKILL: CauseCategory.SERVICE,
    Cause.BILLING_ERROR: CauseCategory.PRICE,
    Cause.PAYMENT_NOT_CREDITED: CauseCategory.PRICE,
    Cause.CARD_ERROR: CauseCategory.PRICE,
    Cause.NOT_ACTIVATED: CauseCategory.PRICE,
}


class Hotspot(models.TextChoices):  # complaint.focus_telecom
    FEE_ERROR = "fee_error", _("Fee error")
    USAGE_DOUBT = "usage_doubt", _("Meter/usage doubt")
    ATTITUDE = "attitude", _("Staff attitude")
    REPAIR_OVERDUE = "repair_overdue", _("Repair over time limit")
    PROPERTY_BOUNDARY = "property_boundary", _("Property boundary")
    AGEING_EQUIPMENT = "ageing_equipment", _("Ageing equipment")
    OUTAGE = "outage", _("Planned/temporary outage")


class Need(models.TextChoices):  # complaint.needs
    RESPECT = "respect", _("Respect")
    VENT = "vent", _("To vent")
    CARE = "care", _("Care")
    COMPENSATION = "compensation", _("Compensation")
    SOLUTION = "solution", _("A solution")


class Degree(models.TextChoices):  # complaint.six_degrees
    SPEED = "speed", _("Speed")
    ATTITUDE = "attitude", _("Attitude")
    WARMTH = "warmth", _("Warmth")
    MEASURE = "measure", _("Measure")
    STRENGTH = "strength", _("Strength")
    DEPTH = "depth", _("Depth")


class ComplainerType(models.TextChoices):  # complaint.difficult_types
    ORDINARY = "", _("Ordinary")
    EMOTIONAL = "emotional", _("Emotional")
    ABUSES_JUSTICE = "abuses_justice", _("Abuses a sense of justice")
    STUBBORN = "stubborn", _("Stubborn")
    SELF_ADMIRING = "self_admiring", _("Self-admiring")
    WELL_PREPARED = "well_prepared", _("Well prepared")
    CONNECTED = "connected", _("Socially connected")


class ComplainerIntent(models.TextChoices):  # complaint.types_of_complainer
    UNKNOWN = "", _("Not yet known")
    POINT_OUT = "point_out", _("Only wants to say we are wrong")
    CORRECTION = "correction", _("Wants it corrected")
    COMPENSATION = "compensation", _("Wants compensation")


class Remedy(models.TextChoices):  # complaint.remedies
    REFUND = "refund", _("Refund")
    REPAIR_REPLACE = "repair_replace", _("Repair or replace")
    APOLOGY = "apology", _("Apology")
    GIFT = "gift", _("Compensating gift")
    BORNE_COST = "borne_cost", _("Cost borne by us")
    DISCOUNT = "discount", _("Discount")
    EXPLANATION = "explanation", _("Explanation only")


class ContactMethod(models.TextChoices):  # complaint.followup
    PHONE = "phone", _("Phone")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    LETTER = "letter", _("Letter")
    VISIT = "visit", _("Visit")
