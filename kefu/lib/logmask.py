"""A logging filter that masks phone and ID numbers in every log line (PIPL).

Access logs carry query strings (``/search/?q=13012340434``), and error logs
may quote input; a log file must not hold what the UI masks. Attached to the
console handlers in ``settings.LOGGING`` (the development server's access log
included); a production server's access log must be routed through it too.
"""

from __future__ import annotations

import logging
from urllib.parse import unquote

from kefu.lib.masking import mask_numbers_in


class MaskPersonalNumbers(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is the logging module's to report, unchanged
            return True
        # Query strings arrive percent-encoded (%2B86…, a number after encoded Chinese): decoded
        # first, so every spelling of a number is seen — and the line reads better too.
        decoded = unquote(message) if "%" in message else message
        masked = mask_numbers_in(decoded)
        if masked != message:
            record.msg, record.args = masked, ()
        return True
