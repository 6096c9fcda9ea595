"""A property-based run over every ``/api/v1/knowledge`` operation: documented answers, never a 500."""

from __future__ import annotations

import pytest

from kefu.knowledge import services

pytestmark = pytest.mark.django_db


def test_generated_requests_get_documented_answers_and_never_a_server_error(cast, api_fuzz) -> None:  # type: ignore[no-untyped-def]
    # Something to find: a session (id 1 on SQLite) with a turn.
    session = services.assist_session_start(actor=cast["supervisor"], title="来电")
    services.assist_turn_add(session=session, actor=cast["supervisor"], speaker="customer", text="我要查一年前的详单")
    failures = api_fuzz(user=cast["supervisor"], prefixes=("/knowledge",))
    assert not failures, "\n\n".join(failures[:10])
