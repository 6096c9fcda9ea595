"""Writing learned models: store a new version, activate one (one active per kind)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import User
from kefu.accounts.roles import Cap
from kefu.learning import registry
from kefu.learning.models import LearnedModel, ModelFile
from kefu.learning.safe import UnsafeModelFile, check_files
from kefu.lib.errors import Conflict, InvalidInput, NotAllowed


def _kind(kind: str) -> registry.ModelKind:
    found = registry.get(kind)
    if found is None:
        raise InvalidInput(_("Unknown kind of learned model: %(kind)s") % {"kind": kind}, errors={"kind": kind})
    return found


def _check_actor(actor: User | None, kind: registry.ModelKind) -> None:
    # None: the system itself (a background job started by someone already checked, a command, a test)
    if actor is not None and not actor.can(Cap(kind.cap)):
        raise NotAllowed(_("You may not change the learned models of this kind."))


def files_digest(files: Mapping[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0")
        digest.update(hashlib.sha256(bytes(files[name])).digest())
    return digest.hexdigest()


def model_save(
    kind: str, files: Mapping[str, bytes], metrics: Mapping[str, Any] | None = None, *,
    summary: str = "", n_samples: int = 0, created_by: User | None = None, actor: User | None = None,
    activate: bool = False,
) -> LearnedModel:
    """Store ``files`` as the next version of ``kind``; activate it too when ``activate``.

    Every file must be JSON or numpy (.npy/.npz) readable without pickle, else
    :class:`InvalidInput` and nothing is stored.
    """
    model_kind = _kind(kind)
    _check_actor(actor, model_kind)
    try:
        check_files(files)
    except UnsafeModelFile as exc:
        raise InvalidInput(str(exc), errors={"files": str(exc)}) from None
    if n_samples < 0:
        raise InvalidInput(_("The number of training samples cannot be negative."), errors={"n_samples": "<0"})
    digest = files_digest(files)
    for _attempt in range(5):  # two saves of one kind at once: the loser takes the next number
        try:
            with transaction.atomic():
                latest = LearnedModel.objects.filter(kind=kind).aggregate(v=Max("version"))["v"] or 0
                model = LearnedModel.objects.create(
                    kind=kind, version=latest + 1, created_by=created_by or actor, summary=summary,
                    metrics=dict(metrics or {}), n_samples=n_samples, digest=digest,
                )
                ModelFile.objects.bulk_create(
                    ModelFile(model=model, name=name, data=bytes(data), size=len(data))
                    for name, data in sorted(files.items())
                )
                if activate:
                    _activate(model, actor or created_by)
                return model
        except IntegrityError:
            continue
    raise Conflict(_("Several versions of this model were stored at once; try again."))


def _activate(model: LearnedModel, by: User | None) -> None:
    # Lock the kind's rows so two activations at once end with exactly one active version.
    list(LearnedModel.objects.select_for_update().filter(kind=model.kind).values_list("pk", flat=True))
    LearnedModel.objects.filter(kind=model.kind, active=True).exclude(pk=model.pk).update(active=False)
    now = timezone.now()
    LearnedModel.objects.filter(pk=model.pk).update(active=True, activated_at=now, activated_by=by)
    model.active, model.activated_at, model.activated_by = True, now, by


def model_activate(model: LearnedModel, *, actor: User | None = None) -> LearnedModel:
    """Make ``model`` its kind's active version (the one :func:`active_model` returns)."""
    _check_actor(actor, _kind(model.kind))
    with transaction.atomic():
        _activate(model, actor)
    return model


def model_deactivate(kind: str, *, actor: User | None = None) -> None:
    """No version of ``kind`` active any more (predictions stop until one is activated)."""
    _check_actor(actor, _kind(kind))
    LearnedModel.objects.filter(kind=kind, active=True).update(active=False)
