"""Helpers for the survey tests: a contact logged through the real service, surveys sent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from kefu.customers import services as customer_services
from kefu.surveys import services
from kefu.surveys.models import Rule, Survey


@pytest.fixture
def rule(db):  # type: ignore[no-untyped-def]
    """Ask after every contact, 30 minutes later, one reminder after a day, links valid a week."""
    return Rule.objects.create(source_kind="contact", sample_every=1, cooldown_days=30, delay_minutes=30,
                               reminder_hours=24, expires_days=7)


def log_contact(agent, customer=None, phone="13812345678", channel="hotline", category="consult", at=None):  # type: ignore[no-untyped-def]
    return customer_services.contact_log(actor=agent, channel=channel, category=category, summary="咨询套餐资费",
                                         phone=phone, customer=customer, occurred_at=at)


def sent_survey(agent, customer=None, *, at=None, phone="13812345678") -> Survey:  # type: ignore[no-untyped-def]
    """A contact logged and its survey sent (the scheduler run past the delay)."""
    at = at or timezone.now() - timedelta(hours=1)
    contact = log_contact(agent, customer, phone=phone, at=at)
    services.surveys_send_due(now=at + timedelta(minutes=31))
    return Survey.objects.get(source_kind="contact", source_id=contact.pk)
