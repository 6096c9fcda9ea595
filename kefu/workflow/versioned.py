"""One optimistic-concurrency write for every versioned record.

A record that people edit concurrently carries an integer ``version``. A write
is a conditional UPDATE "where pk and version are what the actor saw", bumping
the version; zero rows updated means someone else won, and the loser gets
``Conflict`` naming who changed the record and when, so the message tells the
person what happened instead of just "try again".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from django.db import models
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.lib.errors import Conflict

M = TypeVar("M", bound=models.Model)

# Who last changed a record and when, if known; used to word the Conflict.
LastChange = Callable[[], tuple[str, datetime] | None]


def conflict(last_change: tuple[str, datetime] | None, *, what: str = "") -> Conflict:
    """The Conflict for a lost race, naming the winner and the time when known.

    ``what`` names the record for the person ("complaint", "customer profile"), translated.
    """
    thing = what or _("record")
    if last_change is None:
        return Conflict(
            _("Someone else changed this %(what)s in the meantime. Reload to see the current version.")
            % {"what": thing}
        )
    who, at = last_change
    return Conflict(
        _("%(who)s changed this %(what)s at %(when)s. Reload to see their changes, then try again.")
        % {"who": who, "what": thing, "when": timezone.localtime(at).strftime("%Y-%m-%d %H:%M:%S")}
    )


def check_version(
    expected: int | None, current: int, *, last_change: LastChange | None = None, what: str = ""
) -> None:
    """Refuse a stale ``expected`` version before doing any work (None means "not checked")."""
    if expected is not None and expected != current:
        raise conflict(last_change() if last_change else None, what=what)


def versioned_update(
    model: type[M],
    *,
    pk: Any,
    version: int,
    changes: Mapping[str, Any],
    extra_filter: Mapping[str, Any] | None = None,
    last_change: LastChange | None = None,
    what: str = "",
    touch: str | None = "updated_at",
) -> int:
    """Apply ``changes`` to the row ``pk`` if it is still at ``version``; return the new version.

    ``what`` names the record in the message. ``extra_filter`` adds conditions the row must still meet (e.g. the state the
    action was taken from). ``touch`` names a timestamp field set to now (None: none).
    Raises ``Conflict`` (naming who won, via ``last_change``) when the row moved on.
    Call inside ``transaction.atomic`` when the caller writes more rows after it.
    """
    fields: dict[str, Any] = {**changes, "version": F("version") + 1}
    if touch:
        fields.setdefault(touch, timezone.now())
    filters: dict[str, Any] = {"pk": pk, "version": version, **(extra_filter or {})}
    if model._default_manager.filter(**filters).update(**fields) != 1:
        raise conflict(last_change() if last_change else None, what=what)
    return version + 1


def last_change_by(
    model: type[models.Model], pk: Any, *, who: str = "updated_by", when: str = "updated_at"
) -> LastChange:
    """A ``last_change`` reader for records that store who and when on the row itself."""

    def read() -> tuple[str, datetime] | None:
        row = model._default_manager.filter(pk=pk).select_related(who).first()
        if row is None:
            return None
        person = getattr(row, who, None)
        at = getattr(row, when, None)
        if person is None or at is None:
            return None
        return str(person), at

    return read
