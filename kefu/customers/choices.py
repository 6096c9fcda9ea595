"""Shared vocabularies for customers and contacts.

Implements norms channel.types, complaint.channels, caller.categories, customer.phone_manager,
customer.vip_tiers and persona.types.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Tier(models.TextChoices):  # customer.vip_tiers
    ORDINARY = "ordinary", _("Ordinary")
    VIP_DIAMOND = "vip_diamond", _("VIP diamond")
    VIP_GOLD = "vip_gold", _("VIP gold")
    VIP_SILVER = "vip_silver", _("VIP silver")
    GROUP_A = "group_a", _("Group customer A")
    GROUP_B = "group_b", _("Group customer B")
    GROUP_C = "group_c", _("Group customer C")


TIER_RANK = {
    Tier.VIP_DIAMOND: 3,
    Tier.GROUP_A: 3,
    Tier.VIP_GOLD: 2,
    Tier.GROUP_B: 2,
    Tier.VIP_SILVER: 1,
    Tier.GROUP_C: 1,
    Tier.ORDINARY: 0,
}


class Persona(models.TextChoices):  # persona.types
    UNKNOWN = "", _("Not observed")
    DOVE = "dove", _("Dove")
    PEACOCK = "peacock", _("Peacock")
    TIGER = "tiger", _("Tiger")
    OWL = "owl", _("Owl")


class Channel(models.TextChoices):  # channel.types, complaint.channels
    HOTLINE = "hotline", _("Hotline")
    COUNTER = "counter", _("Counter")
    ONLINE_CHAT = "online_chat", _("Online chat")
    WEB = "web", _("Web")
    APP = "app", _("App")
    SMS = "sms", _("SMS")
    IVR = "ivr", _("IVR self-service")
    SELF_SERVICE = "self_service", _("Self-service terminal")
    ACCOUNT_MANAGER = "account_manager", _("Account manager")
    PHONE_MANAGER = "phone_manager", _("Phone manager")
    ONSITE = "onsite", _("On-site service")
    MIIT = "miit", _("MIIT appeal (12300)")
    CONSUMER = "consumer", _("Consumer association (12315/315)")
    CITIZEN = "citizen", _("Citizen hotline (12345/mayor's mailbox)")
    GROUP_WEB = "group_web", _("Group website")


# Complaints arriving through these have gone over our heads: flagged, prioritised, own SLA clock.
REGULATOR_CHANNELS = frozenset({Channel.MIIT, Channel.CONSUMER, Channel.CITIZEN, Channel.GROUP_WEB})


class CallerCategory(models.TextChoices):  # caller.categories
    CONSULT = "consult", _("Consultation")
    HELP = "help", _("Request for help")
    TRANSACTION = "transaction", _("Transaction")
    COMPLAINT = "complaint", _("Complaint")
    SUGGESTION = "suggestion", _("Suggestion")
    HARASSMENT = "harassment", _("Harassment")


# What each caller category needs from us (caller.categories), shown to the agent.
CATEGORY_NEEDS = {
    CallerCategory.CONSULT: _("A clear, correct answer."),
    CallerCategory.HELP: _("A solution, and comfort while it is found."),
    CallerCategory.TRANSACTION: _("Quick, correct processing and a confirmation."),
    CallerCategory.COMPLAINT: _("An apology, attention, and where due compensation."),
    CallerCategory.SUGGESTION: _("Attention and thanks."),
    CallerCategory.HARASSMENT: _("End politely and mechanically; record the source."),
}
