"""The versioned update: one winner; the loser is told who changed the record and when."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.translation import override

from kefu.accounts.models import User
from kefu.knowledge.models import KnowledgeEntry
from kefu.lib.errors import Conflict
from kefu.workflow import versioned
from kefu.workflow.events import jsonable

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry() -> KnowledgeEntry:
    author = User.objects.create(username="wangfang", full_name="王芳")
    return KnowledgeEntry.objects.create(
        entry_id="t1", kind="script", title="标题", data={}, created_by=author, updated_by=author
    )


def test_the_winner_bumps_the_version_and_the_loser_gets_who_and_when(entry):
    winner = User.objects.create(username="lijing", full_name="李静")
    new = versioned.versioned_update(
        KnowledgeEntry, pk=entry.pk, version=1, changes={"title": "新标题", "updated_by": winner}
    )
    assert new == 2
    entry.refresh_from_db()
    assert (entry.title, entry.version) == ("新标题", 2)
    with override("zh-hans"), pytest.raises(Conflict) as lost:
        versioned.versioned_update(
            KnowledgeEntry,
            pk=entry.pk,
            version=1,
            changes={"title": "迟到的标题"},
            last_change=versioned.last_change_by(KnowledgeEntry, entry.pk),
            what="条目",
        )
    when = timezone.localtime(entry.updated_at).strftime("%Y-%m-%d %H:%M:%S")
    assert lost.value.message == f"李静 已于 {when} 修改了这条条目。请刷新查看对方的修改后再试。"
    assert lost.value.status == 409
    entry.refresh_from_db()
    assert (entry.title, entry.version) == ("新标题", 2)


def test_extra_conditions_must_still_hold(entry):
    with override("en"), pytest.raises(Conflict, match="Someone else changed this record"):
        versioned.versioned_update(
            KnowledgeEntry, pk=entry.pk, version=1, changes={"title": "x"}, extra_filter={"is_active": False}
        )
    assert KnowledgeEntry.objects.get(pk=entry.pk).version == 1


def test_check_version_refuses_only_a_stale_version():
    versioned.check_version(None, 3)
    versioned.check_version(3, 3)
    with pytest.raises(Conflict):
        versioned.check_version(2, 3)


def test_event_data_is_made_json_safe(entry):
    at = datetime(2026, 11, 29, 9, 30, tzinfo=timezone.get_current_timezone())
    assert jsonable({"amount": Decimal("12.50"), "at": at, "entry": entry, "n": 1, "x": None}) == {
        "amount": "12.50",
        "at": at.isoformat(),
        "entry": entry.pk,
        "n": 1,
        "x": None,
    }
