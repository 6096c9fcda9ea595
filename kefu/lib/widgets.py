"""Form widgets shared by the apps.

The browser's ``<input type="date">`` and ``type="datetime-local"`` accept only ISO values
(``2026-11-29``, ``2026-11-29T09:30``). Django renders a date in the active language's first
input format, which for Chinese is ``2026/11/29``: the browser then shows an empty field. These
widgets always render ISO, whatever the language.
"""

from __future__ import annotations

from typing import Any

from django import forms


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")
