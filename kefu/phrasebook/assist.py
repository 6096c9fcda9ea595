"""Agent assist (坐席辅助): what to say next in a live conversation.

``assist(turns, persona=…, draft=…)`` is pure: given the conversation so far
it returns the caller category with its need (norm caller.categories), the
customer's emotion, persona hints when the customer's type is known
(persona.types), the next complaint-process step the agent has not done yet
(complaint.steps.seed000/seed001/phone), two or three scripts for this
moment, the policy facts (reg.*) that answer the customer's question, and
warnings on the agent's draft reply with better phrasing.

Draft warnings come from two sources that agree on purpose: the phrasebook's
own forbidden-phrase entries (exact phrases, each with its alternative) and
the QA engine's draft rules (``kefu.qa.engine.check_draft``), which also see
context such as deflection without a solution. The QA emotion model scores
the customer's words. Every cue word (caller category, anger, displeasure,
steps done) comes from the phrase sets the QA rules use (:mod:`kefu.qa.phrases`). Both are built once per process (about a second), so
call :func:`warm_up` at start-up; after that a turn takes a few milliseconds.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

import ahocorasick

from kefu.lib.textnorm import normalize
from kefu.phrasebook.loader import Library, builtin_library
from kefu.phrasebook.schema import RISKS, Entry
from kefu.qa.phrases import phrases

# --- caller category (caller.categories) ------------------------------------------------

CATEGORIES: dict[str, tuple[str, str]] = {
    "consult": ("咨询", "答案与答复"),
    "help": ("求助", "方案与安抚"),
    "complaint": ("投诉", "道歉、赔偿与重视"),
    "suggestion": ("建议", "重视与感谢"),
    "harassment": ("骚扰", "礼貌而机械地终止通话"),
}

# Cue sets per category (kefu.qa.phrases, one source with the QA rules); weights say how
# decisive one cue is.
_CATEGORY_CUES: dict[str, tuple[float, tuple[str, ...]]] = {
    "complaint": (2.0, ("complaint_words", "complaint_cues")),
    "help": (1.5, ("help_cues",)),
    "suggestion": (2.0, ("suggestion_cues",)),
    "consult": (1.0, ("consult_cues",)),
    # Directed at the agent, not merely mentioning 男朋友 or 美女 (a shoe for a girlfriend is business).
    "harassment": (3.0, ("harass",)),
}

# --- what the caller is after (complaint.needs, complaint.channels) ---------------------


@dataclass(frozen=True, slots=True)
class Intent:
    code: str
    label: str
    entry: str  # the script that answers it
    why: str


# Checked in this order; each with its phrase sets and how many of the latest customer
# turns count (0: the whole call — a threat to go to the regulator stays said).
INTENTS: tuple[tuple[Intent, tuple[str, ...], int], ...] = (
    (
        Intent(
            "regulator",
            "扬言向工信部等外部渠道投诉",
            "complaint.regulator_threat",
            "客户提到工信部、12300等外部渠道：表示重视、当场记录并升级，不激将也不阻拦",
        ),
        ("regulator_threat",),
        0,
    ),
    (
        Intent(
            "compensation",
            "要求赔偿",
            "complaint.compensation",
            "客户要求赔偿：先记录损失，按规定和权限答复，不随口报数",
        ),
        ("compensation_demand",),
        2,
    ),
)

# --- emotion ----------------------------------------------------------------------------

EMOTIONS: dict[str, str] = {"angry": "愤怒", "unhappy": "不满/着急", "calm": "平静", "pleased": "满意"}

# --- complaint process steps ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Step:
    code: str
    label: str
    entry: str  # the script that performs the step
    cites: tuple[str, ...]
    sets: tuple[str, ...]  # phrase sets: an agent turn with one of these has done the step

    @property
    def cues(self) -> tuple[str, ...]:
        return cues(*self.sets)


_STEP_CITES = ("complaint.steps.seed000", "complaint.steps.seed001", "complaint.steps.phone")

COMPLAINT_STEPS: tuple[Step, ...] = (
    Step(
        "soothe",
        "安抚情绪，感性倾听",
        "complaint.deescalate",
        (*_STEP_CITES, "complaint.mood_first"),
        ("empathy", "soothing"),
    ),
    Step(
        "apologise",
        "道歉并感谢客户",
        "complaint.apology_not_guilt",
        (*_STEP_CITES, "complaint.apology_not_guilt"),
        ("apology", "apology_more"),
    ),
    Step(
        "repeat",
        "复述询问，获取信息",
        "skill.repeat_confirm",
        (*_STEP_CITES, "skill.repeat_confirm"),
        ("repeat_confirm", "asking"),
    ),
    Step(
        "clarify",
        "查证情况，解释澄清",
        "phone.hold.wait",
        ("complaint.steps.seed002", "complaint.process.validity"),
        ("checking",),
    ),
    Step(
        "propose",
        "提出方案，让客户参与",
        "technique.guided_inquiry",
        (*_STEP_CITES, "technique.guided_inquiry", "complaint.authority"),
        ("proposing",),
    ),
    Step(
        "follow",
        "落实并告知跟进",
        "phone.manner.record",
        (*_STEP_CITES, "complaint.followup", "phone.manner.record"),
        ("followup", "record", "following"),
    ),
    Step(
        "close",
        "询问其他需要并道别",
        "phone.close.standard",
        ("phone.close.more_help", "phone.close.thanks", "phone.close.farewell"),
        ("more_help", "call_thanks", "farewell"),
    ),
)

CONSULT_STEPS: tuple[Step, ...] = (
    Step(
        "answer",
        "清楚答复并多说一句",
        "skill.one_more_sentence",
        ("caller.categories", "skill.one_more_sentence"),
        ("answering",),
    ),
    COMPLAINT_STEPS[-1],
)

SUGGESTION_STEPS: tuple[Step, ...] = (
    Step(
        "thank",
        "重视并感谢建议",
        "complaint.thank",
        ("complaint.thank", "caller.categories"),
        ("thanking",),
    ),
    COMPLAINT_STEPS[-1],
)

PERSONA_ALIASES: dict[str, str] = {
    "dove": "persona.dove",
    "鸽子": "persona.dove",
    "鸽子型": "persona.dove",
    "和平型": "persona.dove",
    "peacock": "persona.peacock",
    "孔雀": "persona.peacock",
    "孔雀型": "persona.peacock",
    "活泼型": "persona.peacock",
    "tiger": "persona.tiger",
    "老虎": "persona.tiger",
    "老虎型": "persona.tiger",
    "力量型": "persona.tiger",
    "owl": "persona.owl",
    "猫头鹰": "persona.owl",
    "猫头鹰型": "persona.owl",
    "完美型": "persona.owl",
}

FACT_MIN_SCORE = 12.0  # below this a reg.* hit shares words with the question but does not answer it
SCRIPT_KINDS = ("script", "technique", "phrase", "complainer")
SCRIPT_MIN_SCORE = 8.0
SCRIPT_RELATIVE_CUT = 0.6

# --- result types -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Suggestion:
    entry: str
    title: str
    text: str
    why: str


@dataclass(frozen=True, slots=True)
class Fact:
    entry: str
    title: str
    text: str  # what the agent can read out
    basis: str  # the rule it rests on


@dataclass(frozen=True, slots=True)
class DraftWarning:
    risk: str  # forbidden | argue | deflect | promise | other
    label: str
    phrase: str  # the words in the draft that triggered it ("" when only the QA rule saw it)
    better: str
    cites: tuple[str, ...]
    entry: str = ""  # the phrasebook entry with the alternative
    rules: tuple[str, ...] = ()  # QA rule ids that agree
    severity: str = "warning"


@dataclass(frozen=True, slots=True)
class AssistResult:
    category: str
    category_label: str
    need: str
    emotion: str
    emotion_label: str
    emotion_score: float
    persona: dict[str, Any] | None
    next_step: dict[str, Any] | None
    intents: tuple[Intent, ...]
    suggestions: tuple[Suggestion, ...]
    facts: tuple[Fact, ...]
    warnings: tuple[DraftWarning, ...]
    # The same checks on the agent's last sent turn, when the conversation ends with one
    # (a connected system posts what was said; the agent learns for the next reply).
    sent_warnings: tuple[DraftWarning, ...] = ()
    elapsed_ms: float = field(default=0.0, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- helpers ----------------------------------------------------------------------------

_PUNCT = re.compile(r"[\s,.!?;:\"'()\[\]<>~\-_、]+")


def _squash(text: str) -> str:
    """Normalised text without punctuation or spaces, so 说得有道理，但是 matches 说得有道理但是."""
    return _PUNCT.sub("", normalize(text))


@lru_cache(maxsize=64)
def cues(*names: str) -> tuple[str, ...]:
    """The phrases of the named sets (:mod:`kefu.qa.phrases`) in the form assist matches: squashed."""
    return tuple(dict.fromkeys(key for phrase in phrases(*names) if (key := _squash(phrase))))


def _turn_parts(turn: Any) -> tuple[str, str]:
    if isinstance(turn, Mapping):
        return str(turn.get("speaker", "")), str(turn.get("text", ""))
    return str(getattr(turn, "speaker", "")), str(getattr(turn, "text", ""))


_DIGIT_CUE: dict[str, re.Pattern[str]] = {}


def _said(cue: str, squashed: str) -> bool:
    """``cue`` occurs in ``squashed``; a number (12300, 315) only as a whole, not inside a phone number."""
    if not cue.isdigit():
        return cue in squashed
    pattern = _DIGIT_CUE.get(cue)
    if pattern is None:
        pattern = _DIGIT_CUE[cue] = re.compile(rf"(?<![0-9]){cue}(?![0-9])")
    return pattern.search(squashed) is not None


def _count(squashed: str, *sets: str) -> int:
    return sum(1 for cue in cues(*sets) if _said(cue, squashed))


def caller_intents(customer_texts: Sequence[str]) -> list[Intent]:
    """What the caller is after beyond the category: compensation, going to the regulator."""
    found = []
    for intent, sets, recent in INTENTS:
        texts = customer_texts[-recent:] if recent else customer_texts
        if any(_count(_squash(text), *sets) for text in texts):
            found.append(intent)
    return found


def classify_caller(customer_texts: Sequence[str]) -> str:
    """The caller category; later turns weigh more, and complaint outranks help on a tie."""
    scores = dict.fromkeys(CATEGORIES, 0.0)
    count = len(customer_texts)
    for position, text in enumerate(customer_texts):
        recency = 1.0 + position / max(count, 1)
        squashed = _squash(text)
        for category, (weight, sets) in _CATEGORY_CUES.items():
            scores[category] += recency * weight * _count(squashed, *sets)
    order = ("harassment", "complaint", "help", "suggestion", "consult")
    best = max(order, key=lambda c: (scores[c], -order.index(c)))
    return best if scores[best] > 0 else "consult"


@lru_cache(maxsize=1)
def _emotion_model() -> Any:
    from kefu.qa.emotion import default_model

    return default_model()


# The corpus-trained polarity model reads many neutral service questions as negative
# (复印件可以吗 → −0.9), so a label needs the customer's own words to agree with it:
# the phrase sets anger, displeasure and satisfied, and the way they punctuate.
_ANGER_SETS = ("anger",)
_UNHAPPY_SETS = ("displeasure",)
_PLEASED_SETS = ("satisfied",)


def customer_emotion(customer_texts: Sequence[str]) -> tuple[str, float]:
    """Emotion of the latest customer turn (−1 angry … 1 pleased), tempered by the one before.

    The QA emotion model gives the score; its label is kept only when the words
    agree: angry needs an anger cue (or two cues of displeasure), unhappy needs
    a cue of displeasure, pleased a cue of thanks or agreement.
    """
    if not customer_texts:
        return "calm", 0.0
    model = _emotion_model()
    score = model.emotion(customer_texts[-1])
    if len(customer_texts) > 1:
        score = 0.7 * score + 0.3 * model.emotion(customer_texts[-2])
    text = normalize(customer_texts[-1])
    last = _squash(text)
    # An exclamation mark counts as one cue of anger.
    anger = _count(last, *_ANGER_SETS) + ("!" in text)
    displeasure = _count(last, *_UNHAPPY_SETS)
    pleased = _count(last, *_PLEASED_SETS) > 0
    if anger and (score <= -0.3 or anger >= 2):
        return "angry", min(score, -0.45)
    if (anger or displeasure) and score <= 0.1:
        return ("angry", score) if displeasure >= 2 and score <= -0.6 else ("unhappy", min(score, -0.1))
    if score >= 0.35 or (pleased and score >= 0):
        return ("pleased", score) if pleased else ("calm", score)
    return "calm", max(score, -0.09) if score < 0 else score


def _done(step: Step, agent_text: str) -> bool:
    return any(_said(cue, agent_text) for cue in step.cues)


def next_step(category: str, agent_texts: Sequence[str], emotion: str = "calm") -> Step | None:
    """The first step of the process for ``category`` that no agent turn has done yet.

    A complaint always starts by soothing; a calm request for help skips
    straight to understanding the problem.
    """
    if category == "harassment":
        return None
    steps = {"complaint": COMPLAINT_STEPS, "help": COMPLAINT_STEPS, "suggestion": SUGGESTION_STEPS}.get(
        category, CONSULT_STEPS
    )
    if category == "help" and emotion in ("calm", "pleased"):
        steps = tuple(step for step in steps if step.code not in ("soothe", "apologise"))
    said = _squash(" ".join(agent_texts))
    for step in steps:
        if not _done(step, said):
            return step
    return None


def step_entry(step: Step, emotion: str) -> str:
    """The script for ``step``: the five-move de-escalation is for anger, empathy for milder displeasure."""
    if step.code == "soothe" and emotion != "angry":
        return "technique.empathy_method"
    return step.entry


def persona_hints(persona: str | None, library: Library) -> dict[str, Any] | None:
    if not persona:
        return None
    entry = library.get(PERSONA_ALIASES.get(persona.strip().lower(), persona.strip()))
    if entry is None or entry.kind != "persona":
        return None
    return {
        "entry": entry.id,
        "title": entry.title,
        "need": entry.need,
        "do": list(entry.do),
        "dont": list(entry.dont),
        "talk": list(entry.talk),
    }


# --- draft warnings ---------------------------------------------------------------------


class _ForbiddenMatcher:
    """Aho-Corasick over every forbidden entry's phrases (normalised, punctuation removed).

    A phrase written ``^喂`` only counts at the very start of the draft, so 喂
    as an opener is caught while 喂养 in the middle of a sentence is not.
    """

    def __init__(self, entries: Iterable[Entry]) -> None:
        self.automaton = ahocorasick.Automaton()
        self.anchored: list[tuple[str, Entry]] = []
        for entry in entries:
            for phrase in entry.phrases:
                key = _squash(phrase.lstrip("^"))
                if not key:
                    continue
                if phrase.startswith("^"):
                    self.anchored.append((key, entry))
                else:
                    self.automaton.add_word(key, (key, entry))
        self.empty = len(self.automaton) == 0
        if not self.empty:
            self.automaton.make_automaton()

    def scan(self, text: str) -> list[tuple[str, Entry]]:
        """(matched phrase, entry) pairs, one per entry, in order of appearance."""
        squashed = _squash(text)
        found: dict[str, tuple[str, Entry]] = {}
        for key, entry in self.anchored:
            if squashed.startswith(key):
                found.setdefault(entry.id, (key, entry))
        if not self.empty:
            for _end, (key, entry) in self.automaton.iter_long(squashed):
                found.setdefault(entry.id, (key, entry))
        return list(found.values())


@lru_cache(maxsize=8)
def _matcher_for(library: Library) -> _ForbiddenMatcher:
    return _ForbiddenMatcher(library.of_kind("forbidden"))


# QA rule ids and cited norms that tell which risk an alert is about.
_QA_RISK: tuple[tuple[str, str], ...] = (
    ("argue", "argue"),
    ("deflect", "deflect"),
    ("ball_kicking", "deflect"),
    ("promise", "promise"),
    ("forbidden", "forbidden"),
    ("polite_words", "forbidden"),
)


def _qa_risk(alert: Any) -> str:
    signals = " ".join((alert.rule, *alert.cites))
    return next((risk for token, risk in _QA_RISK if token in signals), "other")


def _qa_alerts(draft: str, history: list[dict[str, str]], channel: str) -> list[Any]:
    try:
        from kefu.qa.engine import check_draft
        from kefu.qa.rulebook import rulebook_for_channel
    except ImportError:  # the QA engine is optional for the phrasebook
        return []
    book = rulebook_for_channel("chat" if channel == "chat" else "hotline")
    return list(check_draft(draft, history, book))


def draft_warnings(
    draft: str,
    *,
    history: list[dict[str, str]] | None = None,
    channel: str = "phone",
    library: Library | None = None,
) -> list[DraftWarning]:
    """Warnings for an agent's draft reply, each with a better phrasing."""
    library = library or builtin_library()
    if not draft.strip():
        return []
    warnings: dict[str, DraftWarning] = {}
    for phrase, entry in _matcher_for(library).scan(draft):
        key = entry.risk
        if key in warnings:
            continue
        warnings[key] = DraftWarning(
            risk=entry.risk,
            label=RISKS.get(entry.risk, entry.title),
            phrase=phrase,
            better=entry.alternative,
            cites=entry.cites,
            entry=entry.id,
            severity="critical" if entry.risk == "argue" else "warning",
        )
    for alert in _qa_alerts(draft, history or [], channel):
        risk = _qa_risk(alert)
        current = warnings.get(risk)
        if current is not None:
            warnings[risk] = DraftWarning(
                current.risk,
                current.label,
                current.phrase,
                current.better,
                tuple(dict.fromkeys((*current.cites, *alert.cites))),
                current.entry,
                (*current.rules, alert.rule),
                "critical" if alert.severity == "critical" else current.severity,
            )
        elif risk != "other" or alert.suggest:
            warnings[risk if risk != "other" else alert.rule] = DraftWarning(
                risk=risk,
                label=RISKS.get(risk, alert.title),
                phrase="",
                better=alert.suggest,
                cites=tuple(alert.cites),
                rules=(alert.rule,),
                severity=alert.severity,
            )
    return list(warnings.values())


# --- suggestions and facts ----------------------------------------------------------------


_SALUTATION = re.compile(r"\{称呼\}[，,]?")


def address(text: str, salutation: str = "") -> str:
    """Fill ``{称呼}`` in a script with how the customer is addressed (张女士), or leave it out.

    Without a known salutation the script speaks to 您 alone: "{称呼}，我非常理解您的感受"
    becomes "我非常理解您的感受", never a guessed 先生 or 女士.
    """
    salutation = salutation.strip()
    return text.replace("{称呼}", salutation) if salutation else _SALUTATION.sub("", text)


def _suggestions(
    library: Library,
    category: str,
    emotion: str,
    step: Step | None,
    query: str,
    intents: Sequence[Intent] = (),
    salutation: str = "",
) -> list[Suggestion]:
    picked: list[Suggestion] = []

    def add(entry_id: str, why: str) -> None:
        entry = library.get(entry_id)
        if entry is None or any(s.entry == entry_id for s in picked):
            return
        picked.append(
            Suggestion(entry.id, entry.title, address(entry.text or entry.alternative, salutation), why)
        )

    if category == "harassment":
        add("harass.terminate", "来电判断为骚扰电话：礼貌而机械地终止")
        add("harass.identify", "确认骚扰迹象并标记号码")
        return picked
    if emotion == "angry" and (step is None or step.code in ("soothe", "apologise")):
        add("complaint.deescalate", "客户情绪激动：先处理心情，再处理事情")
    for intent in intents:
        add(intent.entry, intent.why)
    hits = library.search(query, limit=6, kinds=SCRIPT_KINDS) if query else []
    # Weak matches share a word or two with the customer but not the situation: leave them out.
    cut = max(SCRIPT_MIN_SCORE, SCRIPT_RELATIVE_CUT * hits[0].score) if hits else 0.0
    for hit in hits:
        if len(picked) >= 2 or hit.score < cut:
            break
        add(hit.entry.id, "与客户刚才说的情况最相符")
    if step is not None:
        add(step_entry(step, emotion), f"下一步：{step.label}")
    if len(picked) < 2 and emotion in ("angry", "unhappy"):
        add("technique.empathy_method", "客户不满：先表示理解")
    if len(picked) < 2:
        add("phone.question.open_first", "先弄清客户的需求和期望")
    return picked[:3]


def _facts(library: Library, query: str) -> list[Fact]:
    if not query:
        return []
    hits = library.search(query, limit=2, kinds=("fact",))
    return [
        Fact(h.entry.id, h.entry.title, h.entry.text, h.entry.explanation)
        for h in hits
        if h.score >= FACT_MIN_SCORE
    ]


# --- entry point --------------------------------------------------------------------------


def assist(
    turns: Sequence[Any],
    *,
    persona: str | None = None,
    draft: str | None = None,
    channel: str = "phone",
    library: Library | None = None,
    salutation: str = "",
) -> AssistResult:
    """Assist for the conversation so far.

    ``turns`` are mappings or objects with ``speaker`` ("customer", "agent",
    "system") and ``text``. ``persona`` is a known type (dove/peacock/tiger/owl,
    鸽子/孔雀/老虎/猫头鹰 or a persona entry id). ``draft`` is the agent's reply
    not yet sent. ``salutation`` is how the customer is addressed (张女士), when
    known; scripts otherwise address the customer as 您.
    """
    started = time.perf_counter()
    library = library or builtin_library()
    parts = [_turn_parts(t) for t in turns]
    customer = [text for speaker, text in parts if speaker == "customer" and text.strip()]
    agent = [text for speaker, text in parts if speaker == "agent" and text.strip()]

    category = classify_caller(customer)
    emotion, score = customer_emotion(customer)
    step = next_step(category, agent, emotion) if customer else None
    intents = caller_intents(customer) if category != "harassment" else []
    # The latest customer turn carries the question; the one before adds the context it leaves out.
    query = " ".join(customer[-2:])
    history = [{"speaker": s, "text": t} for s, t in parts if s in ("agent", "customer", "system")]
    warnings = draft_warnings(draft, history=history, channel=channel, library=library) if draft else []
    sent: list[DraftWarning] = []
    if history and history[-1]["speaker"] == "agent":
        sent = draft_warnings(history[-1]["text"], history=history[:-1], channel=channel, library=library)

    label, need = CATEGORIES[category]
    return AssistResult(
        category=category,
        category_label=label,
        need=need,
        emotion=emotion,
        emotion_label=EMOTIONS[emotion],
        emotion_score=round(score, 3),
        persona=persona_hints(persona, library),
        next_step=(
            {
                "code": step.code,
                "label": step.label,
                "entry": step_entry(step, emotion),
                "cites": list(step.cites),
            }
            if step
            else None
        ),
        intents=tuple(intents),
        suggestions=tuple(_suggestions(library, category, emotion, step, query, intents, salutation)),
        facts=tuple(_facts(library, query)),
        warnings=tuple(warnings),
        sent_warnings=tuple(sent),
        elapsed_ms=round((time.perf_counter() - started) * 1000, 2),
    )


def warm_up(library: Library | None = None) -> None:
    """Build the search index, the emotion model and the QA draft rules before the first turn."""
    assist(
        [{"speaker": "customer", "text": "你们怎么回事"}],
        draft="您好",
        library=library,
    )
