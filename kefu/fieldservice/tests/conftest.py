"""A small on-site cast: a dispatcher, two technicians on duty today, a customer with an address."""

from __future__ import annotations

import base64
import struct
import zlib
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from kefu.accounts.models import User
from kefu.accounts.roles import Role
from kefu.customers.models import Customer, PhoneNumber
from kefu.fieldservice import services
from kefu.fieldservice.models import Shift, WorkOrder


def png_bytes(width: int = 60, height: int = 30, ink: bool = True) -> bytes:
    """An RGBA PNG as the signature pad makes it: transparent, with a black stroke when ``ink``."""
    rows = []
    for y in range(height):
        row = bytearray(b"\x00")
        for x in range(width):
            drawn = ink and abs(y - height // 2) <= 1 and 5 <= x < width - 5
            row += b"\x00\x00\x00\xff" if drawn else b"\x00\x00\x00\x00"
        rows.append(bytes(row))
    raw = zlib.compress(b"".join(rows))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


@pytest.fixture
def onsite(cast: dict[str, User], departments: dict[str, Any]) -> dict[str, Any]:
    mk = User.objects.create_user
    dispatcher = mk(username="dispatch", password="pass12345", role=Role.DISPATCHER, full_name="钱卫东",
                    employee_no="XH21001", department=departments["network"])
    tech = mk(username="tech", password="pass12345", role=Role.TECHNICIAN, full_name="孙志刚",
              employee_no="XH21208", department=departments["network"])
    tech2 = mk(username="tech2", password="pass12345", role=Role.TECHNICIAN, full_name="刘强",
               employee_no="XH21215", department=departments["network"])
    customer = Customer.objects.create(name="张伟", address="浙江省杭州市西湖区文三路90号3幢502室",
                                       account_manager=None)
    PhoneNumber.objects.create(customer=customer, number="13812345678", is_primary=True)
    today = timezone.localdate()
    for t in (tech, tech2):
        Shift.objects.create(technician=t, day=today, area="浙江省杭州市西湖区")
        Shift.objects.create(technician=t, day=today + timedelta(days=1), area="浙江省杭州市西湖区")
    return {**cast, "dispatcher": dispatcher, "tech": tech, "tech2": tech2, "customer": customer, "today": today}


def window(day: Any, hour: int) -> datetime:
    return services.window_for(day, hour)[0]


@pytest.fixture
def booked(onsite: dict[str, Any]) -> WorkOrder:
    """A repair booked for tomorrow 10:00 with ``tech``."""
    order = services.order_create(actor=onsite["dispatcher"], customer=onsite["customer"], order_type="repair",
                                  description="宽带无法上网，光猫LOS灯红", equipment="光猫")
    return services.order_book(actor=onsite["dispatcher"], order=order, technician=onsite["tech"],
                               window_start=window(onsite["today"] + timedelta(days=1), 10))
