"""The site library: operator rows replace, extend and hide built-ins; the cache follows every write."""

from __future__ import annotations

import os

import pytest

from kefu.knowledge import selectors, services
from kefu.knowledge.models import KnowledgeEntry

pytestmark = pytest.mark.django_db

NEW = {
    "id": "acme.deposit_refund",
    "kind": "script",
    "title": "押金退还口径",
    "cites": ["complaint.authority"],
    "tags": ["押金"],
    "situations": ["客户要求退光猫押金"],
    "text": "押金会在三个工作日内退回。",
    "example": "坐席：押金会在三个工作日内退回。",
}


def test_without_operator_rows_the_site_library_is_the_builtin_one(db) -> None:  # type: ignore[no-untyped-def]
    from kefu.phrasebook import builtin_library

    assert len(selectors.site_library()) == len(builtin_library())


def test_each_write_is_seen_by_the_next_read(cast) -> None:  # type: ignore[no-untyped-def]
    before = len(selectors.site_library())
    services.entry_create(actor=cast["supervisor"], data=NEW)
    assert len(selectors.site_library()) == before + 1
    services.entry_set_active(actor=cast["supervisor"], entry_id=NEW["id"], active=False, expected_version=1)
    assert selectors.site_library().get(NEW["id"]) is None
    services.entry_set_active(actor=cast["supervisor"], entry_id=NEW["id"], active=True, expected_version=2)
    assert selectors.site_library().get(NEW["id"]).origin == "operator"


def test_a_row_that_no_longer_validates_is_skipped_not_fatal(cast) -> None:  # type: ignore[no-untyped-def]
    services.entry_create(actor=cast["supervisor"], data=NEW)
    KnowledgeEntry.objects.filter(entry_id=NEW["id"]).update(data={**NEW, "cites": ["gone.norm"]})
    services.entry_create(actor=cast["supervisor"], data={**NEW, "id": "acme.other"})  # a new version stamp
    library = selectors.site_library()
    assert library.get(NEW["id"]) is None and library.get("acme.other") is not None


def test_import_is_all_or_nothing(cast) -> None:  # type: ignore[no-untyped-def]
    from kefu.knowledge.errors import InvalidInput

    good = "entries:\n  - " + "\n    ".join(f"{k}: {v}" for k, v in NEW.items())
    with pytest.raises(InvalidInput):
        services.entries_import(actor=cast["supervisor"], text=good + "\n  - id: broken\n    kind: script\n")
    assert KnowledgeEntry.objects.count() == 0
    rows = services.entries_import(actor=cast["supervisor"], text=good)
    assert [r.entry_id for r in rows] == [NEW["id"]]


def test_yaml_files_dropped_into_the_folder_join_the_library(db, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    good = "entries:\n  - " + "\n    ".join(f"{k}: {v}" for k, v in NEW.items())
    (tmp_path / "ops.yaml").write_text(good, encoding="utf-8")
    (tmp_path / "broken.yaml").write_text("entries:\n  - id: x\n", encoding="utf-8")
    monkeypatch.setenv("KEFU_PHRASEBOOK_DIR", str(tmp_path))
    library = selectors.site_library()
    assert library.get(NEW["id"]).origin == "operator"
    assert library.get("x") is None  # the broken file is skipped, the site keeps working

    (tmp_path / "ops.yaml").write_text(good.replace("押金退还口径", "押金退还新口径"), encoding="utf-8")
    os.utime(tmp_path / "ops.yaml", ns=(1, 2_000_000_000_000_000_000))
    assert selectors.site_library().get(NEW["id"]).title == "押金退还新口径"
