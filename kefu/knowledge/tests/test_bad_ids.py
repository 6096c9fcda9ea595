"""Id and version parameters that are not plain ASCII numbers are ignored, never a server error."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

# "²" passes str.isdigit() and crashes int(); "３" passes str.isdecimal(); the last overflows bigint.
BAD_IDS = ["²", "３", "99999999999999999999999"]


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("bad", BAD_IDS)
def test_an_assist_link_with_a_bad_customer_or_complaint_id_opens_the_page_without_it(cast, bad) -> None:  # type: ignore[no-untyped-def]
    response = _client(cast["agent"]).get(reverse("knowledge:assist"), {"customer": bad, "complaint": bad})
    assert response.status_code == 200
    assert response.context["linked"] == []


@pytest.mark.parametrize("bad", BAD_IDS)
def test_archiving_with_a_bad_version_is_not_a_server_error(cast, bad) -> None:  # type: ignore[no-untyped-def]
    response = _client(cast["supervisor"]).post(
        reverse("knowledge:archive", args=["warm.thanks_trust"]), {"version": bad}
    )
    assert response.status_code in (302, 409)
