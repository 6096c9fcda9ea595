"""The operators of the rulebook language, each declared once.

An operator is a :class:`~kefu.qa.operators.Node` subclass that keeps its
three parts side by side:

* ``check(checker, node, path)`` (classmethod) — the schema: report every
  problem of the YAML mapping with ``checker.err(path, message)``, using the
  checker's typed helpers (:class:`kefu.qa.rulebook.Checker`);
* ``build(compiler, node)`` (classmethod) — compile the validated mapping
  into an instance (:class:`kefu.qa.rulebook.Compiler` turns phrases into
  automaton ids, nested conditions into nodes);
* ``eval(self, ctx)`` — the verdict on one conversation, a
  :class:`~kefu.qa.operators.Match`.

It is registered under its rulebook key with :func:`register_operator`,
and from then on rulebooks may use it anywhere a condition goes::

    @register_operator("long_call")
    @dataclass(frozen=True, slots=True)
    class LongCall(Node):
        min_turns: int

        @classmethod
        def check(cls, checker, node, path):
            spec = checker.params(node, path, "long_call", {"min_turns": "int"})
            if "min_turns" not in spec:
                checker.err(f"{path}.long_call.min_turns", "is required")

        @classmethod
        def build(cls, compiler, node):
            return cls(node["long_call"]["min_turns"])

        def eval(self, ctx):
            return Match(len(ctx.prep.turns) >= self.min_turns)

A rulebook already compiled keeps the operators it was compiled with;
:func:`kefu.qa.rulebook.load_rulebook` caches built-in rulebooks, so register
before the first load.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from kefu.qa.operators import Node

    N = TypeVar("N", bound=type[Node])
else:
    N = TypeVar("N")

#: Rulebook key → operator class, in registration order (error messages list them so).
OPERATORS: dict[str, type[Node]] = {}

# Fields that qualify several operators' mappings: no operator may be called so.
RESERVED_KEYS = frozenset({"speaker", "first", "last", "within_seconds", "after_turn"})


def register_operator(key: str) -> Callable[[N], N]:
    """Class decorator: make the operator class usable in rulebooks as ``key``.

    Raises :class:`ValueError` when ``key`` is taken (by another operator or
    a shared field such as ``speaker``) or is not a lower-case identifier.
    """
    if not key.isidentifier() or key != key.lower():
        raise ValueError(f"operator key must be a lower-case identifier, got {key!r}")
    if key in OPERATORS or key in RESERVED_KEYS:
        raise ValueError(f"operator key {key!r} is already taken")

    def register(cls: N) -> N:
        OPERATORS[key] = cls
        return cls

    return register


def unregister_operator(key: str) -> None:
    """Remove an operator (tests that register one of their own)."""
    OPERATORS.pop(key, None)
