"""Loading scenarios: the built-in ``scenarios/*.yaml`` plus operators' directories."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from kefu.simulator.schema import Problem, Scenario, ScenarioError, parse_scenario

BUILTIN_DIR = Path(__file__).resolve().parent / "scenarios"


class UnknownScenario(KeyError):
    """No scenario with that id; ``message`` is Chinese."""

    def __init__(self, scenario_id: str) -> None:
        self.scenario_id = scenario_id
        self.message = f"没有编号为“{scenario_id}”的陪练场景。"
        super().__init__(scenario_id)

    def __str__(self) -> str:
        return f"unknown scenario {self.scenario_id!r}"


def scenario_files(directory: Path) -> list[Path]:
    """The scenario files of a directory (``*.yaml``/``*.yml``; names starting with ``_`` are not scenarios)."""
    return sorted(p for p in directory.glob("*.y*ml") if not p.name.startswith("_") and p.suffix in (".yaml", ".yml"))


def load_file(path: Path) -> Scenario:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(str(path), [Problem(0, "", "bad_yaml", (("error", str(exc)),))]) from None
    return parse_scenario(text, str(path))


@lru_cache(maxsize=1)
def _builtin() -> tuple[Scenario, ...]:
    return tuple(_load_dirs([BUILTIN_DIR]))


def _load_dirs(dirs: Iterable[Path]) -> list[Scenario]:
    seen: dict[str, Scenario] = {}
    for directory in dirs:
        if not Path(directory).is_dir():
            raise ScenarioError(str(directory), [Problem(0, "", "not_a_directory")])
        for path in scenario_files(Path(directory)):
            scenario = load_file(path)
            if scenario.id in seen:
                other = seen[scenario.id].source
                raise ScenarioError(
                    str(path), [Problem(1, "id", "duplicate_id", (("id", scenario.id), ("other", other)))]
                )
            seen[scenario.id] = scenario
    return list(seen.values())


def load_scenarios(extra_dirs: Iterable[str | Path] = ()) -> list[Scenario]:
    """Every built-in scenario and those in ``extra_dirs`` (an id may be
    defined once: a clash raises :class:`ScenarioError`), in id order."""
    extra = [Path(d) for d in extra_dirs]
    scenarios = list(_builtin()) if not extra else _load_dirs([BUILTIN_DIR, *extra])
    return sorted(scenarios, key=lambda s: s.id)


def get_scenario(scenario_id: str, extra_dirs: Iterable[str | Path] = ()) -> Scenario:
    """The scenario with this id, or :class:`UnknownScenario`."""
    for scenario in load_scenarios(extra_dirs):
        if scenario.id == scenario_id:
            return scenario
    raise UnknownScenario(scenario_id)
