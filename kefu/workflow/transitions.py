"""A process as one declared transition table (pure; no Django).

A :class:`Transition` says that ``action`` may be taken from any of ``sources``
by a holder of capability ``cap`` and leads to one of ``targets``. Most actions
have one target; where a process needs a choice (a repair visit ends "fixed" or
"needs a second visit"), the caller names the target and the table checks it.
Capabilities are plain strings so process modules stay importable without Django.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

S = TypeVar("S", bound=StrEnum)
A = TypeVar("A", bound=StrEnum)


class TransitionError(Exception):
    """The action is not allowed from the record's current state (or to the named target)."""


@dataclass(frozen=True)
class Transition(Generic[S, A]):
    action: A
    sources: frozenset[S]
    targets: tuple[S, ...]
    cap: str
    norm: str = ""

    def __post_init__(self) -> None:
        if not self.targets:
            raise ValueError(f"transition {self.action!s} has no target")
        if not self.sources:
            raise ValueError(f"transition {self.action!s} has no source state")

    def applies_to(self, state: S) -> bool:
        return state in self.sources

    @property
    def target(self) -> S:
        """The target of a single-target transition (ValueError when the caller must choose)."""
        if len(self.targets) != 1:
            raise ValueError(f"action {self.action!s} leads to one of {len(self.targets)} targets: name one")
        return self.targets[0]

    def resolve(self, target: S | str | None = None) -> S:
        """The target this transition leads to: the only one, or ``target`` if it is allowed."""
        if target is None or target == "":
            if len(self.targets) == 1:
                return self.targets[0]
            raise TransitionError(f"action {self.action!s} needs a target: one of {self._names()}")
        for allowed in self.targets:
            if allowed == target:
                return allowed
        raise TransitionError(f"action {self.action!s} cannot lead to {target!s}; allowed: {self._names()}")

    def _names(self) -> str:
        return ", ".join(str(t) for t in self.targets)


def transition(
    action: A, sources: Iterable[S], to: S | tuple[S, ...], cap: str, norm: str = ""
) -> Transition[S, A]:
    """Declare one transition; ``to`` is one state, or a tuple of states the caller chooses from."""
    targets = to if isinstance(to, tuple) else (to,)
    return Transition(action, frozenset(sources), targets, cap, norm)


class TransitionTable(Mapping[A, Transition[S, A]], Generic[S, A]):
    """Every transition of one process, keyed by action, in declaration order."""

    def __init__(self, state_type: type[S], action_type: type[A], transitions: Iterable[Transition[S, A]]) -> None:
        self.state_type = state_type
        self.action_type = action_type
        self._by_action: dict[A, Transition[S, A]] = {}
        for t in transitions:
            if t.action in self._by_action:
                raise ValueError(f"action {t.action!s} declared twice")
            self._by_action[t.action] = t

    def __getitem__(self, action: A) -> Transition[S, A]:
        return self._by_action[action]

    def __iter__(self) -> Iterator[A]:
        return iter(self._by_action)

    def __len__(self) -> int:
        return len(self._by_action)

    def transition_for(self, state: S | str, action: A | str) -> Transition[S, A]:
        """The transition for ``action`` from ``state``, or TransitionError."""
        try:
            act = self.action_type(action)
            current = self.state_type(state)
        except ValueError as exc:
            raise TransitionError(str(exc)) from exc
        found = self._by_action.get(act)
        if found is None:
            raise TransitionError(f"action {act!s} is not part of this process")
        if not found.applies_to(current):
            raise TransitionError(f"action {act!s} is not allowed in state {current!s}")
        return found

    def actions_from(self, state: S | str) -> list[A]:
        """Every action the process allows from ``state``, in declaration order."""
        current = self.state_type(state)
        return [a for a, t in self._by_action.items() if t.applies_to(current)]

    def actions_for(self, state: S | str, caps: Iterable[str]) -> list[A]:
        """The actions from ``state`` that a holder of ``caps`` may take."""
        held = frozenset(caps)
        return [a for a in self.actions_from(state) if self._by_action[a].cap in held]

    def reachable(self, start: S) -> set[S]:
        """Every state reachable from ``start`` (for checking that a process can finish)."""
        seen = {start}
        todo = [start]
        while todo:
            state = todo.pop()
            for t in self._by_action.values():
                if t.applies_to(state):
                    for target in t.targets:
                        if target not in seen:
                            seen.add(target)
                            todo.append(target)
        return seen
