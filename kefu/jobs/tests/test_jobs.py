"""Background jobs: progress, failures with their reason, claims that run a job once, broker outages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from kefu.accounts.models import User
from kefu.jobs import queue, registry, services
from kefu.jobs.models import Job
from kefu.search.models import Document

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user():
    return User.objects.create_user(username="root", password="x", role="admin", full_name="管理员")


@pytest.fixture
def flaky_kind():
    calls = []

    def run(params, progress):
        calls.append(params)
        progress(1, 4)
        if params.get("fail"):
            raise ValueError("第 3 行缺少客户姓名")
        progress(4, 4)
        return "完成"

    registry.register(registry.JobKind("test-kind", "测试任务", run, "admin"))
    yield calls
    registry._KINDS.pop("test-kind")


def test_a_job_runs_once_reports_progress_and_its_result(admin_user, flaky_kind):
    job = services.job_start(actor=admin_user, kind="test-kind")
    services.job_run(job.pk)
    services.job_run(job.pk)  # delivered twice: the second run finds it done
    job.refresh_from_db()
    assert (job.state, job.done, job.total, job.message, job.attempts) == ("done", 4, 4, "完成", 1)
    assert len(flaky_kind) == 1


def test_a_failing_job_is_retried_with_backoff_then_ends_failed_with_its_reason(admin_user, flaky_kind, client):
    job = services.job_start(actor=admin_user, kind="test-kind", params={"fail": True})
    services.job_run(job.pk)
    job.refresh_from_db()
    assert job.state == "queued" and job.error == "ValueError: 第 3 行缺少客户姓名"
    assert job.retry_at > timezone.now() + timedelta(seconds=50) and "1 分钟后重试" in job.message
    services.job_run(job.pk)  # not due yet: nothing happens
    assert Job.objects.get(pk=job.pk).attempts == 1
    for _attempt in range(2):
        Job.objects.filter(pk=job.pk).update(retry_at=timezone.now() - timedelta(seconds=1))
        assert services.requeue_waiting() == 1
        services.job_run(job.pk)
    job.refresh_from_db()
    assert job.state == "failed" and job.attempts == 3 and job.error.startswith("ValueError: 第 3 行缺少客户姓名")
    assert len(flaky_kind) == 3
    assert services.backoff(1) == timedelta(minutes=1) and services.backoff(2) == timedelta(minutes=4)
    client.force_login(admin_user)
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "任务失败。" in page and "第 3 行缺少客户姓名" in page and "every 2s" not in page


def test_a_job_whose_worker_died_is_taken_again(admin_user, flaky_kind):
    job = services.job_start(actor=admin_user, kind="test-kind")
    Job.objects.filter(pk=job.pk).update(state="running", heartbeat_at=timezone.now() - timedelta(hours=1), attempts=1)
    services.job_run(job.pk)
    job.refresh_from_db()
    assert job.state == "done" and job.attempts == 2


def test_a_running_job_is_polled_until_it_finishes(admin_user, flaky_kind, client):
    job = services.job_start(actor=admin_user, kind="test-kind")
    client.force_login(admin_user)
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in page and "已排队" in page
    other = User.objects.create_user(username="agent9", password="x", role="agent")
    client.force_login(other)
    assert client.get(reverse("jobs:detail", args=[job.pk])).status_code == 404


def test_only_those_with_the_right_start_a_job(flaky_kind, client):
    agent = User.objects.create_user(username="agent9", password="x", role="agent")
    client.force_login(agent)
    assert client.post(reverse("jobs:start", args=["test-kind"])).status_code == 403
    assert not Job.objects.exists()


def test_the_reindex_job_rebuilds_the_index_with_progress(admin_user, cast, customer, client):
    Document.objects.all().delete()
    client.force_login(admin_user)
    response = client.post(reverse("jobs:start", args=["search-reindex"]))
    job = Job.objects.get()
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    services.job_run(job.pk)
    job.refresh_from_db()
    assert job.state == "done" and job.total >= 1 and Document.objects.filter(kind="customer").exists()


def test_a_broker_that_is_down_leaves_the_request_working_and_the_job_waiting(admin_user, flaky_kind, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("Redis unreachable")

    monkeypatch.setattr("django_q.tasks.async_task", down)
    assert queue.push_now("kefu.jobs.tasks.run_job", 1) is False
    job = services.job_start(actor=admin_user, kind="test-kind")  # no exception for the user
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    monkeypatch.undo()
    assert services.requeue_waiting() == 1
    from django_q.models import OrmQ

    assert OrmQ.objects.count() == 1


def test_the_worker_refuses_to_start_without_its_broker(monkeypatch):
    from kefu.jobs import health

    monkeypatch.setattr(health, "check_broker", lambda: health.BrokerCheck(False, "ConnectionError: refused"))
    with pytest.raises(CommandError, match="cannot reach the task broker: ConnectionError: refused"):
        call_command("worker", "--check")


def test_the_worker_check_creates_the_schedules(capsys):
    from django_q.models import Schedule

    call_command("worker", "--check")
    names = set(Schedule.objects.values_list("name", flat=True))
    assert {"heartbeat", "sla-sweep", "search-reconcile", "jobs-requeue"} <= names
    call_command("worker", "--check")
    assert Schedule.objects.count() == len(names)  # idempotent
    assert "task broker: ORM default" in capsys.readouterr().out


def test_the_status_page_shows_the_scheduler_and_failures(admin_user, client):
    client.force_login(admin_user)
    page = client.get(reverse("jobs:status")).content.decode()
    assert 'data-scheduler="late"' in page and "kefu worker" in page
    services.beat()
    assert 'data-scheduler="ok"' in client.get(reverse("jobs:status")).content.decode()
    agent = User.objects.create_user(username="agent9", password="x", role="agent")
    client.force_login(agent)
    assert client.get(reverse("jobs:status")).status_code == 403


def test_reconciliation_indexes_rows_that_lost_their_index_entry(cast, customer):
    from kefu.search import tasks

    Document.objects.filter(kind="customer").delete()
    assert tasks.missing("customer") == [customer.pk]
    assert "customer 1" in tasks.reconcile()
    assert tasks.missing("customer") == []


def test_the_worker_command_line_gives_one_line_and_exit_1_without_redis(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "KEFU_VAR_DIR": str(tmp_path), "REDIS_URL": "redis://127.0.0.1:1/0"}
    env.pop("DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-m", "kefu.cli", "worker"], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert lines == [lines[0]] and lines[0].startswith("CommandError: cannot reach the task broker: ConnectionError")
    assert "Traceback" not in done.stderr


def test_a_failure_that_quotes_a_phone_number_shows_it_masked(admin_user):
    def run(params, progress):
        raise ValueError("客户 13812345678 的记录无法读取")

    registry.register(registry.JobKind("test-pii", "测试任务", run, "admin"))
    try:
        job = services.job_start(actor=admin_user, kind="test-pii")
        services.job_run(job.pk)
        assert Job.objects.get(pk=job.pk).error == "ValueError: 客户 138****5678 的记录无法读取"
        for _attempt in range(2):
            Job.objects.filter(pk=job.pk).update(retry_at=timezone.now())
            services.job_run(job.pk)
        job.refresh_from_db()
        assert job.state == "failed" and "13812345678" not in job.error
    finally:
        registry._KINDS.pop("test-pii")
