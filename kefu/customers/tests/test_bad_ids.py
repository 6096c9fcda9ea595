"""Id parameters that are not plain ASCII numbers are ignored, never a server error."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = [pytest.mark.django_db, pytest.mark.urls("kefu.customers.tests.urls")]

# "²" passes str.isdigit() and crashes int(); "３" passes str.isdecimal(); the last overflows bigint.
BAD_IDS = ["²", "３", "99999999999999999999999", "-1", " 1"]


@pytest.mark.parametrize("bad", BAD_IDS)
def test_the_logger_ignores_a_customer_or_saved_id_that_is_not_a_number(client, cast, bad) -> None:  # type: ignore[no-untyped-def]
    client.force_login(cast["agent"])
    assert client.get(reverse("contacts:new"), {"saved": bad}).status_code == 200
    assert client.get(reverse("contacts:new"), {"customer": bad}).status_code == 200
