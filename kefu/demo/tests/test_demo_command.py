"""``kefu demo-data`` as a command: idempotence, reset, logins, bad options."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from kefu.accounts.models import Department, User
from kefu.accounts.roles import Role
from kefu.complaints.models import Complaint
from kefu.customers.choices import Tier
from kefu.customers.models import Contact, Customer
from kefu.demo import content, identity

SMALL = ["--customers", "10", "--contacts", "20", "--complaints", "10", "--history-complaints", "0"]


def _load(*args: str) -> str:
    out = StringIO()
    call_command("demo_data", *SMALL, *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_running_it_twice_does_not_duplicate_anything(client):
    _load()
    counts = (User.objects.count(), Customer.objects.count(), Contact.objects.count(), Complaint.objects.count())
    signed_in = client.post(reverse("login"), {"username": "agent", "password": content.PASSWORD})
    assert signed_in.status_code == 302  # through the sign-in page: django-axes needs the request
    output = _load()
    assert "already loaded" in output
    assert (User.objects.count(), Customer.objects.count(), Contact.objects.count(), Complaint.objects.count()) == counts


@pytest.mark.django_db
def test_reset_reloads_the_demo_and_leaves_real_data_alone():
    real_dept = Department.objects.create(code="legal", name="法务部")
    real_user = User.objects.create_user(username="zhou", password="x" * 10, role=Role.AGENT, department=real_dept)
    real_customer = Customer.objects.create(name="真实客户", tier=Tier.ORDINARY)
    _load()
    first = sorted(Customer.objects.filter(note__startswith=content.NOTE_MARK).values_list("name", flat=True))
    output = _load("--reset")
    assert "Deleted demo data" in output
    assert sorted(Customer.objects.filter(note__startswith=content.NOTE_MARK).values_list("name", flat=True)) == first
    assert Complaint.objects.count() == 10
    assert User.objects.filter(pk=real_user.pk).exists() and Customer.objects.filter(pk=real_customer.pk).exists()


@pytest.mark.django_db
def test_it_refuses_to_take_over_a_real_users_username():
    User.objects.create_user(username="admin", password="x" * 10)
    with pytest.raises(CommandError, match="admin"):
        _load()
    assert not Customer.objects.exists()


@pytest.mark.django_db
def test_print_logins_with_skip_load_prints_one_login_per_role_and_loads_nothing():
    out = StringIO()
    call_command("demo_data", "--print-logins", "--skip-load", stdout=out)
    text = out.getvalue()
    assert "http://127.0.0.1:8000/" in text
    for staff in content.STAFF:
        if staff.sees:
            assert f"{staff.username} / {content.PASSWORD}" in text
    for role_zh in content.ROLE_ZH.values():
        assert role_zh in text
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--complaints", "many"], "--complaints must be a whole number"),
        (["--history-complaints", "-1"], "--history-complaints must be between 0"),
        (["--customers", "3"], "--customers must be between"),
        (["--skip-load"], "--skip-load does nothing without --print-logins"),
        (["--skip-load", "--reset", "--print-logins"], "contradict"),
    ],
)
def test_bad_options_are_refused_with_a_reason(args, reason):
    with pytest.raises(CommandError, match=reason):
        call_command("demo_data", *args)


def test_the_console_script_exits_non_zero_with_a_one_line_reason(tmp_path: Path):
    env = {**os.environ, "KEFU_VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "kefu.cli", "demo-data", "--contacts", "-1"],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == ["CommandError: --contacts must be between 0 and 2000000, not -1"]


def test_resident_id_check_digits_follow_gb_11643():
    assert identity.id_check_digit("11010519491231002") == "X"  # the standard's worked example
    assert identity.id_number_is_valid("11010519491231002X")
    assert not identity.id_number_is_valid("110105194912310021")


def test_generated_personal_data_is_deterministic():
    import random

    a, b = random.Random(7), random.Random(7)
    assert [identity.person(a) for _ in range(5)] == [identity.person(b) for _ in range(5)]
    assert identity.uscc_is_valid(identity.uscc(random.Random(3)))


@pytest.mark.django_db
def test_the_same_seed_and_moment_give_the_same_data_set():
    from datetime import UTC, datetime

    from kefu.demo import generate

    moment = datetime(2026, 11, 18, 2, 30, tzinfo=UTC)  # a Wednesday, 10:30 in Hangzhou

    def snapshot() -> list[tuple[str, ...]]:
        generate.demo_load(sizes=generate.Sizes(customers=10, contacts=20, complaints=12, history_complaints=6), now=moment)
        rows = Complaint.objects.order_by("received_at").values_list(
            "subject", "complainant_name", "state", "received_at", "handler__username"
        )
        return [tuple(str(v) for v in row) for row in rows]

    first = snapshot()
    generate.demo_reset()
    assert snapshot() == first


@pytest.mark.django_db
def test_reset_names_what_still_uses_the_demo_rows_and_changes_nothing(monkeypatch):
    from django.db.models import ProtectedError

    from kefu.demo import generate

    _load()
    blocker = Customer.objects.first()

    def protected() -> None:
        raise ProtectedError("protected", {blocker})

    monkeypatch.setattr(generate, "demo_reset", protected)
    with pytest.raises(CommandError, match=r"cannot reset: demo rows are still used by (customer|客户)"):
        _load("--reset")
    assert Complaint.objects.count() == 10


@pytest.mark.django_db
def test_closed_complaints_of_the_months_before_give_reports_a_previous_period():
    from datetime import UTC, datetime, timedelta

    from kefu.demo import generate

    moment = datetime(2026, 11, 18, 2, 30, tzinfo=UTC)
    generate.demo_load(sizes=generate.Sizes(customers=10, contacts=20, complaints=12, history_complaints=8), now=moment)
    older = Complaint.objects.filter(received_at__lt=moment - timedelta(days=84))
    assert older.exists()  # the insight pages' default 12 weeks have something to be compared with
    assert set(older.values_list("state", flat=True)) <= {"closed", "rejected"}
    assert Complaint.objects.count() == 20
