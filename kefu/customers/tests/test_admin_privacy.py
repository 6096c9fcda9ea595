"""The admin shows personal data masked and keeps audit rows and complaint history read-only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kefu.accounts.models import User
from kefu.accounts.roles import Role
from kefu.complaints.models import FollowUp, Proposal
from kefu.customers.models import Contact, RevealLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):  # type: ignore[no-untyped-def]
    root = User.objects.create_superuser(username="root", password="pass12345", role=Role.ADMIN)
    client.force_login(root)
    client.root = root
    return client


def test_the_customer_admin_shows_numbers_and_address_masked(admin_client, customer):
    customer.address = "浙江省杭州市西湖区文三路90号"
    customer.save()
    html = admin_client.get(reverse("admin:customers_customer_change", args=[customer.pk])).content.decode()
    assert "13812345678" not in html and "110101198001011234" not in html and "文三路" not in html
    assert "138****5678" in html and "110101********1234" in html and "浙江省杭州市西湖区****" in html
    assert reverse("customers:detail", args=[customer.pk]) in html  # the logged way to the full values


def test_admin_search_matches_whole_numbers_only(admin_client, customer):
    url = reverse("admin:customers_customer_changelist")
    assert "张伟" in admin_client.get(url, {"q": "13812345678"}).content.decode()
    assert "张伟" not in admin_client.get(url, {"q": "812345678"}).content.decode()


def test_a_contact_number_is_masked_in_the_admin(admin_client, cast):
    contact = Contact.objects.create(phone="13812345678", channel="hotline", category="consult", summary="咨询",
                                     agent=cast["agent"])
    html = admin_client.get(reverse("admin:customers_contact_change", args=[contact.pk])).content.decode()
    assert "13812345678" not in html and "138****5678" in html


def test_the_reveal_log_cannot_be_added_changed_or_deleted(admin_client, cast, customer):
    row = RevealLog.objects.create(user=cast["supervisor"], customer=customer, field="phone", reason="核实")
    assert admin_client.get(reverse("admin:customers_reveallog_add")).status_code == 403
    assert admin_client.post(reverse("admin:customers_reveallog_delete", args=[row.pk]), {"post": "yes"}).status_code == 403
    admin_client.post(reverse("admin:customers_reveallog_change", args=[row.pk]), {"reason": "改掉"})
    changelist = reverse("admin:customers_reveallog_changelist")
    admin_client.post(changelist, {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"})
    row.refresh_from_db()
    assert row.reason == "核实"


def test_proposals_and_follow_ups_are_history_in_the_admin(admin_client):
    for model in (Proposal, FollowUp):
        name = model._meta.model_name
        assert admin_client.get(reverse(f"admin:complaints_{name}_add")).status_code == 403


def test_complaints_and_their_history_cannot_be_changed_or_deleted_in_the_admin(admin_client, cast):
    from kefu.complaints.models import Complaint, ComplaintEvent
    from kefu.complaints.tests.test_services import record

    complaint = record(cast)
    events = ComplaintEvent.objects.filter(complaint=complaint).count()
    response = admin_client.post(reverse("admin:complaints_complaint_delete", args=[complaint.pk]), {"post": "yes"})
    assert response.status_code == 403
    admin_client.post(reverse("admin:complaints_complaint_change", args=[complaint.pk]), {"subject": "改掉"})
    complaint.refresh_from_db()
    assert complaint.subject != "改掉" and Complaint.objects.count() == 1
    assert ComplaintEvent.objects.filter(complaint=complaint).count() == events
