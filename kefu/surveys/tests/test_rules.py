"""Who is asked after a service, and when: sampling, cooldown, harassment list, delay, one reminder."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from kefu.fieldservice.tests.conftest import onsite  # noqa: F401  (the on-site cast)
from kefu.surveys import services
from kefu.surveys.core import rules as core
from kefu.surveys.models import Outbound, Rule, Survey
from kefu.surveys.tests.conftest import log_contact

T0 = datetime(2026, 3, 2, 10, 0)
EVERYONE = core.RuleSpec(enabled=True, sample_every=1, cooldown_days=30, delay_minutes=60)


def decide(**kw):  # type: ignore[no-untyped-def]
    args = dict(rule=EVERYONE, kind="contact", pk=1, phone_digits="13812345678", finished_at=T0,
                last_asked_at=None, listed=False)
    args.update(kw)
    return core.decide(**args)


def test_sampling_one_in_n_is_deterministic_and_close_to_the_share():
    every3 = core.RuleSpec(True, 3, 0, 0)
    chosen = [pk for pk in range(3000) if decide(rule=every3, pk=pk).ask]
    assert 900 <= len(chosen) <= 1100
    assert chosen == [pk for pk in range(3000) if decide(rule=every3, pk=pk).ask]  # the same again
    assert all(core.bucket("contact", pk, 3) == 0 for pk in chosen)


def test_the_link_is_sent_after_the_rules_delay():
    assert decide().send_after == T0 + timedelta(minutes=60)


def test_a_customer_asked_within_the_cooldown_is_not_asked_again():
    assert decide(last_asked_at=T0 - timedelta(days=29)).skip == core.Skip.COOLDOWN
    assert decide(last_asked_at=T0 - timedelta(days=31)).ask


def test_a_number_on_the_harassment_list_is_never_asked():
    assert decide(listed=True).skip == core.Skip.HARASSMENT


def test_no_rule_or_no_number_asks_nobody():
    assert decide(rule=None).skip == core.Skip.NO_RULE
    assert decide(phone_digits="").skip == core.Skip.NO_NUMBER


def test_one_reminder_only_after_the_set_hours():
    sent = T0
    assert not core.reminder_due(sent_at=sent, reminded_at=None, answered=False, reminder_hours=24,
                                 now=sent + timedelta(hours=23))
    assert core.reminder_due(sent_at=sent, reminded_at=None, answered=False, reminder_hours=24,
                             now=sent + timedelta(hours=24))
    assert not core.reminder_due(sent_at=sent, reminded_at=sent + timedelta(hours=24), answered=False,
                                 reminder_hours=24, now=sent + timedelta(hours=48))
    assert not core.reminder_due(sent_at=sent, reminded_at=None, answered=True, reminder_hours=24,
                                 now=sent + timedelta(hours=48))


def test_logging_a_contact_schedules_its_survey_and_the_job_sends_then_reminds_once(cast, customer, rule):
    now = timezone.now()
    contact = log_contact(cast["agent"], customer, at=now - timedelta(minutes=5))
    survey = Survey.objects.get(source_kind="contact", source_id=contact.pk)
    assert survey.state == "scheduled" and survey.agent == cast["agent"] and survey.customer == customer
    assert services.surveys_send_due(now=now).sent == 0  # the 30-minute delay has not passed
    assert services.surveys_send_due(now=now + timedelta(minutes=30)).sent == 1
    survey.refresh_from_db()
    assert survey.state == "sent" and survey.expires_at == now + timedelta(minutes=30, days=7)
    invite = Outbound.objects.get(survey=survey)
    assert "/s/" in invite.body and invite.to == "13812345678"
    later = now + timedelta(minutes=30, hours=25)
    assert services.surveys_send_due(now=later).reminded == 1
    assert services.surveys_send_due(now=later + timedelta(hours=30)).reminded == 0  # one reminder only
    assert list(Outbound.objects.filter(survey=survey).values_list("kind", flat=True)) == ["invite", "reminder"]
    assert services.surveys_send_due(now=now + timedelta(days=8)).expired == 1
    survey.refresh_from_db()
    assert survey.state == "expired"


def test_the_sms_is_logged_with_the_number_masked(cast, customer, rule, caplog):
    log_contact(cast["agent"], customer, at=timezone.now() - timedelta(hours=1))
    with caplog.at_level("INFO", logger="kefu.surveys.services"):
        services.surveys_send_due()
    assert "138****5678" in caplog.text and "13812345678" not in caplog.text


def test_the_cooldown_spares_a_customer_just_asked(cast, customer, rule):
    log_contact(cast["agent"], customer, at=timezone.now() - timedelta(days=2))
    log_contact(cast["agent"], customer, at=timezone.now() - timedelta(hours=1))
    assert Survey.objects.count() == 1


def test_harassment_contacts_and_listed_numbers_get_no_survey(cast, rule, monkeypatch):
    log_contact(cast["agent"], phone="13900000001", category="harassment")
    monkeypatch.setattr(services, "harassment_listed", lambda digits: digits == "13900000002")
    log_contact(cast["agent"], phone="13900000002")
    log_contact(cast["agent"], phone="13900000003")
    assert list(Survey.objects.values_list("phone", flat=True)) == ["13900000003"]


def test_the_most_specific_rule_wins_and_a_disabled_one_asks_nobody(cast, rule):
    Rule.objects.create(source_kind="contact", channel="counter", enabled=False)
    log_contact(cast["agent"], phone="13900000004", channel="counter")
    log_contact(cast["agent"], phone="13900000005", channel="hotline")
    assert list(Survey.objects.values_list("phone", flat=True)) == ["13900000005"]


def test_a_closed_complaint_is_surveyed_about_its_handler(cast, customer):
    from kefu.complaints.flow import State
    from kefu.complaints.tests.test_services import record, walk_to

    Rule.objects.create(source_kind="complaint", delay_minutes=0)
    complaint = walk_to(cast, record(cast, customer), State.CLOSED)
    survey = Survey.objects.get(source_kind="complaint")
    assert survey.source_id == complaint.pk and survey.agent == cast["handler"]


def test_a_failing_planner_never_undoes_the_contact(cast, customer, rule, monkeypatch):
    def broken(**kw):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "survey_plan", broken)
    contact = log_contact(cast["agent"], customer)
    assert contact.pk is not None and not Survey.objects.exists()


@pytest.mark.parametrize("field,value", [("sample_every", 0), ("expires_days", 99), ("delay_minutes", "x")])
def test_a_rule_with_impossible_numbers_is_refused(cast, field, value):
    from kefu.lib.errors import InvalidInput

    data = dict(source_kind="contact", channel="", category="", enabled=True, sample_every=1, cooldown_days=30,
                delay_minutes=60, reminder_hours=24, expires_days=7, servqual_every=0)
    data[field] = value
    with pytest.raises(InvalidInput) as exc:
        services.rule_save(actor=cast["manager"], data=data)
    assert field in exc.value.errors and not Rule.objects.exists()


def test_a_finished_work_order_is_surveyed_on_the_customers_primary_number(onsite):  # type: ignore[no-untyped-def]  # noqa: F811
    from kefu.fieldservice import services as onsite_services

    Rule.objects.create(source_kind="work_order", delay_minutes=0)
    order = onsite_services.order_create(actor=onsite["dispatcher"], customer=onsite["customer"],
                                         order_type="repair", description="机顶盒无信号")
    onsite_services.order_solve_by_phone(actor=onsite["dispatcher"], order=order, note="指导客户重启机顶盒后恢复")
    survey = Survey.objects.get(source_kind="work_order", source_id=order.pk)
    assert (survey.phone, survey.channel, survey.customer) == ("13812345678", "onsite", onsite["customer"])
