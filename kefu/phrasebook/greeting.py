"""The opening line that fits the channel, the time of day and the date.

Implements norm phone.open.time_greeting (and the opening norms it goes
with: phone.open.greeting, phone.open.identify, phone.open.offer_help,
phone.open.convenient for outbound calls).

Time-of-day buckets: 05:00–10:59 早上好, 11:00–12:59 中午好, 13:00–17:59
下午好, otherwise 晚上好. From Chinese New Year's Eve (the last day of the
twelfth lunar month, 29 or 30) through the Lantern Festival (正月十五)
inclusive the greeting is 新年好 at any hour: the seed says "除夕到元宵节",
and people still wish 新年好 on the Lantern Festival itself.

Every opening starts with 您好 because QA flags any other first word
(phone.open.greeting); the time greeting follows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from lunar_python import Solar

CHANNELS = ("phone", "outbound", "counter", "chat")

_TEMPLATES: dict[str, str] = {
    "phone": "您好，{greeting}！这里是{company}{department}，我是{agent}，很高兴为您服务，请问有什么可以帮您？",
    "outbound": "您好，{greeting}！我是{company}{department}的{agent}，请问是{customer}吗？请问您现在方便接听电话吗？",
    "counter": "您好，{greeting}！欢迎光临{company}{department}，我是{agent}，请坐，请问您需要办理什么业务？",
    "chat": "您好，{greeting}！我是{company}{department}在线客服{agent}，很高兴为您服务，请问有什么可以帮您？",
}


@dataclass(frozen=True, slots=True)
class Greeting:
    greeting: str  # the bare time greeting, e.g. 下午好
    text: str  # the whole opening line
    festival: bool  # True during 除夕…元宵
    cites: tuple[str, ...]


def is_new_year_period(day: date) -> bool:
    """True from Chinese New Year's Eve through the Lantern Festival (lunar 1/15) inclusive."""
    lunar = Solar.fromYmd(day.year, day.month, day.day).getLunar()
    month, lunar_day = lunar.getMonth(), lunar.getDay()
    if month == 1 and lunar_day <= 15:
        return True
    if month == 12:
        # 除夕 is the day before 正月初一, whether the twelfth month has 29 or 30 days.
        tomorrow = Solar.fromYmd(*_ymd(day + timedelta(days=1))).getLunar()
        return bool(tomorrow.getMonth() == 1 and tomorrow.getDay() == 1)
    return False


def _ymd(day: date) -> tuple[int, int, int]:
    return day.year, day.month, day.day


def time_greeting(moment: datetime) -> str:
    """早上好 / 中午好 / 下午好 / 晚上好, or 新年好 from 除夕 to 元宵."""
    if is_new_year_period(moment.date()):
        return "新年好"
    hour = moment.hour
    if 5 <= hour < 11:
        return "早上好"
    if 11 <= hour < 13:
        return "中午好"
    if 13 <= hour < 18:
        return "下午好"
    return "晚上好"


def opening(
    *,
    moment: datetime,
    channel: str = "phone",
    company: str,
    department: str = "",
    agent: str,
    customer: str = "",
) -> Greeting:
    """The full opening line for ``channel`` at ``moment`` with names filled in.

    ``customer`` is only used on outbound calls (confirming who answered);
    it defaults to a neutral 机主本人.
    """
    if channel not in _TEMPLATES:
        raise ValueError(f"unknown channel {channel!r}; one of {', '.join(CHANNELS)}")
    greeting = time_greeting(moment)
    text = _TEMPLATES[channel].format(
        greeting=greeting,
        company=company.strip(),
        department=department.strip(),
        agent=agent.strip(),
        customer=customer.strip() or "机主本人",
    )
    cites = ["phone.open.time_greeting", "phone.open.greeting", "phone.open.identify"]
    cites.append("phone.open.convenient" if channel == "outbound" else "phone.open.offer_help")
    return Greeting(greeting=greeting, text=text, festival=greeting == "新年好", cites=tuple(cites))
