"""Scenarios a trainee can spar with: the simulator's built-in ones and trainers' published ones.

The only module of the app that talks to :mod:`kefu.simulator` (a pure package): it finds
scenarios, parses uploads into form errors with line numbers, and rebuilds a stored session by
replaying the trainee's lines with the session's seed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from kefu.lib.errors import InvalidInput

if TYPE_CHECKING:
    from kefu.simulator import Scenario, Session
    from kefu.training.models import SparringSession


def builtin(scenario_id: str) -> Scenario | None:
    from kefu.simulator import UnknownScenario, get_scenario

    try:
        return get_scenario(scenario_id)
    except UnknownScenario:
        return None


def builtins() -> list[Scenario]:
    from kefu.simulator import load_scenarios

    return list(load_scenarios())


def operator(scenario_id: str, *, published_only: bool = True) -> Scenario | None:
    from kefu.simulator import ScenarioError, parse_scenario
    from kefu.training.models import OperatorScenario

    qs = OperatorScenario.objects.filter(scenario_id=scenario_id)
    if published_only:
        qs = qs.filter(state=OperatorScenario.State.PUBLISHED)
    row = qs.first()
    if row is None:
        return None
    try:
        return parse_scenario(row.yaml, f"{row.scenario_id}.yaml")
    except ScenarioError:  # stored valid; a simulator upgrade may tighten the schema
        return None


def find(scenario_id: str) -> Scenario | None:
    """A built-in scenario, or a trainer's published one."""
    if not scenario_id or len(scenario_id) > 80:
        return None
    return builtin(scenario_id) or operator(scenario_id)


def available() -> list[Scenario]:
    """Every scenario a trainee may pick: built-in, then published operator scenarios."""
    from kefu.simulator import ScenarioError, parse_scenario
    from kefu.training.models import OperatorScenario

    out = builtins()
    for row in OperatorScenario.objects.filter(state=OperatorScenario.State.PUBLISHED).order_by("title"):
        try:
            out.append(parse_scenario(row.yaml, f"{row.scenario_id}.yaml"))
        except ScenarioError:
            continue
    return out


def parse(text: str, source: str) -> Scenario:
    """Parse an uploaded or edited scenario; problems become an InvalidInput naming each line."""
    from kefu.simulator import ScenarioError, parse_scenario

    if not (text or "").strip():
        raise InvalidInput(_("The scenario is empty."), errors={"yaml": _("Paste or upload a scenario in YAML.")})
    if len(text) > 100_000:
        raise InvalidInput(_("The scenario is too long (at most 100,000 characters)."),
                           errors={"yaml": _("At most 100,000 characters.")})
    try:
        return parse_scenario(text, source)
    except ScenarioError as exc:
        raise InvalidInput(_("The scenario has problems; fix the lines named below."),
                           errors={"yaml": "\n".join(exc.messages())}) from None


def replay(row: SparringSession, texts: list[str]) -> Session:
    """The live session the stored seed and trainee lines produce."""
    from kefu.simulator import Session

    scenario = find(row.scenario_id) or operator(row.scenario_id, published_only=False)
    if scenario is None:
        raise InvalidInput(_("This session's scenario no longer exists."))
    return Session.replay(scenario, row.seed, texts)


def finish(live: Session, reason: str) -> dict[str, Any]:
    """End the live session (if the customer has not) and return its feedback report."""
    if not live.ended:
        live.finish("trainee" if reason == "trainee" else "timeout")
    return live.report()
