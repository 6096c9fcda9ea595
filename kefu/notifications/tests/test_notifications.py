"""Notifications: created with their event, once per person and event; the bell, the list, e-mail by choice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from kefu.complaints import services
from kefu.complaints.flow import State
from kefu.complaints.models import Complaint
from kefu.complaints.tests.test_services import record, walk_to
from kefu.notifications import services as notifications
from kefu.notifications.models import Kind, Notification

pytestmark = pytest.mark.django_db


def _kinds(user) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("kind", flat=True))


def test_a_proposal_notifies_the_approvers_whose_limit_covers_it(cast):
    complaint = walk_to(cast, record(cast), State.ANALYSED)
    services.complaint_propose(complaint=complaint, actor=cast["handler"], remedy="refund", plan="退费", amount="800")
    assert _kinds(cast["manager"]) == [Kind.APPROVAL_WAITING]
    assert _kinds(cast["supervisor"]) == []  # 800 is above a supervisor's 500
    assert _kinds(cast["handler"]) == []


def test_escalation_and_sending_back_tell_the_right_people(cast):
    complaint = walk_to(cast, record(cast), State.ANALYSED)
    complaint = services.complaint_propose(
        complaint=complaint, actor=cast["handler"], remedy="refund", plan="退费", amount="100"
    )
    assert Kind.APPROVAL_WAITING in _kinds(cast["supervisor2"])
    complaint = services.complaint_send_back(complaint=complaint, actor=cast["supervisor"], comment="补充依据")
    note = Notification.objects.get(user=cast["handler"], kind=Kind.SENT_BACK)
    assert note.body == "补充依据" and note.url == complaint.get_absolute_url()


def test_a_regulator_complaint_tells_supervisors_and_managers(cast):
    record(cast, channel="miit")
    for role in ("supervisor", "supervisor2", "manager"):
        assert _kinds(cast[role]) == [Kind.REGULATOR]
    assert _kinds(cast["agent"]) == []


def test_a_dissatisfied_follow_up_tells_the_handler(cast):
    complaint = walk_to(cast, record(cast), State.IMPLEMENTED)
    services.complaint_follow_up(
        complaint=complaint, actor=cast["agent"], method="phone", done=True, helped=False, satisfaction=2
    )
    assert Kind.REOPENED in _kinds(cast["handler"])


def test_the_sweep_flags_and_notifies_each_breach_once_however_often_it_runs(cast):
    late = walk_to(cast, record(cast), State.ASSIGNED)
    soon = walk_to(cast, record(cast), State.ASSIGNED)
    now = timezone.now()
    Complaint.objects.filter(pk=late.pk).update(step_due_at=now - timedelta(hours=1))
    Complaint.objects.filter(pk=soon.pk).update(step_due_at=now + timedelta(minutes=30))
    first = services.sla_flag_breaches(now=now, warn_minutes=60)
    again = services.sla_flag_breaches(now=now, warn_minutes=60)
    assert (first.flagged, first.warned) == (1, 1) and (again.flagged, again.warned, again.notified) == (0, 0, 0)
    assert Complaint.objects.get(pk=late.pk).sla_breached
    breaches = Notification.objects.filter(kind=Kind.SLA_BREACH)
    assert sorted(breaches.values_list("user__username", flat=True)) == ["handler", "supervisor", "supervisor2"]
    assert Notification.objects.filter(kind=Kind.SLA_WARNING, user=cast["handler"]).count() == 1
    assert Complaint.objects.get(pk=late.pk).events.filter(action="sla_breach").count() == 1


def test_a_sweep_after_downtime_catches_every_missed_breach(cast):
    complaints = [walk_to(cast, record(cast), State.ASSIGNED) for _ in range(3)]
    now = timezone.now()
    for hours, c in enumerate(complaints, start=1):  # missed over the last hours while no worker ran
        Complaint.objects.filter(pk=c.pk).update(step_due_at=now - timedelta(hours=hours))
    assert services.sla_flag_breaches(now=now).flagged == 3


def test_email_only_for_the_kinds_a_user_chose_and_only_once(cast, django_capture_on_commit_callbacks, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    manager = cast["manager"]
    manager.email = "sun@example.com"
    manager.save()
    notifications.set_preferences(manager, [Kind.REGULATOR])
    with django_capture_on_commit_callbacks(execute=True):
        record(cast, channel="miit")
    note = Notification.objects.get(user=manager)
    assert notifications.send_email(manager.pk, note.key) is True
    assert notifications.send_email(manager.pk, note.key) is False  # a task run twice sends once
    assert len(mail.outbox) == 1 and "监管渠道投诉" in mail.outbox[0].subject
    assert mail.outbox[0].to == ["sun@example.com"]
    cast["supervisor"].email = "chen@example.com"
    cast["supervisor"].save()
    sup_note = Notification.objects.get(user=cast["supervisor"])
    assert sup_note.emailed_at is None  # the supervisor did not ask for e-mail: no task was queued for them
    from django_q.models import OrmQ

    assert OrmQ.objects.count() == 1  # one e-mail task, for the manager


def test_the_bell_counts_unread_and_the_list_marks_read(client, cast):
    record(cast, channel="miit")
    client.force_login(cast["manager"])
    bell = client.get(reverse("notifications:bell")).content.decode()
    assert 'data-unread="1"' in bell
    page = client.get(reverse("home")).content.decode()
    assert 'hx-get="/notifications/bell/"' in page and "every 20s" in page
    listing = client.get(reverse("notifications:index")).content.decode()
    assert "监管渠道投诉" in listing and "is-unread" in listing
    note = Notification.objects.get(user=cast["manager"])
    response = client.post(reverse("notifications:read", args=[note.pk]))
    assert response.status_code == 302 and response["Location"] == note.url
    assert 'data-unread="0"' in client.get(reverse("notifications:bell")).content.decode()
    client.force_login(cast["supervisor"])
    client.post(reverse("notifications:read", args=[note.pk]))  # someone else's: nothing happens
    assert Notification.objects.get(pk=note.pk).user == cast["manager"]
    client.post(reverse("notifications:read_all"))
    assert not Notification.objects.filter(user=cast["supervisor"], read_at__isnull=True).exists()


def test_preferences_are_saved_per_kind(client, cast):
    client.force_login(cast["agent"])
    response = client.post(reverse("notifications:preferences"), {"email": [Kind.SLA_BREACH, "bogus"]})
    assert response.status_code == 302
    assert notifications.email_kinds(cast["agent"]) == {Kind.SLA_BREACH}
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert "处理环节已超时" in page and "还没有邮箱地址" in page


def test_a_number_typed_into_a_subject_or_comment_is_masked_in_the_notice_and_its_email(cast, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    complaint = walk_to(cast, record(cast, subject="请回电13812345678"), State.ANALYSED)
    complaint = services.complaint_propose(
        complaint=complaint, actor=cast["handler"], remedy="refund", plan="退费", amount="100"
    )
    services.complaint_send_back(complaint=complaint, actor=cast["supervisor"], comment="客户另一号码 139 1234 5678")
    note = Notification.objects.get(user=cast["handler"], kind=Kind.SENT_BACK)
    assert "138****5678" in note.title and note.body == "客户另一号码 139****5678"
    cast["handler"].email = "li@example.com"
    cast["handler"].save()
    notifications.send_email(cast["handler"].pk, note.key)
    sent = mail.outbox[0]
    assert "13812345678" not in sent.subject + sent.body and "1234 5678" not in sent.body


def test_notifications_are_written_in_the_site_language_whoever_caused_them(cast):
    from django.utils import translation

    with translation.override("en"):  # an English-speaking agent records it
        record(cast, channel="miit")
    assert Notification.objects.get(user=cast["manager"]).title.startswith("监管渠道投诉")
