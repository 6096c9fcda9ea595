"""Shared fixtures: a small cast of role users, as in healthchecks' BaseTestCase."""

from __future__ import annotations

import pytest

from kefu.accounts.models import Department, User
from kefu.accounts.roles import Role
from kefu.customers.choices import Tier
from kefu.customers.models import Customer, PhoneNumber


@pytest.fixture(autouse=True)
def _fast_passwords(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def departments(db):  # type: ignore[no-untyped-def]
    return {
        "network": Department.objects.create(code="network", name="网络维护部"),
        "billing": Department.objects.create(code="billing", name="计费账务部"),
        "front": Department.objects.create(code="front", name="客服中心", handles_complaints=False),
    }


def _user(username: str, role: str, department: Department | None = None, full_name: str = "") -> User:
    return User.objects.create_user(
        username=username, password="pass12345", role=role, department=department, full_name=full_name or username
    )


@pytest.fixture
def cast(departments):  # type: ignore[no-untyped-def]
    """agent, handler (network), other_handler (billing), supervisor, manager, qa, outsider."""
    return {
        "agent": _user("agent", Role.AGENT, departments["front"], "王小丽"),
        "handler": _user("handler", Role.HANDLER, departments["network"], "李建国"),
        "other_handler": _user("other", Role.HANDLER, departments["billing"], "赵敏"),
        "supervisor": _user("supervisor", Role.SUPERVISOR, departments["front"], "陈主管"),
        "supervisor2": _user("supervisor2", Role.SUPERVISOR, departments["front"], "周主管"),
        "manager": _user("manager", Role.MANAGER, departments["front"], "孙经理"),
        "qa": _user("qa", Role.QA, None, "质检员"),
        "outsider": _user("trainer", Role.TRAINER, None, "培训师"),
    }


@pytest.fixture
def customer(db):  # type: ignore[no-untyped-def]
    c = Customer.objects.create(name="张伟", tier=Tier.VIP_GOLD, id_number="110101198001011234", persona="tiger")
    PhoneNumber.objects.create(customer=c, number="13812345678", is_primary=True)
    return c
