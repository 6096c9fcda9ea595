"""Which training norms (NORMS.md rows marked T) scenarios and exam items exercise."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import Any

from kefu.qa.norms import load_norms
from kefu.simulator.loader import load_scenarios
from kefu.simulator.schema import Scenario

BANK_MODULE = "kefu.training.bank"


def t_ids() -> list[str]:
    """The NORMS.md ids whose "implement as" column includes T."""
    return sorted(nid for nid, codes in load_norms().items() if "T" in codes)


def exam_items() -> tuple[list[Any], str]:
    """The question bank's items (each with ``.id`` and ``.norm_ids``) and,
    when the bank cannot be loaded, why (the items are then empty)."""
    try:
        module = importlib.import_module(BANK_MODULE)
        loader: Callable[[], Iterable[Any]] = module.load_items
        return list(loader()), ""
    except Exception as exc:  # an absent or broken bank only lowers coverage
        return [], f"{type(exc).__name__}: {exc}"


def coverage_report(scenarios: list[Scenario] | None = None, items: list[Any] | None = None) -> dict[str, Any]:
    scenarios = load_scenarios() if scenarios is None else scenarios
    error = ""
    if items is None:
        items, error = exam_items()
    rows = []
    for nid in t_ids():
        by_scenario = [s.id for s in scenarios if nid in s.all_norm_ids()]
        by_item = [str(getattr(i, "id", "?")) for i in items if nid in tuple(getattr(i, "norm_ids", ()))]
        rows.append({"id": nid, "covered": bool(by_scenario or by_item), "scenarios": by_scenario, "items": by_item})
    covered = sum(1 for r in rows if r["covered"])
    return {
        "total": len(rows),
        "covered": covered,
        "percent": 100.0 * covered / len(rows) if rows else 100.0,
        "norms": rows,
        "scenario_count": len(scenarios),
        "item_count": len(items),
        "bank_loaded": not error,
        "bank_error": error,
    }
