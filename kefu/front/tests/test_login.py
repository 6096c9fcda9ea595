from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = [pytest.mark.django_db, pytest.mark.urls("kefu.front.tests.urls")]


def test_login_page_speaks_chinese_by_default(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "登录" in html
    assert "客服 Kefu" in html
    assert "Sign in" not in html


def test_login_page_speaks_english_after_switching_language(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": reverse("login")}, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Sign in to Kefu" in html
    assert "登录" not in html


def test_switching_back_to_chinese(client):
    client.post("/i18n/setlang/", {"language": "en"})
    client.post("/i18n/setlang/", {"language": "zh-hans"})
    assert "登录" in client.get(reverse("login")).content.decode()


def test_wrong_password_shows_an_error(client, django_user_model):
    django_user_model.objects.create_user(username="agent1", password="right-password", role="agent")
    response = client.post(reverse("login"), {"username": "agent1", "password": "wrong"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="alert alert-danger"' in html
    assert "请输入一个正确的" in html  # Django's own zh_Hans message for a bad login
    assert "_auth_user_id" not in client.session


def test_right_password_signs_in_and_goes_to_the_workbench(client, django_user_model):
    django_user_model.objects.create_user(username="agent1", password="right-password", role="agent")
    response = client.post(reverse("login"), {"username": "agent1", "password": "right-password"})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_signed_in_user_skips_the_login_page(client, django_user_model):
    user = django_user_model.objects.create_user(username="agent1", password="x", role="agent")
    client.force_login(user)
    assert client.get(reverse("login")).status_code == 302


def test_logout_is_a_post_and_ends_the_session(client, django_user_model):
    user = django_user_model.objects.create_user(username="agent1", password="x", role="agent")
    client.force_login(user)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def test_signing_out_tells_the_browser_to_drop_the_sites_caches_and_storage(client, django_user_model):
    """The on-site service worker keeps copies of a technician's pages (Cache API) and its queue in
    localStorage; on a shared phone they must not outlive the session."""
    user = django_user_model.objects.create_user(username="tech1", password="x", role="technician")
    client.force_login(user)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    directives = {part.strip() for part in response["Clear-Site-Data"].split(",")}
    assert directives == {'"cache"', '"storage"'}
    assert "Clear-Site-Data" not in client.get(reverse("login"))  # only the sign-out answer clears
