"""Generated requests to the on-site API get documented answers, never a server error."""

from __future__ import annotations

from typing import Any


def test_generated_requests_get_documented_answers_and_never_a_server_error(
    onsite: dict[str, Any], booked: Any, api_fuzz: Any
) -> None:
    failures = api_fuzz(user=onsite["tech"], prefixes=("/onsite",), max_examples=12)
    assert failures == [], "\n".join(failures)
