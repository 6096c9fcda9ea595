"""Reads: the site's library (built-in, drop-in files, database entries), search, history, assist sessions.

The merged library and its search index are built once per process and
rebuilt only when the database changed: every write adds a revision row, so
the highest revision id is the library's version — one indexed query per
request decides whether the cached index is still good.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from django.db.models import Q, QuerySet
from django.http import Http404

from kefu.accounts.models import User
from kefu.accounts.roles import Cap
from kefu.knowledge.models import AssistSession, KnowledgeEntry, KnowledgeRevision
from kefu.phrasebook.loader import Library, builtin_library, load_file
from kefu.phrasebook.schema import Entry, PhrasebookError, validate_entry
from kefu.phrasebook.search import Hit

log = logging.getLogger(__name__)

MAX_QUERY_LENGTH = 200


@dataclass
class _Cached:
    stamp: tuple[object, ...] | None = None
    library: Library | None = None


_cache = _Cached()
_lock = threading.Lock()


def entry_from_row(row: KnowledgeEntry) -> Entry | None:
    """The phrasebook entry a row holds, or None (logged) if stored data no longer validates."""
    entry, problems = validate_entry(
        dict(row.data), source="database", position=row.pk, origin="operator", simplify=False
    )
    if problems:
        log.warning("knowledge entry %s does not validate: %s", row.entry_id, "; ".join(map(str, problems)))
    return entry


def drop_in_files() -> list[Path]:
    """Operator YAML files dropped into ``KEFU_PHRASEBOOK_DIR`` (read on every version check)."""
    folder = os.environ.get("KEFU_PHRASEBOOK_DIR", "")
    return sorted(Path(folder).glob("*.yaml")) if folder else []


def _drop_in_entries(files: list[Path]) -> list[Entry]:
    entries: list[Entry] = []
    for path in files:
        try:
            entries.extend(load_file(path, origin="operator"))
        except PhrasebookError as exc:
            # One broken file must not take the library down; `kefu knowledge check` shows why.
            log.error("phrasebook file %s skipped:\n%s", path, exc)
    return entries


def _build_library(files: list[Path]) -> Library:
    rows = list(KnowledgeEntry.objects.all())
    hidden = {row.entry_id for row in rows if not row.is_active}
    extra = [e for row in rows if row.is_active and (e := entry_from_row(row)) is not None]
    # Built-in < dropped-in files < edits made in the UI or API.
    merged = builtin_library().merged(_drop_in_entries(files)).merged(extra)
    if hidden:
        merged = Library(tuple(e for e in merged if e.id not in hidden))
    return merged


def library_version(files: list[Path] | None = None) -> tuple[object, ...]:
    """The newest revision's id and time, and the drop-in files' names and mtimes.

    Changes with every write in any process. The time is part of it because
    ids can be reused after a rolled-back transaction (SQLite), and a reused
    id must not look like the cached version.
    """
    newest = KnowledgeRevision.objects.order_by("-id").values_list("id", "at").first()
    stamps = tuple((p.name, p.stat().st_mtime_ns) for p in (files or []) if p.exists())
    return (*(newest or (None, None)), stamps)


def site_library() -> Library:
    """Built-in entries, replaced, extended or hidden by the operator's database entries."""
    files = drop_in_files()
    stamp = library_version(files)
    if _cache.stamp == stamp and _cache.library is not None:
        return _cache.library
    with _lock:
        if _cache.stamp != stamp or _cache.library is None:
            library = _build_library(files)
            library.index  # noqa: B018 - build the search index now, not inside the first search
            _cache.library, _cache.stamp = library, stamp
        return _cache.library


def _fits(entry: Entry, channel: str | None) -> bool:
    # An entry without channels fits every channel (warm phrases, knowledge).
    return not channel or not entry.channels or channel in entry.channels


def entry_search(
    *, q: str, kinds: list[str] | None = None, channel: str | None = None, limit: int = 20
) -> list[Hit]:
    # Over-fetch when filtering by channel so the page still fills up.
    hits = site_library().search(
        q[:MAX_QUERY_LENGTH], limit=limit * 3 if channel else limit, kinds=kinds or None
    )
    return [h for h in hits if _fits(h.entry, channel)][:limit]


def entries_of_kind(kind: str | None = None, channel: str | None = None) -> list[Entry]:
    library = site_library()
    entries = list(library) if not kind else library.of_kind(kind)
    return sorted((e for e in entries if _fits(e, channel)), key=lambda e: e.id)


def entry_get(entry_id: str) -> Entry:
    """The entry or 404."""
    entry = site_library().get(entry_id)
    if entry is None:
        raise Http404(entry_id)
    return entry


def entry_row(entry_id: str) -> KnowledgeEntry | None:
    return KnowledgeEntry.objects.filter(entry_id=entry_id).first()


def archived_rows() -> QuerySet[KnowledgeEntry]:
    return KnowledgeEntry.objects.filter(is_active=False).order_by("entry_id")


def entry_history(entry_id: str) -> QuerySet[KnowledgeRevision]:
    return (
        KnowledgeRevision.objects.filter(entry__entry_id=entry_id)
        .select_related("actor")
        .order_by("-version")
    )


def can_edit(user: User) -> bool:
    return user.is_active and Cap.KNOWLEDGE_EDIT in user.caps


def visible_sessions(user: User) -> QuerySet[AssistSession]:
    """Assist sessions ``user`` may open: their own; a supervisor's team's; all for ``ASSIST_VIEW_ALL``.

    Only the agent who started a session writes to it (``services.assist_turn_add``).
    """
    sessions = AssistSession.objects.select_related("agent", "customer", "complaint")
    if user.can(Cap.ASSIST_VIEW_ALL):
        return sessions
    if user.can(Cap.ASSIST_VIEW_TEAM) and user.department_id:
        return sessions.filter(Q(agent=user) | Q(agent__department_id=user.department_id))
    return sessions.filter(agent=user)


def sessions_for(user: User) -> QuerySet[AssistSession]:
    """The user's own sessions, newest first."""
    return visible_sessions(user).filter(agent=user)


def team_sessions(user: User) -> QuerySet[AssistSession]:
    """Other agents' sessions the user may read (none for an agent)."""
    return visible_sessions(user).exclude(agent=user)


def session_get_for_user(user: User, pk: int) -> AssistSession:
    """A session the user may open, or 404 (also for sessions out of sight: no probing)."""
    session = visible_sessions(user).filter(pk=pk).first()
    if session is None:
        raise Http404(pk)
    return session


def can_write_session(user: User, session: AssistSession) -> bool:
    """Only the agent on the call posts turns and changes links; everyone else reads."""
    return session.agent_id == user.pk
