from __future__ import annotations

from datetime import timedelta

import pytest
from django import forms
from django.core.paginator import Paginator
from django.template import RequestContext, Template
from django.test import RequestFactory
from django.utils import timezone, translation

from kefu.front.templatetags.kefu_front import compact_duration, sla_info, status_tone


def render(source: str, request=None, **context) -> str:
    request = request or RequestFactory().get("/")
    with translation.override("zh-hans"):
        return Template("{% load i18n kefu_front %}" + source).render(RequestContext(request, context))


def test_status_badge_picks_a_tone_from_the_status_and_shows_the_label():
    html = render('{% include "front/includes/status_badge.html" with status="approved" label="已批准" %}')
    assert 'class="badge badge-success"' in html
    assert "已批准" in html


def test_status_badge_tone_can_be_overridden_and_unknown_statuses_are_neutral():
    assert status_tone("approved", "danger") == "danger"
    assert status_tone("something_else") == "neutral"
    assert status_tone("approved", "no-such-tone") == "success"


@pytest.mark.parametrize(
    ("minutes", "overdue", "state", "text"),
    [
        (60 * 26, False, "ok", "剩余 1天2小时"),
        (90, False, "warn", "剩余 1小时30分"),
        (-45, False, "late", "已超时 45分钟"),
        (300, True, "late", "已超时"),
    ],
)
def test_sla_badge_is_green_amber_or_red(minutes, overdue, state, text):
    now = timezone.now()
    with translation.override("zh-hans"):
        info = sla_info(now + timedelta(minutes=minutes), overdue, now=now)
    assert (info.state, info.text) == (state, text)


def test_sla_badge_renders_the_deadline_and_ticks_in_the_browser():
    deadline = timezone.now() + timedelta(hours=5)
    html = render('{% include "front/includes/sla_badge.html" with deadline=d overdue=False %}', d=deadline)
    assert 'class="sla sla-ok"' in html
    assert "data-deadline=" in html
    assert "截止" in html


def test_sla_badge_with_working_time_left_does_not_tick():
    html = render(
        '{% include "front/includes/sla_badge.html" with deadline=d remaining=r warn_minutes=60 %}',
        d=timezone.now() + timedelta(days=3),
        r=timedelta(minutes=50),
    )
    assert "sla-warn" in html
    assert "data-deadline" not in html


def test_sla_badge_without_deadline_is_grey():
    assert 'class="sla sla-none"' in render(
        '{% include "front/includes/sla_badge.html" with deadline=None %}'
    )


def test_compact_duration_in_english():
    with translation.override("en"):
        assert compact_duration(timedelta(days=2, hours=3, minutes=5)) == "2d 3h"
        assert compact_duration(timedelta(minutes=7)) == "7m"


def test_pagination_keeps_filters_and_elides_pages():
    request = RequestFactory().get("/complaints/", {"state": "open", "page": "6"})
    page = Paginator(list(range(400)), 20).page(6)
    html = render('{% include "front/includes/pagination.html" with page=page %}', page=page, request=request)
    assert 'href="?state=open&amp;page=5"' in html
    assert 'href="?state=open&amp;page=7"' in html
    assert 'aria-current="page">6<' in html
    assert "…" in html
    assert "第 101–120 条，共 400 条" in html


def test_pagination_is_silent_for_a_single_page():
    page = Paginator([1, 2], 20).page(1)
    assert render('{% include "front/includes/pagination.html" with page=page %}', page=page).strip() == ""


class _Form(forms.Form):
    phone = forms.CharField(label="电话", help_text="11 位手机号")
    note = forms.CharField(label="备注", required=False, widget=forms.Textarea)
    urgent = forms.BooleanField(label="紧急", required=False)

    def clean(self):
        raise forms.ValidationError("请检查表单")


def test_field_include_shows_label_required_marker_help_and_errors():
    form = _Form(data={"phone": ""})
    html = render('{% include "front/includes/field.html" with field=form.phone %}', form=form)
    assert "has-error" in html
    assert "field-required" in html
    assert "11 位手机号" in html
    with translation.override("zh-hans"):
        assert f"<li>{form.errors['phone'][0]}</li>" in html
    assert 'aria-invalid="true"' in html


def test_form_fields_include_renders_every_field_and_top_errors():
    form = _Form(data={"phone": "13812345678"})
    html = render('{% include "front/includes/form_fields.html" with form=form %}', form=form)
    assert "请检查表单" in html
    assert 'class="check"' in html
    assert "备注" in html
    assert "field-required" not in html.split("备注")[1].split("</label>")[0]


def test_empty_state_has_a_default_title_and_optional_action():
    html = render('{% include "front/includes/empty.html" with action_url="/new/" action_label="新建" %}')
    assert "暂无内容" in html
    assert 'href="/new/"' in html


def test_timeline_lists_items_with_time_actor_and_body():
    items = [
        {"at": timezone.now(), "title": "受理", "actor": "王小丽", "body": "第一行\n第二行", "tone": "info"},
        {"at": timezone.now(), "title": "审批通过", "tone": "success"},
    ]
    html = render('{% include "front/includes/timeline.html" with items=items %}', items=items)
    assert html.count('class="timeline-item') == 2
    assert "tone-success" in html
    assert "第一行<br>第二行" in html
    assert "暂无处理记录" in render('{% include "front/includes/timeline.html" with items=None %}')


def test_messages_include_can_be_swapped_out_of_band():
    html = render('{% include "front/includes/messages.html" with oob=True %}', messages=[])
    assert 'id="messages"' in html
    assert 'hx-swap-oob="beforeend"' in html
