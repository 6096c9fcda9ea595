"""A property-based run over every ``/api/v1/knowledge`` operation: documented answers, never a 500."""

from __future__ import annotations

import pytest
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections

from kefu.accounts.services import token_create
from kefu.knowledge import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def wsgi_app():  # type: ignore[no-untyped-def]
    """The real WSGI app, kept inside the test's transaction (as Django's test client does)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def test_generated_requests_get_documented_answers_and_never_a_server_error(cast, wsgi_app) -> None:  # type: ignore[no-untyped-def]
    schemathesis = pytest.importorskip("schemathesis")
    from hypothesis import HealthCheck, Phase, given, settings
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    # Something to find: a session (id 1 on SQLite) with a turn.
    session = services.assist_session_start(actor=cast["supervisor"], title="来电")
    services.assist_turn_add(session=session, speaker="customer", text="我要查一年前的详单")
    _, key = token_create(user=cast["supervisor"], name="fuzz")
    headers = {"Authorization": f"Bearer {key}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]

    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if not operation.path.removeprefix("/api/v1").startswith("/knowledge"):
            continue

        @settings(
            max_examples=10,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case):  # type: ignore[no-untyped-def]
            response = case.call(headers=headers)
            try:
                case.validate_response(response, checks=checks)
            except (Exception, BaseExceptionGroup) as exc:  # collect: one run reports every broken operation
                failures.append(f"{case.method} {case.formatted_path}: {exc}"[:1500])

        run()
    assert not failures, "\n\n".join(failures[:10])
