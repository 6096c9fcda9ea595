"""Who may see a customer's personal data in full (PIPL), and why they looked.

Phone numbers, ID numbers and home addresses leave the server masked. A full
value is shown only through a reveal service, to a user allowed to reveal it
for *that* customer, with a stated reason, and every reveal writes a
``RevealLog`` row. Everything else that could tell a hidden digit — search,
filters, lookups, logs — works on what the mask shows (see
``kefu.search.selectors`` and ``kefu.lib.logmask``).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.accounts.models import User
from kefu.accounts.roles import Cap
from kefu.customers.models import Customer
from kefu.lib.errors import InvalidInput, NotAllowed
from kefu.lib.textnorm import to_simplified

REASON_OTHER = "other"
# The usual reasons, offered as a list; "other" asks for the reason in words.
REVEAL_REASONS: list[tuple[str, object]] = [
    ("verify", gettext_lazy("Verifying the caller's identity")),
    ("callback", gettext_lazy("Calling the customer back")),
    ("follow_up", gettext_lazy("Complaint follow-up call")),
    ("complaint", gettext_lazy("Handling the customer's complaint")),
    ("business", gettext_lazy("Handling the customer's request")),
    ("onsite", gettext_lazy("On-site service visit")),
    (REASON_OTHER, gettext_lazy("Other (write the reason)")),
]
MAX_REASON_LENGTH = 200


def sees_every_number(user: User) -> bool:
    """Whether ``user`` may reveal any customer's numbers (search then matches full numbers)."""
    return user.can(Cap.PII_REVEAL)


def can_reveal(user: User, customer: Customer) -> bool:
    """Whether ``user`` may reveal ``customer``'s numbers and address.

    Supervisors and managers reveal any customer's; an account manager only
    those of the customers they manage.
    """
    if user.can(Cap.PII_REVEAL):
        return True
    return user.can(Cap.PII_REVEAL_MANAGED) and customer.account_manager_id == user.pk


def check_can_reveal(user: User, customer: Customer) -> None:
    if not can_reveal(user, customer):
        raise NotAllowed(_("You may not see this customer's personal data in full."))


def reveal_reason(code: str | None, text: str | None = "") -> str:
    """The reason to log: a listed reason's label, or the words given (required for "other").

    ``code`` may also be free text (API callers): any text that is not a listed
    code is taken as the reason itself.
    """
    code = to_simplified((code or "").strip())
    text = to_simplified((text or "").strip())
    labels = {key: str(label) for key, label in REVEAL_REASONS}
    if code in labels and code != REASON_OTHER:
        reason = labels[code] + (f"：{text}" if text else "")
    elif code == REASON_OTHER or not code:
        reason = text
    else:
        reason = code + (f"：{text}" if text else "")
    if not reason:
        raise InvalidInput(
            _("Say why you need the full value; every reveal is logged."),
            errors={"reason": _("Choose or write a reason.")},
        )
    if len(reason) > MAX_REASON_LENGTH:
        raise InvalidInput(
            _("Some fields are too long."),
            errors={"reason": _("At most %(n)d characters.") % {"n": MAX_REASON_LENGTH}},
        )
    return reason
