"""The SERVQUAL questionnaire as data (``servqual.yaml``), validated when first read."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import yaml

from kefu.surveys.models import Dimension

PATH = Path(__file__).with_name("servqual.yaml")


@dataclass(frozen=True)
class Item:
    id: str
    dimension: str
    expectation: str
    perception: str
    cites: tuple[str, ...]


@dataclass(frozen=True)
class Questionnaire:
    scale_min: int
    scale_max: int
    low_label: str
    high_label: str
    dimensions: dict[str, tuple[str, str]]  # key → (Chinese title, explanation)
    items: tuple[Item, ...]

    def by_dimension(self) -> list[tuple[str, str, list[Item]]]:
        return [(key, title, [i for i in self.items if i.dimension == key])
                for key, (title, _explain) in self.dimensions.items()]

    def item(self, item_id: str) -> Item | None:
        return next((i for i in self.items if i.id == item_id), None)

    def title(self, dimension: str) -> str:
        return self.dimensions.get(dimension, (dimension, ""))[0]


class CatalogueError(ValueError):
    pass


def parse(text: str) -> Questionnaire:
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise CatalogueError("servqual.yaml: a mapping is expected")
    dims = data.get("dimensions") or {}
    if set(dims) != set(Dimension.values):
        raise CatalogueError(f"servqual.yaml: dimensions must be exactly {sorted(Dimension.values)}")
    items: list[Item] = []
    seen: set[str] = set()
    for raw in data.get("items") or []:
        item = Item(str(raw["id"]), str(raw["dimension"]), str(raw["expectation"]), str(raw["perception"]),
                    tuple(raw.get("cites") or ()))
        if item.dimension not in dims:
            raise CatalogueError(f"servqual.yaml: item {item.id} has an unknown dimension {item.dimension}")
        if item.id in seen or len(item.id) > 20:
            raise CatalogueError(f"servqual.yaml: item id {item.id} is repeated or too long")
        if not item.cites:
            raise CatalogueError(f"servqual.yaml: item {item.id} cites no norm")
        seen.add(item.id)
        items.append(item)
    if {i.dimension for i in items} != set(dims):
        raise CatalogueError("servqual.yaml: every dimension needs at least one item")
    scale = data.get("scale") or {}
    return Questionnaire(
        int(scale.get("min", 1)), int(scale.get("max", 7)), str(scale.get("low_label", "")),
        str(scale.get("high_label", "")),
        {key: (str(v["title"]), str(v.get("explain", ""))) for key, v in dims.items()},
        tuple(items),
    )


@functools.cache
def questionnaire() -> Questionnaire:
    return parse(PATH.read_text(encoding="utf-8"))
