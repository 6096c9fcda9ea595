from __future__ import annotations

from unittest import mock

import pytest
from django.db import OperationalError

pytestmark = pytest.mark.urls("kefu.front.tests.urls")


@pytest.mark.django_db
def test_healthz_says_ok_when_the_scheduler_beats(client):
    from kefu.jobs.services import beat

    beat("scheduler")
    response = client.get("/healthz")
    assert response.status_code == 200
    lines = response.content.decode().splitlines()
    assert lines[0] == "ok" and lines[1] == "database: ok" and lines[2].startswith("broker: ok (ORM")
    assert lines[3].startswith("scheduler: last heartbeat ") and lines[3].endswith(" s ago")
    assert response["Content-Type"].startswith("text/plain")


@pytest.mark.django_db
def test_healthz_is_degraded_without_a_scheduler_or_broker(client):
    from datetime import timedelta

    from django.utils import timezone

    from kefu.jobs.models import Heartbeat

    response = client.get("/healthz")
    assert response.status_code == 200 and response.content.decode().splitlines()[0] == "degraded"
    assert "scheduler: never seen" in response.content.decode()
    Heartbeat.objects.create(name="scheduler", at=timezone.now() - timedelta(minutes=10))
    assert client.get("/healthz").content.decode().startswith("degraded")
    Heartbeat.objects.filter(name="scheduler").update(at=timezone.now())
    with mock.patch("django_q.brokers.orm.ORM.get_connection", side_effect=OperationalError("locked")):
        text = client.get("/healthz").content.decode()
    assert text.startswith("degraded") and "broker: unreachable (OperationalError: locked)" in text


@pytest.mark.django_db
def test_healthz_reports_an_unreachable_database(client):
    with mock.patch("kefu.front.views.connection.cursor", side_effect=OperationalError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503


def test_healthz_needs_no_login_and_only_answers_get(client, db):
    assert client.post("/healthz").status_code == 405
