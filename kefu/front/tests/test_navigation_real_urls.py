"""Navigation against the real URL configuration: every entry routed, each role its exact list."""

from __future__ import annotations

import pytest
from django.urls import resolve

from kefu.accounts.roles import Role

pytestmark = pytest.mark.django_db

EXPECTED = {
    Role.AGENT: ["home", "customers", "contacts", "complaints", "search", "knowledge", "training"],
    Role.TRAINER: ["home", "knowledge", "training"],
    Role.TECHNICIAN: ["home", "knowledge", "training", "onsite"],
    Role.DISPATCHER: ["home", "customers", "contacts", "search", "knowledge", "training", "onsite"],
    Role.MANAGER: [
        "home", "customers", "contacts", "complaints", "search", "knowledge", "quality", "onsite", "surveys",
        "insights",
    ],
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_each_role_gets_exactly_its_sections_and_every_link_resolves(client, django_user_model, role):
    client.force_login(django_user_model.objects.create_user(username=f"u-{role}", password="x", role=role))
    items = client.get("/").context["nav_items"]
    assert [item.key for item in items] == EXPECTED[role]
    for item in items:
        resolve(item.url.split("?")[0])  # raises Resolver404 for a link to nowhere
