import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_an_english_browser_still_gets_chinese_by_default(client):
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert page.status_code == 200
    assert 'lang="zh-hans"' in page.content.decode()


def test_choosing_english_in_the_switcher_wins(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/login/"})
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert 'lang="en"' in page.content.decode()


def test_vendored_static_files_are_served_without_debug(client):
    assert settings.DEBUG is False
    response = client.get("/static/vendor/htmx/htmx.min.js")
    assert response.status_code == 200
