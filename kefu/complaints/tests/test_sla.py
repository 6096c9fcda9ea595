import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from kefu.complaints import sla
from kefu.complaints.models import Complaint, SlaPolicy
from kefu.complaints.tests.test_services import record

pytestmark = pytest.mark.django_db


def test_high_severity_halves_the_generic_policy_and_an_exact_row_wins(cast):
    normal = sla.rule_for(state="assigned", severity="normal", regulator=False)
    high = sla.rule_for(state="assigned", severity="high", regulator=False)
    assert high.hours * 2 == normal.hours
    SlaPolicy.objects.create(state="assigned", severity="high", regulator=False, hours=1, clock="working")
    assert sla.rule_for(state="assigned", severity="high", regulator=False).hours == 1


def test_regulator_clock_runs_in_calendar_time(cast):
    assert sla.rule_for(state="recorded", severity="normal", regulator=True).clock == "calendar"
    assert sla.rule_for(state="recorded", severity="normal", regulator=False).clock == "working"


def overdue(complaint, days=3):
    past = timezone.now() - timedelta(days=days)
    Complaint.objects.filter(pk=complaint.pk).update(step_due_at=past)


def test_sla_check_lists_flags_once_and_records_an_event(cast, capsys):
    late = record(cast)
    on_time = record(cast, subject="按时的投诉")
    overdue(late)
    call_command("sla", "check")
    out = capsys.readouterr().out
    assert late.number in out and "OVERDUE" in out
    assert on_time.number not in out
    assert "1 overdue (1 newly flagged)" in out
    late.refresh_from_db()
    assert late.sla_breached and late.events.last().action == "sla_breach"
    call_command("sla", "check")
    assert "1 overdue (0 newly flagged)" in capsys.readouterr().out


def test_dry_run_json_flags_nothing(cast, capsys):
    late = record(cast)
    overdue(late)
    call_command("sla", "check", "--dry-run", "--format", "json")
    rows = json.loads(capsys.readouterr().out)
    assert [r["number"] for r in rows] == [late.number] and rows[0]["overdue"]
    late.refresh_from_db()
    assert not late.sla_breached


def test_fail_on_breach_exits_non_zero(cast):
    overdue(record(cast))
    with pytest.raises(SystemExit) as info:
        call_command("sla", "check", "--fail-on-breach")
    assert info.value.code == 1


def test_working_hours_come_from_the_setting(settings, db):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from kefu.complaints import sla as sla_module

    start = datetime(2026, 11, 25, 17, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Wednesday, 17:00
    kwargs = {"start": start, "state": "recorded", "severity": "normal", "regulator": False}
    sla_module._calendar.cache_clear()
    default_due = sla_module.deadline(**kwargs)
    settings.KEFU_WORKING_PERIODS = "08:00-20:00"
    sla_module._calendar.cache_clear()
    try:
        longer_day_due = sla_module.deadline(**kwargs)
    finally:
        sla_module._calendar.cache_clear()
    assert longer_day_due < default_due  # three more working hours that afternoon


def test_a_malformed_working_hours_setting_stops_the_start():
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={"DJANGO_SETTINGS_MODULE": "kefu.settings", "KEFU_WORKING_PERIODS": "8点到5点", "PATH": "/usr/bin"},
        capture_output=True, text=True, check=False,
    )
    assert result.returncode != 0 and "KEFU_WORKING_PERIODS" in result.stderr
