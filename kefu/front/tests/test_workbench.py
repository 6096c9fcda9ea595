"""The workbench is built from the panels the apps register; front knows none of them."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from kefu.front import workbench

pytestmark = pytest.mark.django_db


@pytest.fixture
def training_panel():
    panel = workbench.Panel(
        key="training-test",
        order=5,
        applies=lambda user: user.username == "trainer-x",
        render=lambda request: '<p id="my-drills">今日练习 3 项</p>',
        update=lambda request: HttpResponse('<div id="drills">第 2 页</div>'),
        targets=frozenset({"drills"}),
        shortcuts=lambda user: [workbench.Shortcut("开始陪练", "/training/start/", key="t")],
    )
    workbench.register(panel)
    yield panel
    workbench._PANELS.pop(panel.key)


def test_a_registered_panel_appears_for_the_users_it_applies_to(client: Client, cast, training_panel):
    from kefu.accounts.models import User

    trainer = User.objects.create_user(username="trainer-x", password="x", role="trainer")
    client.force_login(trainer)
    html = client.get(reverse("home")).content.decode()
    assert '<p id="my-drills">今日练习 3 项</p>' in html and "开始陪练" in html and 'data-key="t"' in html
    assert "工作台上暂时没有您的工作" not in html
    fragment = client.get(reverse("home") + "?page=2", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="drills")
    assert fragment.content.decode() == '<div id="drills">第 2 页</div>'
    client.force_login(cast["agent"])
    html = client.get(reverse("home")).content.decode()
    assert "my-drills" not in html and 'data-panel="complaints"' in html


def test_panels_come_in_their_order(cast, training_panel):
    keys = [p.key for p in workbench.panels_for(cast["supervisor"])]
    assert keys == ["complaints"]
    assert workbench.panels_for(cast["outsider"]) == []


def test_the_front_app_runs_its_own_config():
    """Two AppConfigs live in front/apps.py; Django must still pick FrontConfig (its ready hooks run)."""
    from django.apps import apps

    from kefu.front.apps import FrontConfig

    assert type(apps.get_app_config("front")) is FrontConfig
