"""Kefu phrasebook (话术库): scripts, techniques, persona guidance and policy facts.

A pure package — it imports nothing from Django — so the QA engine, the
training simulator, the CLI and the web app share one source of truth.

- :mod:`kefu.phrasebook.schema` — the entry schema and validator.
- :mod:`kefu.phrasebook.loader` — YAML loading (``data/*.yaml`` built in, operator files on top).
- :mod:`kefu.phrasebook.search` — Chinese and pinyin-initial search.
- :mod:`kefu.phrasebook.greeting` — the greeting that fits channel, time and date.
- :mod:`kefu.phrasebook.assist` — agent assist over a live conversation.
- :mod:`kefu.phrasebook.cli` — ``kefu knowledge check|search|greet|assist``.

Every entry cites ``NORMS.md`` ids; :func:`kefu.phrasebook.norms.script_or_knowledge_ids`
lists the ids (rows marked S or K) the library must cover.
"""

from __future__ import annotations

from kefu.phrasebook.loader import Library, builtin_library, load_file, load_library
from kefu.phrasebook.schema import KINDS, Entry, PhrasebookError, Problem

__all__ = [
    "KINDS",
    "Entry",
    "Library",
    "PhrasebookError",
    "Problem",
    "builtin_library",
    "load_file",
    "load_library",
]
