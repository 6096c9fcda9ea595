from __future__ import annotations

import pytest
from django.test import RequestFactory

from kefu.accounts.roles import Cap, Role
from kefu.front.context import NavEntry, build_navigation, navigation
from kefu.front.shortcuts import url_or_none

pytestmark = [pytest.mark.django_db, pytest.mark.urls("kefu.front.tests.urls")]


def _nav_keys(client) -> list[str]:
    response = client.get("/")
    return [item.key for item in response.context["nav_items"]]


def test_admin_sees_system_administration(client, django_user_model):
    client.force_login(django_user_model.objects.create_user(username="root", password="x", role=Role.ADMIN))
    html = client.get("/").content.decode()
    assert 'href="/admin/"' in html
    assert "系统管理" in html


def test_nav_hides_administration_from_everyone_else(client, django_user_model):
    for role in Role.values:
        if role == Role.ADMIN:
            continue
        client.force_login(
            django_user_model.objects.create_user(username=f"u-{role}", password="x", role=role)
        )
        html = client.get("/").content.decode()
        assert 'href="/admin/"' not in html, role
        assert "admin" not in _nav_keys(client), role


def test_agent_sees_workbench_complaints_and_search(client, django_user_model):
    client.force_login(django_user_model.objects.create_user(username="a", password="x", role=Role.AGENT))
    assert _nav_keys(client) == ["home", "complaints", "search"]  # customers/contacts are not routed here


def test_trainer_does_not_see_complaints(client, django_user_model):
    client.force_login(django_user_model.objects.create_user(username="t", password="x", role=Role.TRAINER))
    assert _nav_keys(client) == ["home"]


def test_user_caps_are_exposed_to_templates(client, django_user_model):
    client.force_login(
        django_user_model.objects.create_user(username="s", password="x", role=Role.SUPERVISOR)
    )
    caps = client.get("/").context["user_caps"]
    assert Cap.COMPLAINT_APPROVE in caps
    assert "complaint_approve" in caps  # plain strings work in {% if "…" in user_caps %}
    assert Cap.ADMIN not in caps


def test_the_current_section_is_marked_active(client, django_user_model):
    client.force_login(django_user_model.objects.create_user(username="a", password="x", role=Role.AGENT))
    items = {item.key: item for item in client.get("/complaints/").context["nav_items"]}
    assert items["complaints"].active
    assert not items["home"].active
    html = client.get("/complaints/").content.decode()
    assert 'aria-current="page"' in html


def test_top_bar_shows_name_role_language_switch_and_logout(client, django_user_model):
    user = django_user_model.objects.create_user(
        username="a", password="x", role=Role.AGENT, full_name="王小丽"
    )
    client.force_login(user)
    html = client.get("/").content.decode()
    assert "王小丽" in html
    assert user.get_role_display() in html
    assert 'action="/i18n/setlang/"' in html
    assert 'name="language" value="en"' in html
    assert 'action="/logout/"' in html
    assert "X-CSRFToken" in html
    assert 'id="global-search"' in html


def test_anonymous_user_gets_no_navigation():
    request = RequestFactory().get("/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    context = navigation(request)
    assert context["nav_items"] == []
    assert context["user_caps"] == frozenset()


def test_url_names_that_do_not_exist_yet_are_skipped():
    assert url_or_none("no-such:page") is None
    entries = (NavEntry("x", "no-such:page", "X"), NavEntry("home", "home", "Home"))
    assert [item.key for item in build_navigation(frozenset(), "/", entries)] == ["home"]


def test_navigation_follows_the_chosen_language(client, django_user_model):
    client.force_login(django_user_model.objects.create_user(username="a", password="x", role=Role.AGENT))
    assert "投诉" in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "en"})
    html = client.get("/").content.decode()
    assert ">Complaints</a>" in html
    assert ">Workbench</a>" in html
    assert "投诉" not in html
