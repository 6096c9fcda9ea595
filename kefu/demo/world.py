"""The generated cast that the generators share: staff, departments and customers."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime

from kefu.accounts.models import Department, User
from kefu.customers.models import Customer

SEED = 20261122


@dataclass
class DemoCustomer:
    """What the complaint stories need to know about a generated customer."""

    customer: Customer
    phone: str
    contact_person: str = ""  # for group customers: who calls on the company's behalf


@dataclass
class World:
    """The generated cast, passed to the complaint stories."""

    now: datetime
    rng: random.Random
    staff: dict[str, User]
    departments: dict[str, Department]
    people: list[DemoCustomer] = field(default_factory=list)
    groups: list[DemoCustomer] = field(default_factory=list)
    seed: int = SEED


# Who logs a contact on each channel.
CHANNEL_STAFF = {
    "counter": ("counter",),
    "account_manager": ("am", "am2"),
    "phone_manager": ("agent3",),
    "onsite": ("broadband",),
    "miit": ("supervisor",),
    "consumer": ("supervisor",),
    "citizen": ("supervisor2",),
    "group_web": ("supervisor2",),
}
DEFAULT_STAFF = ("agent", "agent", "agent2", "agent3")


def staff_for_channel(world: World, channel: str) -> User:
    return world.staff[world.rng.choice(CHANNEL_STAFF.get(channel, DEFAULT_STAFF))]
