"""Date fields show their value in Chinese too (the browser's date input takes only ISO)."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from django import forms
from django.urls import reverse
from django.utils import timezone, translation

from kefu.lib.widgets import DateInput, DateTimeInput


class _Form(forms.Form):
    day = forms.DateField(widget=DateInput())
    at = forms.DateTimeField(widget=DateTimeInput())


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_date_widgets_render_iso_whatever_the_language(language: str) -> None:
    with translation.override(language):
        html = str(_Form(initial={"day": date(2026, 11, 29), "at": datetime(2026, 11, 29, 9, 30)}))
    assert 'type="date"' in html and 'value="2026-11-29"' in html
    assert 'type="datetime-local"' in html and 'value="2026-11-29T09:30"' in html


def _date_values(html: str) -> list[str]:
    return re.findall(r'<input type="date"[^>]*value="([^"]*)"', html)


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["insights:index", "surveys:index", "surveys:gaps"])
def test_report_pages_show_their_default_period_in_the_date_fields(client, cast, url: str) -> None:  # type: ignore[no-untyped-def]
    client.force_login(cast["manager"])
    page = client.get(reverse(url), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    values = _date_values(page.content.decode())
    assert len(values) == 2, values
    assert values[1] == timezone.localdate().isoformat()
    assert values[0] < values[1]
