"""Django's and django-axes' own messages, as Kefu shows them in Chinese: translated, with Chinese punctuation."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import django
import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import translation

from kefu.accounts.models import User
from kefu.accounts.roles import Role

DJANGO = Path(django.__file__).parent
CATALOGUES = [
    DJANGO / "conf",
    *(DJANGO / "contrib" / app for app in ("admin", "auth", "contenttypes", "sessions")),
]
# A half-width stop, comma, colon or question mark right after a Chinese character, or a
# half-width stop or comma right before one: "确认总共不超过 10 个数字." or "重复数据.这个字段".
HALF_WIDTH = re.compile(r"[\u4e00-\u9fff][.,:;?!]|[.,][\u4e00-\u9fff]|[\u4e00-\u9fff] ?\.\s*$")


def _msgids(folder: Path) -> list[str | tuple[str, str]]:
    path = folder / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.mo"
    catalogue = gettext.GNUTranslations(path.open("rb"))._catalog  # type: ignore[attr-defined]
    ids: list[str | tuple[str, str]] = []
    for key in catalogue:
        if key == "":
            continue
        if isinstance(key, tuple):  # (msgid, plural index): ask ngettext for both forms
            singular = key[0].split("\x00")[0]
            plural = key[0].split("\x00")[1] if "\x00" in key[0] else singular
            ids.append((singular, plural))
        else:
            ids.append(key.split("\x00")[0])
    return ids


@pytest.mark.parametrize("folder", CATALOGUES, ids=lambda f: f.name)
def test_djangos_messages_use_chinese_punctuation(folder):
    offenders = []
    with translation.override("zh-hans"):
        for msgid in _msgids(folder):
            if msgid == "yes,no,maybe":  # a list the yesno filter splits at its commas
                continue
            text = translation.ngettext(*msgid, 2) if isinstance(msgid, tuple) else translation.gettext(msgid)
            if HALF_WIDTH.search(text):
                offenders.append(f"{msgid!r} → {text!r}")
    assert offenders == []


@pytest.mark.django_db
def test_a_too_long_amount_in_the_admin_is_refused_with_a_chinese_sentence(client):
    root = User.objects.create_superuser(username="root", password="pass12345", role=Role.ADMIN)
    client.force_login(root)
    response = client.post(reverse("admin:complaints_approvallimit_add"), {"role": "supervisor", "max_amount": "123456789012"})
    assert response.status_code == 200
    assert "请确认总共不超过 10 位数字。" in response.content.decode()


@pytest.mark.django_db
def test_the_admin_speaks_chinese_where_django_and_axes_do_not(client):
    root = User.objects.create_superuser(username="root", password="pass12345", role=Role.ADMIN)
    client.force_login(root)
    page = client.get(reverse("admin:index")).content.decode()
    for english in ("Model name", "Add link", "Change or view list link", "Access attempts", "Access logs", "Axes"):
        assert english not in page
    assert "模型名称" in page and "登录尝试" in page and "登录锁定" in page
    assert str(admin.site.site_header) not in ("Django administration", "Django 管理")
