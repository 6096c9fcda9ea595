from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from kefu.accounts.models import User
from kefu.accounts.roles import Role
from kefu.customers.models import Contact, Customer


@pytest.fixture
def account_manager(db) -> User:  # type: ignore[no-untyped-def]
    return User.objects.create_user(
        username="am", password="pass12345", role=Role.ACCOUNT_MANAGER, full_name="客户经理"
    )


def add_contacts(customer: Customer, agent: User, n: int, *, summary: str = "咨询话费") -> list[Contact]:
    """``n`` contacts, one an hour, the newest first in the returned list."""
    now = timezone.now()
    contacts = [
        Contact(
            customer=customer,
            phone="13812345678",
            channel="hotline",
            category="consult",
            summary=f"{summary}{i}",
            agent=agent,
            occurred_at=now - timedelta(hours=i + 1),
        )
        for i in range(n)
    ]
    return Contact.objects.bulk_create(contacts)
