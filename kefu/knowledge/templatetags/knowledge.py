"""Template filters for phrasebook pages: people read names, not ids."""

from __future__ import annotations

from collections.abc import Iterable

from django import template

from kefu.phrasebook.norms import norm_name

register = template.Library()


@register.filter
def norm_names(norm_ids: Iterable[str]) -> list[str]:
    """The norms' Chinese names (``complaint.deescalate`` → 转怒为喜五步话术)."""
    return [norm_name(norm) for norm in norm_ids]
