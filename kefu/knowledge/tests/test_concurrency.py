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
