"""Generated requests to the training API get documented answers, never a 5xx."""

from __future__ import annotations

import pytest

from kefu.training import services


@pytest.mark.django_db
def test_the_training_api_answers_every_generated_request_as_documented(api_fuzz, cast):
    paper = services.paper_create(actor=cast["outsider"], title="小测", quotas={"counter": 2},
                                  time_limit_minutes=10, pass_mark=60)
    services.attempt_start(paper=paper, trainee=cast["agent"])
    failures = api_fuzz(user=cast["agent"], prefixes=("/training",), max_examples=8)
    assert failures == [], "\n".join(failures)
