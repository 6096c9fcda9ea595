"""Two editors at once on one phrasebook entry: one wins, the other gets Conflict (409), never a 500."""

from __future__ import annotations

import pytest

from kefu.complaints.tests.test_concurrency import race
from kefu.knowledge import services
from kefu.knowledge.models import KnowledgeEntry
from kefu.knowledge.selectors import site_library
from kefu.lib.errors import Conflict

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_editors_archiving_the_same_built_in_entry_get_one_archive_and_one_conflict(cast):
    entry_id = site_library().entries[0].id

    def archive(user):  # type: ignore[no-untyped-def]
        return lambda: services.entry_set_active(actor=user, entry_id=entry_id, active=False, expected_version=None)

    results = race(archive(cast["supervisor"]), archive(cast["manager"]))
    assert sum(isinstance(r, KnowledgeEntry) for r in results) == 1, results
    assert sum(isinstance(r, Conflict) for r in results) == 1, results
    assert KnowledgeEntry.objects.filter(entry_id=entry_id, is_active=False).count() == 1


def test_turns_posted_at_once_are_each_saved_with_their_own_number(cast):
    from django.test import Client

    from kefu.knowledge.models import AssistSession

    session = AssistSession.objects.create(agent=cast["agent"])
    url = f"/knowledge/assist/{session.pk}/"

    def post(text):  # type: ignore[no-untyped-def]
        def call():  # type: ignore[no-untyped-def]
            client = Client()
            client.force_login(cast["agent"])
            return client.post(url, {"speaker": "customer", "text": text}, headers={"HX-Request": "true"})

        return call

    said = [f"第{i}句" for i in range(1, 6)]
    results = race(*(post(text) for text in said))
    assert [getattr(r, "status_code", r) for r in results] == [200] * 5
    assert sorted(session.turns.values_list("text", flat=True)) == sorted(said)
    assert list(session.turns.values_list("seq", flat=True)) == [1, 2, 3, 4, 5]
