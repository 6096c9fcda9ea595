"""Guessing survey links from one address is slowed down: after too many invalid links it gets 429."""

from __future__ import annotations

from kefu.surveys import tokens
from kefu.surveys.models import Survey
from kefu.surveys.tests.conftest import sent_survey


def _signed_link(settings, agent, customer, *, limit: int) -> tuple[Survey, str]:
    """A sent survey and its real link, with the throttle at ``limit`` failures in one window for the whole test."""
    settings.KEFU_LINK_FAILURE_LIMIT = limit
    settings.KEFU_LINK_FAILURE_WINDOW = 10**6
    survey = sent_survey(agent, customer)
    return survey, f"/s/{tokens.make(survey.pk, survey.nonce)}/"


def test_an_address_that_keeps_trying_invalid_links_is_refused_for_a_while(client, cast, customer, rule, settings):
    _, good = _signed_link(settings, cast["agent"], customer, limit=3)
    for attempt in range(2):
        assert client.get(f"/s/guess{attempt}/").status_code == 400
    assert client.get(good).status_code == 200  # under the limit a real link still opens
    assert client.get("/s/guess2/").status_code == 400  # the third: at the limit
    refused = client.get("/s/guess-again/")
    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= settings.KEFU_LINK_FAILURE_WINDOW
    assert "尝试次数过多" in refused.content.decode()
    assert "您所在的网络打开的无效链接过多" in refused.content.decode()  # says why and for how long, in Chinese
    assert "分钟后再试" in refused.content.decode()
    assert client.get("/s/guess3/", REMOTE_ADDR="10.0.0.9").status_code == 400  # another address is not affected


def test_valid_links_opened_many_times_are_never_refused(client, cast, customer, rule, settings):
    _, good = _signed_link(settings, cast["agent"], customer, limit=3)
    for _attempt in range(10):
        assert client.get(good).status_code == 200


def test_a_customer_sharing_a_blocked_address_still_answers_with_their_real_link(client, cast, customer, rule, settings):
    """Mobile carriers put many phones behind one address (carrier-grade NAT): someone guessing links
    there must not lock out a customer holding a link we signed, which no guess can produce."""
    survey, good = _signed_link(settings, cast["agent"], customer, limit=2)
    for attempt in range(3):
        client.get(f"/s/guess{attempt}/")
    assert client.get("/s/guess-more/").status_code == 429  # the guesses are refused
    assert client.get(good).status_code == 200
    assert client.post(good, {"csat": "5"}).status_code == 200
    survey.refresh_from_db()
    assert survey.answered_at is not None
