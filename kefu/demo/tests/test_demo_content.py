"""What someone trying the demo finds in it (one small load shared by the module, rolled back)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from kefu.accounts.models import User
from kefu.accounts.roles import Role
from kefu.complaints import services
from kefu.complaints.flow import State
from kefu.complaints.models import Complaint, Proposal
from kefu.customers.choices import REGULATOR_CHANNELS, CallerCategory, Channel, Tier
from kefu.customers.models import Contact, Customer, RevealLog
from kefu.demo import content, identity
from kefu.lib.errors import NotAllowed

SMALL = ["--customers", "12", "--contacts", "60", "--complaints", "30"]


def _load(*args: str) -> str:
    out = StringIO()
    call_command("demo_data", *SMALL, *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """One small demo load shared by the read-only tests below, rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        output = _load()
        yield output
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_it_loads_one_user_per_role_with_chinese_names_and_employee_numbers(demo):
    users = User.objects.filter(email__endswith=content.EMAIL_DOMAIN)
    assert {u.role for u in users} == set(Role.values)
    assert users.filter(role=Role.HANDLER, department__name="网络维护部").exists()
    assert users.filter(role=Role.HANDLER, department__name="计费账务部").exists()
    assert users.filter(role=Role.SUPERVISOR).count() >= 2
    assert User.objects.get(username="admin").is_superuser
    assert all(u.full_name and u.employee_no.startswith("XH") for u in users)


@pytest.mark.django_db
def test_customers_cover_every_tier_with_valid_id_numbers_and_mobile_numbers(demo):
    customers = Customer.objects.filter(note__startswith=content.NOTE_MARK).prefetch_related("phones")
    assert {c.tier for c in customers} == set(Tier.values)
    for customer in customers:
        primary = next(p.number for p in customer.phones.all() if p.is_primary)
        assert primary[:2] in ("13", "15", "18") and len(primary) == 11
        if customer.tier.startswith("group"):
            assert identity.uscc_is_valid(customer.id_number)
            assert customer.phones.count() >= 10  # customer.vip_tiers: a group has at least ten lines
        else:
            assert identity.id_number_is_valid(customer.id_number)
        if customer.is_vip:
            assert customer.account_manager is not None
        assert "杭州市" in customer.address
    assert RevealLog.objects.filter(customer__in=customers).exists()  # the PIPL audit log has entries


@pytest.mark.django_db
def test_contacts_cover_every_channel_and_caller_category(demo):
    contacts = Contact.objects.all()
    assert {c.channel for c in contacts} == set(Channel.values)
    assert {c.category for c in contacts} == set(CallerCategory.values)
    assert contacts.filter(summary__contains="宽带").exists()
    assert contacts.filter(category=CallerCategory.HARASSMENT, customer__isnull=True).exists()


@pytest.mark.django_db
def test_complaints_stand_in_every_step_of_the_process(demo):
    assert set(Complaint.objects.values_list("state", flat=True)) == {s.value for s in State}
    assert Complaint.objects.filter(closed_outcome="invalid").exists()
    assert Complaint.objects.filter(closed_outcome="resolved", in_casebook=True).exists()
    assert Proposal.objects.filter(decision=Proposal.Decision.SENT_BACK).exists()


@pytest.mark.django_db
def test_some_open_complaints_are_overdue_and_others_are_on_time(demo):
    now = timezone.now()
    open_ = Complaint.objects.exclude(state=State.CLOSED)
    assert open_.filter(step_due_at__lt=now).count() >= 5
    assert open_.filter(step_due_at__gt=now).count() >= 5
    # As if `kefu sla check` had been running: each overdue step is flagged once, by the system.
    for complaint in open_.filter(step_due_at__lt=now):
        assert complaint.sla_breached
        assert complaint.events.filter(action="sla_breach", actor__username="system").count() == 1


@pytest.mark.django_db
def test_regulator_and_repeat_complaints_are_flagged(demo):
    regulator = Complaint.objects.filter(is_regulator=True)
    assert regulator.exists()
    assert all(c.channel in REGULATOR_CHANNELS for c in regulator)
    assert any("12300" in c.content or "12315" in c.content or "12345" in c.content for c in regulator)
    assert Complaint.objects.filter(is_repeat=True, reopen_count__gte=1).exists()  # reopened after follow-up


@pytest.mark.django_db
def test_each_complaint_has_a_history_in_time_order_by_the_people_who_did_it(demo):
    for complaint in Complaint.objects.prefetch_related("events__actor"):
        events = list(complaint.events.all())
        assert events[0].action == "record"
        assert [e.at for e in events] == sorted(e.at for e in events)
        assert events[0].at >= complaint.received_at
        assert events[-1].to_state == complaint.state
    analysts = {e.actor.role for c in Complaint.objects.all() for e in c.events.filter(action="analyse")}
    assert analysts and analysts <= {Role.HANDLER, Role.SUPERVISOR}  # department work, never the agent


@pytest.mark.django_db
def test_rejected_complaints_carry_a_tactful_explanation(demo):
    for complaint in Complaint.objects.filter(closed_outcome="invalid"):
        assert "您好" in complaint.validity_note


@pytest.mark.django_db
def test_a_high_amount_proposal_waits_for_the_manager(demo):
    proposal = Proposal.objects.filter(decision=Proposal.Decision.PENDING, amount__gt=Decimal(500)).first()
    assert proposal is not None
    with pytest.raises(NotAllowed):
        services.complaint_approve(complaint=proposal.complaint, actor=User.objects.get(username="supervisor"))
    approved = services.complaint_approve(complaint=proposal.complaint, actor=User.objects.get(username="manager"))
    assert approved.state == State.APPROVED


@pytest.mark.django_db
def test_the_simulated_clock_is_gone_after_loading(demo):
    assert abs((timezone.now() - timezone.now().__class__.now(tz=timezone.now().tzinfo)).total_seconds()) < 5
    from datetime import datetime

    import django.utils.timezone as dj_timezone

    assert dj_timezone.datetime is datetime




@pytest.mark.django_db
def test_demo_customers_and_contacts_are_in_the_search_index(demo):
    from kefu.search.models import Document, Kind

    assert Document.objects.filter(kind=Kind.CUSTOMER).count() == Customer.objects.count()
    assert Document.objects.filter(kind=Kind.CONTACT).count() == Contact.objects.count()
