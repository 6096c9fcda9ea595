"""The project's root URLconf mounts the front pages where the rest of Kefu expects them."""

from __future__ import annotations

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_root_urlconf_serves_login_language_switch_and_healthz(client):
    assert reverse("login") == "/login/"
    assert reverse("logout") == "/logout/"
    assert client.get("/login/").status_code == 200
    assert client.get("/healthz").content.decode().splitlines()[1] == "database: ok"
    assert client.post(reverse("set_language"), {"language": "en"}).status_code == 302
