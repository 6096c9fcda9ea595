"""Two people deciding the same review at once: one wins, the other is told who — never a 500."""

from __future__ import annotations

import pytest

from kefu.complaints.tests.test_concurrency import race
from kefu.lib.errors import Conflict
from kefu.quality import reviews, services
from kefu.quality.models import Review, Scorecard
from kefu.quality.tests.test_import_and_score import GOOD

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_submissions_of_one_review_at_once_get_one_winner(cast):
    services.conversations_import(actor=cast["qa"], items=[(1, dict(GOOD))])
    reviews.sample()
    review = reviews.review_claim(review=Review.objects.get(), actor=cast["qa"])

    def submit(user):  # type: ignore[no-untyped-def]
        return lambda: reviews.review_submit(
            review=Review.objects.get(pk=review.pk), actor=user, decisions={}, manual=[], expected_version=2
        )

    results = race(submit(cast["qa"]), submit(cast["qa"]))  # a double click, or two tabs
    assert sum(isinstance(r, Review) for r in results) == 1, results
    assert sum(isinstance(r, Conflict) for r in results) == 1, results
    assert Scorecard.objects.filter(kind="reviewed").count() == 1
