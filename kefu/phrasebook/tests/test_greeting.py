"""The greeting fits the hour, Chinese New Year and the channel."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from kefu.phrasebook.greeting import is_new_year_period, opening, time_greeting


@pytest.mark.parametrize(
    ("hour", "expected"),
    [
        (5, "早上好"),
        (10, "早上好"),
        (11, "中午好"),
        (12, "中午好"),
        (13, "下午好"),
        (17, "下午好"),
        (18, "晚上好"),
        (23, "晚上好"),
        (2, "晚上好"),
    ],
)
def test_the_greeting_follows_the_hour(hour: int, expected: str) -> None:
    assert time_greeting(datetime(2026, 6, 10, hour, 30)) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 2, 15), False),  # 腊月廿八
        (date(2026, 2, 16), True),  # 除夕 (腊月廿九: the twelfth month has 29 days in 2025/26)
        (date(2026, 2, 17), True),  # 正月初一
        (date(2026, 3, 3), True),  # 正月十五 元宵节
        (date(2026, 3, 4), False),  # 正月十六
        (date(2025, 1, 28), True),  # 除夕 (腊月廿九)
        (date(2024, 2, 9), True),  # 除夕 (腊月三十)
        (date(2024, 2, 8), False),  # 腊月廿九 when the month has 30 days
    ],
)
def test_new_year_runs_from_new_years_eve_to_the_lantern_festival(day: date, expected: bool) -> None:
    assert is_new_year_period(day) is expected


def test_new_year_greeting_wins_at_any_hour() -> None:
    assert time_greeting(datetime(2026, 2, 17, 9, 0)) == "新年好"


def test_the_hotline_opening_names_company_department_and_agent() -> None:
    result = opening(
        moment=datetime(2026, 6, 10, 14, 0), company="鼓楼电信", department="客服中心", agent="8012号小林"
    )
    assert (
        result.text
        == "您好，下午好！这里是鼓楼电信客服中心，我是8012号小林，很高兴为您服务，请问有什么可以帮您？"
    )
    assert result.text.startswith("您好") and "喂" not in result.text
    assert "phone.open.time_greeting" in result.cites


def test_outbound_opening_confirms_identity_and_asks_if_convenient() -> None:
    result = opening(
        moment=datetime(2026, 2, 18, 20, 0),
        channel="outbound",
        company="广电网络",
        agent="维护员陈明",
        customer="李先生",
    )
    assert result.festival
    assert result.text.startswith("您好，新年好！")
    assert "请问是李先生吗" in result.text and "方便" in result.text


def test_an_unknown_channel_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown channel"):
        opening(moment=datetime(2026, 6, 10, 9), channel="fax", company="x", agent="y")
