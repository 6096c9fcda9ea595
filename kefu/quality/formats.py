"""Reading conversations from what call centres export: JSON lines, CSV (one row per turn), and a
plain "time speaker: text" chat log. Pure: every reader yields ``(line_number, record_or_error)``."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _

# One conversation record: {"id", "channel"?, "agent"?, "started_at"?, "complaint"?, "turns": [...]}
Record = dict[str, Any]
Item = tuple[int, Record | str]  # (line, record) or (line, error message)

MAX_BYTES = 5 * 1024 * 1024
CSV_COLUMNS = ("conversation_id", "speaker", "text")


class FormatError(ValueError):
    """The file as a whole cannot be read (too large, not text, missing columns)."""


def _text(data: bytes | str) -> str:
    if isinstance(data, bytes):
        if len(data) > MAX_BYTES:
            raise FormatError(_("The file is larger than %(mb)d MB.") % {"mb": MAX_BYTES // (1024 * 1024)})
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise FormatError(_("The file is not UTF-8 text.")) from exc
    if len(data.encode("utf-8")) > MAX_BYTES:
        raise FormatError(_("The file is larger than %(mb)d MB.") % {"mb": MAX_BYTES // (1024 * 1024)})
    return data


def read_jsonl(data: bytes | str) -> Iterator[Item]:
    """One JSON object per line; blank lines are skipped."""
    for number, line in enumerate(_text(data).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, _("Not valid JSON (column %(col)d).") % {"col": exc.colno}
            continue
        except (ValueError, RecursionError):  # a number of thousands of digits, arrays nested thousands deep
            yield number, _("Not valid JSON: a number too long or values nested too deeply.")
            continue
        if not isinstance(value, dict):
            yield number, _("Each line must be one JSON object.")
            continue
        yield number, value


def read_csv(data: bytes | str) -> Iterator[Item]:
    """Rows ``conversation_id, speaker, text`` (+ optional ``agent, channel, start, end, started_at``),
    grouped into conversations in file order; a conversation is reported at its first row's line."""
    taken = 0  # lines the reader has taken: the last one is where it failed (its line_num can lag behind)

    def lines() -> Iterator[str]:
        nonlocal taken
        for line in io.StringIO(_text(data)):
            taken += 1
            yield line

    reader = csv.DictReader(lines())
    try:
        yield from _csv_records(reader)
    except csv.Error as exc:  # a field over the csv module's limit (128 KB): the file, not a line, is unreadable
        raise FormatError(_("Line %(line)d cannot be read as CSV.") % {"line": taken}) from exc


def _csv_records(reader: csv.DictReader[str]) -> Iterator[Item]:
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise FormatError(_("Missing columns: %(columns)s.") % {"columns": "、".join(missing)})
    records: dict[str, tuple[int, Record]] = {}
    for row in reader:
        number = reader.line_num
        conv_id = (row.get("conversation_id") or "").strip()
        if not conv_id:
            yield number, _("conversation_id is empty.")
            continue
        line, record = records.setdefault(conv_id, (number, {"id": conv_id, "turns": []}))
        for key in ("agent", "channel", "started_at", "complaint"):
            if row.get(key) and key not in record:
                record[key] = row[key].strip()
        turn: dict[str, Any] = {"speaker": (row.get("speaker") or "").strip(), "text": row.get("text") or ""}
        for key in ("start", "end"):
            raw = (row.get(key) or "").strip()
            if raw:
                try:
                    turn[key] = float(raw)
                except ValueError:
                    turn[key] = raw  # reported by the conversation check with its field path
        record["turns"].append(turn)
    for line, record in records.values():
        yield line, record


SPEAKER_WORDS = {
    "agent": ("客服", "坐席", "工号", "话务员", "agent"),
    "customer": ("客户", "用户", "顾客", "来电", "customer"),
    "system": ("系统", "system", "ivr"),
}
_CHAT_LINE = re.compile(r"^\s*(?:\[?(?P<time>(?:\d{4}-\d{2}-\d{2}[ T])?\d{1,2}:\d{2}(?::\d{2})?)\]?\s+)?(?P<who>[^:：]{1,30})[:：]\s?(?P<text>.*)$")


def speaker_of(name: str, agent_names: tuple[str, ...] = ()) -> str | None:
    low = name.strip().lower()
    if name.strip() in agent_names:
        return "agent"
    for speaker, words in SPEAKER_WORDS.items():
        if any(w in low for w in words):
            return speaker
    return None


def read_chat_log(data: bytes | str, *, conv_id: str, agent_names: tuple[str, ...] = ()) -> Iterator[Item]:
    """A chat export, ``[10:01:02] 客服小王: 您好`` per line, as one conversation.

    Times become seconds from the first line; a line without ``name:`` continues the previous turn.
    With ``agent_names`` given, a name that is neither one of them nor says 客服/客户/系统 is the customer
    (an export names the customer by their nickname); without them such a line is refused.
    """
    record: Record = {"id": conv_id, "channel": "chat", "turns": []}
    first: float | None = None
    errors = False
    for number, line in enumerate(_text(data).splitlines(), start=1):
        if not line.strip():
            continue
        match = _CHAT_LINE.match(line)
        speaker = speaker_of(match.group("who"), agent_names) if match else None
        if match and speaker is None and agent_names:
            speaker = "customer"  # the agents are named: anyone else in a one-to-one chat is the customer
        if match is None or speaker is None:
            if record["turns"] and match is None:
                record["turns"][-1]["text"] += "\n" + line.strip()
                continue
            who = match.group("who") if match else line[:20]
            yield number, _("Cannot tell who “%(who)s” is: name the agent, or use 客服/客户 in the name.") % {"who": who}
            errors = True
            continue
        turn: dict[str, Any] = {"speaker": speaker, "text": match.group("text")}
        if match.group("time"):
            seconds = _seconds(match.group("time"))
            first = seconds if first is None else first
            turn["start"] = max(0.0, seconds - first)
        record["turns"].append(turn)
    if not errors:
        yield 1, record


def _seconds(stamp: str) -> float:
    clock = stamp.split()[-1].split("T")[-1]
    parts = [int(p) for p in clock.split(":")]
    while len(parts) < 3:
        parts.append(0)
    return float(parts[0] * 3600 + parts[1] * 60 + parts[2])
