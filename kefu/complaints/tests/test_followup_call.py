"""The follow-up call can be made: the number is revealed for that complaint, logged as 回访, offered as tel:."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kefu.complaints.flow import State
from kefu.complaints.tests.test_views import login, record, walk_to
from kefu.customers.models import RevealLog

pytestmark = pytest.mark.django_db

NUMBER = "15300000304"


def test_the_follow_up_agent_reveals_the_number_for_the_call_and_it_is_logged(client, cast):
    complaint = walk_to(cast, record(cast, complainant_phone=NUMBER), State.IMPLEMENTED)
    agent = cast["agent"]
    page = login(client, agent).get(complaint.get_absolute_url()).content.decode()
    assert "153****0304" in page and NUMBER not in page and "拨打客户电话" in page
    assert not RevealLog.objects.exists()
    url = reverse("complaints:followup_call", args=[complaint.pk])
    fragment = client.post(url, HTTP_HX_REQUEST="true").content.decode()
    assert f'href="tel:{NUMBER}"' in fragment and "查看已记录" in fragment
    log = RevealLog.objects.get()
    assert (log.user, log.field, log.target) == (agent, "phone", "153****0304")
    assert log.reason == f"回访（投诉 {complaint.number}）"
    assert log.customer_id == complaint.customer_id  # None: the complainant has no customer record here
    full = client.post(url).content.decode()  # without htmx: the page with the link
    assert f'href="tel:{NUMBER}"' in full and RevealLog.objects.count() == 2


def test_only_at_the_follow_up_step_and_only_for_who_follows_up(client, cast):
    early = walk_to(cast, record(cast, complainant_phone=NUMBER), State.ASSIGNED)
    login(client, cast["agent"])
    response = client.post(reverse("complaints:followup_call", args=[early.pk]))
    assert response.status_code == 422 and NUMBER not in response.content.decode()
    assert "方案实施后才能进行回访电话" in response.content.decode()
    ready = walk_to(cast, record(cast, complainant_phone=NUMBER), State.IMPLEMENTED)
    login(client, cast["billing"] if "billing" in cast else cast["other_handler"])
    refused = client.post(reverse("complaints:followup_call", args=[ready.pk]))
    assert refused.status_code in (403, 404) and NUMBER not in refused.content.decode()
    assert not RevealLog.objects.exists()
