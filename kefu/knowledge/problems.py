"""Phrasebook validation problems in the user's language.

:mod:`kefu.phrasebook.schema` is pure and words its problems in English for
the command line; here each problem code has the message people read on the
entry form, the import page and in the API's 422 answers.
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.phrasebook.schema import Problem

PROBLEM_MESSAGES: dict[str, Promise] = {
    "not_mapping": gettext_lazy("Each entry must be a set of “field: value” lines."),
    "unknown_field": gettext_lazy("Unknown field (known: %(known)s)."),
    "bad_id": gettext_lazy(
        "The id is lower-case letters, digits and _ in dotted words, e.g. counter.form_error."
    ),
    "bad_kind": gettext_lazy("Choose a kind."),
    "not_text": gettext_lazy("Must be text."),
    "not_text_list": gettext_lazy("Must be a list of texts, none of them empty."),
    "required": gettext_lazy("This field is required."),
    "id_too_long": gettext_lazy("At most %(max)d characters."),
    "too_long": gettext_lazy("At most %(max)d characters."),
    "list_too_long": gettext_lazy("At most %(items)d items of at most %(max)d characters each."),
    "required_list": gettext_lazy("Give at least one."),
    "unknown_norm": gettext_lazy("Unknown norm id %(norm)s: pick the norms from the list."),
    "unknown_channel": gettext_lazy("Unknown channel %(channel)s: pick the channels from the list."),
    "required_for_kind": gettext_lazy("Required for this kind of entry."),
    "bad_risk": gettext_lazy("Choose what the phrase risks."),
    "bad_yaml": gettext_lazy("Not valid YAML: check the indentation and the colons near this line."),
    "bad_file": gettext_lazy("The file must be a list of entries, or entries: followed by the list."),
    "duplicate": gettext_lazy("The same id as entry #%(first)s."),
    "unreadable": gettext_lazy("The file cannot be read."),
    "defined_twice": gettext_lazy("Also defined in %(file)s."),
}

# Where a field is ticked rather than typed, the same problem reads differently.
PICKED_MESSAGES: dict[tuple[str, str], Promise] = {
    ("required_list", "cites"): gettext_lazy("Tick at least one norm."),
}

FIELD_NAMES: dict[str, Promise] = {
    "id": gettext_lazy("Entry id"),
    "kind": gettext_lazy("Kind"),
    "title": gettext_lazy("Title"),
    "text": gettext_lazy("What to say"),
    "situations": gettext_lazy("Situations"),
    "tags": gettext_lazy("Tags"),
    "cites": gettext_lazy("Norms"),
    "example": gettext_lazy("Example"),
    "explanation": gettext_lazy("Explanation"),
    "keywords": gettext_lazy("Extra search words"),
    "channels": gettext_lazy("Channels"),
    "when": gettext_lazy("When to use"),
    "steps": gettext_lazy("Steps"),
    "traits": gettext_lazy("Traits"),
    "need": gettext_lazy("Dominant need"),
    "do": gettext_lazy("Do"),
    "dont": gettext_lazy("Don't"),
    "talk": gettext_lazy("How to talk"),
    "phrases": gettext_lazy("Phrases to avoid"),
    "alternative": gettext_lazy("Say instead"),
    "risk": gettext_lazy("Risk"),
    "source": gettext_lazy("Source"),
    "entries": gettext_lazy("Entries"),
}


def problem_message(problem: Problem) -> str:
    """What is wrong, in the user's language (without where)."""
    template = PICKED_MESSAGES.get((problem.code, problem.field)) or PROBLEM_MESSAGES.get(problem.code)
    if template is None:
        return problem.message
    params: dict[str, Any] = dict(problem.params)
    return str(template) % params if params else str(template)


def problem_text(problem: Problem) -> str:
    """Where and what, in the user's language: for the import page and the YAML check."""
    field = str(FIELD_NAMES.get(problem.field, problem.field))
    values = {
        "source": problem.source,
        "line": problem.line,
        "entry": problem.entry,
        "field": field,
        "message": problem_message(problem),
    }
    if problem.line and problem.field != "-":
        return _("%(source)s line %(line)s, entry %(entry)s, %(field)s: %(message)s") % values
    if problem.line:
        return _("%(source)s line %(line)s: %(message)s") % values
    if problem.field != "-":
        return _("%(source)s, entry %(entry)s, %(field)s: %(message)s") % values
    return _("%(source)s: %(message)s") % values
