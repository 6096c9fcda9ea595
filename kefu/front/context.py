"""Template context shared by every page: the navigation and the user's capabilities.

The navigation only decides what is *shown*; every view still checks the
capability it needs (a user can type any URL).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kefu.accounts.roles import SEES_COMPLAINTS, SEES_CONTACTS, SEES_CUSTOMERS, Cap, caps_for
from kefu.front.shortcuts import url_or_none


@dataclass(frozen=True)
class NavEntry:
    """A navigation item as declared: shown when the user has any of ``caps`` (or always if empty)."""

    key: str
    url_name: str
    label: str | Promise
    caps: frozenset[Cap] = frozenset()
    shortcut: str = ""  # second key after "g" (g h = home)


@dataclass(frozen=True)
class NavItem:
    """A navigation item as rendered."""

    key: str
    label: str | Promise
    url: str
    active: bool
    shortcut: str


NAVIGATION: tuple[NavEntry, ...] = (
    NavEntry("home", "home", _("Workbench"), shortcut="h"),
    NavEntry("customers", "customers:list", _("Customers"), SEES_CUSTOMERS, shortcut="u"),
    NavEntry("contacts", "contacts:list", _("Contacts"), SEES_CONTACTS, shortcut="t"),
    NavEntry("complaints", "complaints:list", _("Complaints"), SEES_COMPLAINTS, shortcut="c"),
    NavEntry(
        "search", "search", _("Search"), SEES_CUSTOMERS | SEES_CONTACTS | SEES_COMPLAINTS, shortcut="s"
    ),
    NavEntry("knowledge", "knowledge:index", _("Phrasebook"), shortcut="k"),
    NavEntry("quality", "quality:index", _("Quality inspection"), frozenset({Cap.QA_INSPECT, Cap.QA_LEAD}), shortcut="q"),
    NavEntry("training", "training:index", _("Training"), frozenset({Cap.TRAIN, Cap.PRACTISE}), shortcut="r"),
    NavEntry(
        "onsite",
        "fieldservice:index",
        _("On-site service"),
        frozenset({Cap.ONSITE_DISPATCH, Cap.ONSITE_WORK, Cap.ONSITE_VIEW, Cap.COUNTER_INSPECT}),
        shortcut="o",
    ),
    NavEntry("surveys", "surveys:index", _("Surveys"), frozenset({Cap.SURVEY_MANAGE, Cap.INSIGHT_VIEW}), shortcut="v"),
    NavEntry(
        "insights", "insights:index", _("Insight"), frozenset({Cap.INSIGHT_VIEW, Cap.HARASS_LIST, Cap.RETENTION_WORK}),
        shortcut="i",
    ),
    NavEntry("jobs", "jobs:status", _("Background work"), frozenset({Cap.ADMIN}), shortcut="j"),
    NavEntry("admin", "admin:index", _("System administration"), frozenset({Cap.ADMIN}), shortcut="a"),
)



def user_caps(user: Any) -> frozenset[Cap]:
    """The capabilities of ``user`` (empty for anonymous or inactive users)."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", True):
        return frozenset()
    caps = getattr(user, "caps", None)
    if caps is not None:
        return frozenset(caps)
    return caps_for(getattr(user, "role", ""))


def _is_active(url: str, path: str) -> bool:
    if url == "/":
        return path == "/"
    return path == url or path.startswith(url.rstrip("/") + "/")


def build_navigation(
    caps: Iterable[Cap], path: str, entries: Iterable[NavEntry] = NAVIGATION
) -> list[NavItem]:
    caps = frozenset(caps)
    items = []
    for entry in entries:
        if entry.caps and not (entry.caps & caps):
            continue
        url = url_or_none(entry.url_name)
        if url is None:
            continue
        items.append(NavItem(entry.key, entry.label, url, _is_active(url, path), entry.shortcut))
    # Only the most specific match is highlighted (e.g. "/" must not stay active under "/complaints/").
    active = [item for item in items if item.active]
    if len(active) > 1:
        best = max(active, key=lambda item: len(item.url))
        items = [NavItem(i.key, i.label, i.url, i is best, i.shortcut) for i in items]
    return items


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Context processor: ``nav_items``, ``user_caps``, ``search_url`` and ``kefu_company_name``."""
    company = getattr(settings, "KEFU_COMPANY_NAME", "")
    user = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False):
        return {"nav_items": [], "user_caps": frozenset(), "search_url": None, "kefu_company_name": company}
    caps = user_caps(user)
    items = build_navigation(caps, request.path)
    search_url = next((item.url for item in items if item.key == "search"), None)
    return {
        "nav_items": items,
        "user_caps": caps,
        "search_url": search_url,
        "kefu_company_name": company,
        "bell_url": url_or_none("notifications:bell"),
        "bell_poll_seconds": settings.KEFU_BELL_POLL_SECONDS,
    }
