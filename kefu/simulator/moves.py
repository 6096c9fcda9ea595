"""What the trainee did in a turn (the simulator's "moves").

Two sources, no cue list of its own:

- the shared phrase sets (:mod:`kefu.qa.phrases`, ``rulebooks/_common.yaml``)
  — the same words live QA and agent assist listen for — and the
  ``concrete_time`` definition of the same file;
- the QA engine's live API (:class:`kefu.qa.LiveSession`): the prohibitions a
  turn breaks (喂, arguing, 服务忌语, 踢皮球, rash promises, interrogating) come
  back as alerts with the rule id, title and the rule's better phrasing,
  which the report shows as the trainee's mistakes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

import yaml

from kefu.lib.textnorm import normalize
from kefu.qa.phrases import COMMON, phrases

# move → the shared phrase sets that signal it.
MOVE_SETS: dict[str, tuple[str, ...]] = {
    "greeting": ("greeting",),
    "identify": ("identify",),
    "offer_help": ("offer_help",),
    "empathy": ("empathy", "soothing"),
    "apology": ("apology", "apology_more"),
    "thank_feedback": ("thank_feedback",),
    "repeat_confirm": ("repeat_confirm",),
    "acknowledge": ("acknowledge",),
    "question": ("question", "asking"),
    "explain": ("checking",),
    "options": ("options",),
    "guided_inquiry": ("guided_inquiry",),
    "record": ("record", "followup"),
    "vague_promise": ("vague_promise",),
    "rash_promise": ("rash_promise",),
    "flat_no": ("flat_no", "refusal"),
    "alternative": ("alternative",),
    "argue": ("argue",),
    "forbidden": ("forbidden",),
    "deflect": ("deflect", "dodge"),
    "interrogate": ("interrogate",),
    "supervisor": ("supervisor",),
    "praise": ("praise",),
    "customer_name": ("customer_name",),
    "one_more": ("one_more",),
    "more_help": ("more_help",),
    "thanks": ("thanks", "call_thanks"),
    "farewell": ("farewell",),
    "harass_end": ("harass_end",),
    "ask_repeat": ("ask_repeat",),
    "confirm_identity": ("confirm_identity",),
    "shouting": ("shouting",),
}

# Live QA rules (prohibitions) → the move they prove.
ALERT_MOVES: dict[str, str] = {
    "phone.open.no_wei": "wei",
    "appointment.no_wei": "wei",
    "phone.manner.no_argue": "argue",
    "complaint.ten_wrong.blame": "argue",
    "counter.no_argue": "argue",
    "phone.manner.no_forbidden": "forbidden",
    "phone.manner.no_ball_kicking": "deflect",
    "complaint.no_deflection": "deflect",
    "complaint.ten_wrong.dodge": "deflect",
    "counter.not_my_post": "deflect",
    "phone.manner.no_rash_promise": "rash_promise",
    "complaint.ten_wrong.interrogate": "interrogate",
}

_WEI = re.compile(r"^[\s,.!?~]*喂")
_QUESTION_END = re.compile(r"(吗|呢|么|\?)[\s.!~]*$|\?")


@lru_cache(maxsize=1)
def _concrete_time() -> re.Pattern[str]:
    data = yaml.safe_load(COMMON.read_text(encoding="utf-8")) or {}
    return re.compile(str(data["defs"]["concrete_time"]["regex"]))


@lru_cache(maxsize=1)
def _needles() -> dict[str, tuple[str, ...]]:
    return {move: tuple(normalize(p) for p in phrases(*sets)) for move, sets in MOVE_SETS.items()}


def said_any(norm_text: str, cues: Iterable[str]) -> bool:
    """Whether normalised text contains any of ``cues`` (normalised here)."""
    return any(normalize(c) in norm_text for c in cues)


# Moves that count against the trainee: not when they only quote the customer back.
NEGATIVE = frozenset({"deflect", "forbidden", "argue", "flat_no", "interrogate", "vague_promise", "rash_promise", "shouting"})
_QUOTE_END = re.compile(r"对吗|是吗|对吧|是这样吗|没错吧|\?")


def _quoted_span(norm_text: str) -> tuple[int, int] | None:
    """Where the trainee repeats the customer back ("您是说……，对吗？")."""
    starts = [norm_text.find(n) for n in _needles()["repeat_confirm"] if n in norm_text]
    if not starts:
        return None
    start = min(starts)
    end = _QUOTE_END.search(norm_text, start)
    return start, end.end() if end else len(norm_text)


def quoted_only(norm_text: str) -> set[str]:
    """Negative moves whose words appear only inside a repeat-back of the
    customer's own words ("您是说客服热线打不进来，对吗？" does not deflect)."""
    span = _quoted_span(norm_text)
    if span is None:
        return set()
    inside = _detect(norm_text) & NEGATIVE
    if not inside:
        return set()
    outside = _detect(f"{norm_text[: span[0]]} {norm_text[span[1]:]}")
    return inside - outside


def detect(norm_text: str) -> set[str]:
    """The moves a turn's normalised text shows by its words alone.

    ``flat_no`` is a refusal with no alternative in the same turn (the
    sandwich rule's test); ``vague_promise`` is one without a concrete time;
    ``question`` also counts a turn ending in 吗/呢/？. Negative moves whose
    words only quote the customer back do not count.
    """
    return _detect(norm_text) - quoted_only(norm_text)


def _detect(norm_text: str) -> set[str]:
    moves = {move for move, needles in _needles().items() if any(n in norm_text for n in needles)}
    if _WEI.match(norm_text):
        moves.add("wei")
    if _concrete_time().search(norm_text):
        moves.add("concrete_time")
        moves.discard("vague_promise")
    if _QUESTION_END.search(norm_text):
        moves.add("question")
    if "alternative" in moves or "options" in moves:
        moves.discard("flat_no")
    if "ask_repeat" in moves:  # "麻烦您大声一点" asks, it does not shout
        moves.discard("shouting")
    if "harass_end" in moves:  # "请稍后再拨" ends a harassing call, it promises nothing
        moves.discard("vague_promise")
    return moves


def alert_moves(alerts: Iterable[Any]) -> set[str]:
    """The moves that live QA alerts (kefu.qa.Alert) prove."""
    return {ALERT_MOVES[a.rule] for a in alerts if a.rule in ALERT_MOVES}


def prepare(text: str) -> str:
    return normalize(text)


def labels(moves: Iterable[str], names: Mapping[str, str]) -> list[str]:
    return [names.get(m, m) for m in sorted(moves)]
