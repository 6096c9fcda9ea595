"""The public-link throttle counts an IPv6 client by its /64: one phone or home line is given a whole
/64 and can send each guess from a new address in it."""

from __future__ import annotations

import pytest

from kefu.accounts.throttle import link_block_remaining, link_failure_record


@pytest.fixture(autouse=True)
def _small_limit(settings):  # type: ignore[no-untyped-def]
    settings.KEFU_LINK_FAILURE_LIMIT = 3
    settings.KEFU_LINK_FAILURE_WINDOW = 10**6  # one window for the whole test


def test_guesses_from_new_addresses_in_one_ipv6_64_are_counted_together() -> None:
    for host in range(1, 4):
        link_failure_record(address=f"2001:db8:1:2::{host:x}")
    assert link_block_remaining(address="2001:db8:1:2:ffff::9") > 0
    assert link_block_remaining(address="2001:db8:1:3::1") == 0  # the next /64 is someone else


def test_ipv4_addresses_are_counted_one_by_one() -> None:
    for _attempt in range(3):
        link_failure_record(address="198.51.100.7")
    assert link_block_remaining(address="198.51.100.7") > 0
    assert link_block_remaining(address="198.51.100.8") == 0
    assert link_block_remaining(address="") == 0  # no REMOTE_ADDR (a Unix socket): not a network
