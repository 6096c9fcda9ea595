from __future__ import annotations

import pytest
from django.template.loader import render_to_string

pytestmark = [pytest.mark.django_db, pytest.mark.urls("kefu.front.tests.urls")]


def test_missing_page_gets_the_branded_404_in_chinese(client, django_user_model):
    client.force_login(django_user_model.objects.create_user(username="a", password="x", role="agent"))
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "页面或记录不存在" in html
    assert "返回工作台" in html
    assert 'class="nav' in html  # still inside the layout, so the user can navigate on


def test_server_error_page_renders_without_any_context():
    html = render_to_string("500.html")
    assert "系统出错了" in html
    assert "{%" not in html
