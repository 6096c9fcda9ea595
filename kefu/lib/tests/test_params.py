from __future__ import annotations

import pytest

from kefu.lib.params import BIGINT_MAX, INT_MAX, parse_id, parse_int, parse_version


@pytest.mark.parametrize("raw", ["1", "42", "0042", str(BIGINT_MAX), 7])
def test_plain_ascii_numbers_are_ids(raw: object) -> None:
    assert parse_id(raw) == int(raw)  # type: ignore[call-overload]


@pytest.mark.parametrize(
    "raw",
    ["", None, "²", "１", "٣", "-1", "+1", " 1", "1 ", "1_000", "1.0", "0", str(BIGINT_MAX + 1),
     "99999999999999999999999", "9" * 5000, True, 0, -3, 1.0, ["1"]],
)
def test_anything_else_is_not_an_id(raw: object) -> None:
    assert parse_id(raw) is None


def test_versions_stop_at_the_integer_column_and_may_be_zero() -> None:
    assert parse_version("0") == 0 and parse_version(str(INT_MAX)) == INT_MAX
    assert parse_version(str(INT_MAX + 1)) is None


def test_a_range_is_inclusive() -> None:
    assert parse_int("5", minimum=5, maximum=5) == 5
    assert parse_int("6", minimum=5, maximum=5) is None
