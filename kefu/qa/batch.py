"""Scoring stored conversations in bulk: one record in, one written result out.

``kefu qa score`` runs :class:`RecordScorer` in its own process, in each
``--workers`` process and in each Ray actor (``--ray``): the text of every
result — a JSON line, a table row or an HTML section — is made here, so the
three write the same bytes in the same order.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from kefu.qa.engine import Engine
from kefu.qa.model import Conversation, ConversationError, parse_conversation
from kefu.qa.rulebook import Rulebook
from kefu.qa.shards import Record

FORMATS = ("jsonl", "table", "html")

Result = tuple[int, str | None, str | None]  # (line or row number, text to write, why the record was not scored)


def parse_json(line: str) -> tuple[Any, str | None]:
    """(value, None) or (None, why the line is not usable JSON)."""
    try:
        return json.loads(line), None
    except json.JSONDecodeError as exc:
        return None, f"invalid JSON: {exc.msg} (column {exc.colno})"
    except RecursionError:
        return None, "invalid JSON: nested too deeply"
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        return None, f"invalid JSON: {exc}"


_SURROGATE = re.compile("[\ud800-\udfff]")


def lone_surrogate(conv: Conversation) -> str | None:
    """The field where a JSON escape such as "\\ud800" left half a character,
    which no UTF-8 output can hold."""
    fields = [("id", conv.id), ("channel", conv.channel)]
    fields += [(f"turns[{i}].text", turn.text) for i, turn in enumerate(conv.turns)]
    for path, value in fields:
        found = _SURROGATE.search(value)
        if found:
            return f"{path}: holds a lone surrogate {found.group()!a} (half of a \\u escape pair)"
    return None


# --- output formats -----------------------------------------------------------------------

TABLE_HEADER = f"{'id':<28} {'rulebook':<17} {'score':>5} {'':<4}  {'critical':<24} failed rules\n"

HTML_HEAD = (
    "<!doctype html><html lang='zh-CN'><meta charset='utf-8'><title>质检结果</title>"
    "<style>body{font-family:sans-serif}table{border-collapse:collapse;margin-bottom:1em}"
    "td,th{border:1px solid #ccc;padding:2px 6px;font-size:13px}.fail{background:#fde2e2}.pass{background:#e6f6e6}</style><body>"
)
HTML_TAIL = "</body></html>\n"


def _table_row(card: dict[str, Any]) -> str:
    failed = [h["rule"] for h in card["hits"] if h["outcome"] == "fail"]
    mark = "PASS" if card["passed"] else "FAIL"
    crit = ",".join(card["critical"]) or "-"
    return f"{card['id'][:28]:<28} {card['rulebook']:<17} {card['score']:>5} {mark:<4}  {crit:<24} {', '.join(failed)}"


def _html_card(card: dict[str, Any]) -> str:
    rows = []
    for hit in card["hits"]:
        if hit["outcome"] == "na":
            continue
        evidence = "<br>".join(html.escape(f"#{e['turn']}: {e['text']}") for e in hit["evidence"])
        rows.append(
            f"<tr class='{hit['outcome']}'><td>{html.escape(hit['rule'])}</td><td>{html.escape(hit['title'])}</td>"
            f"<td>{hit['outcome']}</td><td>{hit['points']}</td><td>{html.escape(', '.join(hit['cites']))}</td><td>{evidence}</td></tr>"
        )
    status = "通过" if card["passed"] else "未通过"
    return (
        f"<section><h2>{html.escape(card['id'])} — {card['score']} 分（{status}）</h2>"
        "<table><tr><th>规则</th><th>标题</th><th>结果</th><th>分值</th><th>规范</th><th>证据</th></tr>"
        + "".join(rows)
        + "</table></section>"
    )


def format_card(card: dict[str, Any], fmt: str) -> str:
    """One scorecard as written in ``fmt``, with its line end."""
    if fmt == "jsonl":
        return json.dumps(card, ensure_ascii=False) + "\n"
    if fmt == "table":
        return _table_row(card) + "\n"
    return _html_card(card) + "\n"


def head(fmt: str) -> str:
    """What the output starts with, before the first scorecard."""
    return {"table": TABLE_HEADER, "html": HTML_HEAD}.get(fmt, "")


def tail(fmt: str) -> str:
    return HTML_TAIL if fmt == "html" else ""


# --- scoring one record -----------------------------------------------------------------------


class RecordScorer:
    """Scores records with one engine, built once (per process or actor).

    ``rulebook`` as ``Engine`` takes it: ``None`` scores each conversation by
    its channel's default rulebook.
    """

    def __init__(self, rulebook: Rulebook | str | None, *, fmt: str = "jsonl", emotion_per_turn: bool = False) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}")
        self.engine = Engine(rulebook, emotion_per_turn=emotion_per_turn)
        self.fmt = fmt

    def __call__(self, record: Record) -> Result:
        number, line, reason = record
        if line is None:
            return number, None, reason
        raw, error = parse_json(line)
        if error is not None:
            return number, None, error
        try:
            conv = parse_conversation(raw)
        except ConversationError as exc:
            return number, None, f"invalid conversation: {exc}"
        half = lone_surrogate(conv)
        if half is not None:
            return number, None, f"invalid conversation: {half}"
        try:
            card = self.engine.score(conv).to_dict()
        except Exception as exc:  # a bug must not lose the rest of a 100 % batch
            return number, None, f"internal error while scoring {conv.id!r}: {type(exc).__name__}: {exc}"
        return number, format_card(card, self.fmt), None
