"""Who is told what about a complaint (the bell and, by choice, e-mail). Called inside the services'
transactions, so a notification exists exactly when its event does (complaint.process.approval,
phone.manner.promise_kept: the six degrees' speed)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import User
from kefu.accounts.roles import ROLE_CAPS, Cap, Role
from kefu.complaints.models import Complaint, Proposal
from kefu.complaints.selectors import approval_limit
from kefu.notifications.models import Kind, Notification
from kefu.notifications.services import Notice, in_site_language, notify, notify_many


class People:
    """Who hears about a complaint's deadlines: its handler and its department's supervisors.

    Built once per sweep (one query for every supervisor), so notifying a thousand breaches
    does not ask a thousand times who supervises the department.
    """

    def __init__(self) -> None:
        self._by_department: dict[int | None, list[User]] = {}
        for user in User.objects.filter(role=Role.SUPERVISOR, is_active=True):
            self._by_department.setdefault(user.department_id, []).append(user)
        self._everyone = [u for users in self._by_department.values() for u in users]

    def supervisors(self, complaint: Complaint) -> list[User]:
        """The supervisors of the handling department; every supervisor when it has none (or none is set)."""
        if complaint.handling_department_id is None:
            return list(self._everyone)
        return list(self._by_department.get(complaint.handling_department_id) or self._everyone)

    def handler_and_supervisors(self, complaint: Complaint) -> list[User]:
        people = self.supervisors(complaint)
        if complaint.handler_id and complaint.handler is not None:
            people.append(complaint.handler)
        return people


def _handler_and_supervisors(complaint: Complaint) -> list[User]:
    return People().handler_and_supervisors(complaint)


def _label(complaint: Complaint) -> str:
    return f"{complaint.number or complaint.pk} {complaint.subject}"[:120]


def _due(complaint: Complaint) -> str:
    return timezone.localtime(complaint.step_due_at).strftime("%m-%d %H:%M") if complaint.step_due_at else ""


def _sla_notice(complaint: Complaint, *, breach: bool) -> Notice:
    label, step, due = _label(complaint), complaint.get_state_display(), _due(complaint)
    stamp = f"{complaint.step_started_at:%Y%m%d%H%M%S}"
    if breach:
        return Notice(
            Kind.SLA_BREACH,
            _("Overdue: %(complaint)s") % {"complaint": label},
            _("The step “%(step)s” was due at %(due)s.") % {"step": step, "due": due},
            complaint.get_absolute_url(),
            f"complaint:{complaint.pk}:breach:{stamp}",
        )
    return Notice(
        Kind.SLA_WARNING,
        _("Due soon: %(complaint)s") % {"complaint": label},
        _("The step “%(step)s” is due at %(due)s.") % {"step": step, "due": due},
        complaint.get_absolute_url(),
        f"complaint:{complaint.pk}:warn:{stamp}",
    )


@in_site_language
def sla_notices(
    complaints: Iterable[Complaint], *, breach: bool, people: People | None = None, new_events: bool = False
) -> list[Notification]:
    """Tell each complaint's handler and supervisors that its step is overdue (or due soon), once per step."""
    people = people or People()
    return notify_many(
        ((people.handler_and_supervisors(c), _sla_notice(c, breach=breach)) for c in complaints),
        new_events=new_events,
    )


def sla_warning(complaint: Complaint) -> int:
    return len(sla_notices([complaint], breach=False))


def sla_breach(complaint: Complaint) -> int:
    return len(sla_notices([complaint], breach=True))


def _approvers(amount: Decimal, *, role: str = "", exclude: int | None = None) -> Iterable[User]:
    approving = [r for r, caps in ROLE_CAPS.items() if Cap.COMPLAINT_APPROVE in caps and r != Role.ADMIN]
    qs = User.objects.filter(is_active=True).filter(Q(role=role) if role else Q(role__in=approving))
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    for user in qs:
        limit = approval_limit(user)
        if limit is None or limit >= amount:
            yield user


@in_site_language
def approval_waiting(complaint: Complaint, proposal: Proposal) -> int:
    """A proposal awaits approval: whoever may approve that amount (or the role it was escalated to)."""
    people = list(_approvers(proposal.amount, role=proposal.escalated_to, exclude=proposal.proposed_by_id))
    return notify(
        people,
        Notice(
            Kind.APPROVAL_WAITING,
            _("Approval needed: %(complaint)s") % {"complaint": _label(complaint)},
            _("%(remedy)s, %(amount)s yuan, proposed by %(who)s.")
            % {"remedy": proposal.get_remedy_display(), "amount": proposal.amount, "who": proposal.proposed_by},
            complaint.get_absolute_url(),
            f"proposal:{proposal.pk}:approval:{proposal.escalated_to or 'first'}",
        ),
    )


@in_site_language
def sent_back(complaint: Complaint, proposal: Proposal, comment: str) -> int:
    return notify(
        [proposal.proposed_by],
        Notice(
            Kind.SENT_BACK,
            _("Sent back: %(complaint)s") % {"complaint": _label(complaint)},
            comment,
            complaint.get_absolute_url(),
            f"proposal:{proposal.pk}:sent_back",
        ),
    )


@in_site_language
def reopened(complaint: Complaint, event_seq: int) -> int:
    return notify(
        _handler_and_supervisors(complaint),
        Notice(
            Kind.REOPENED,
            _("Customer dissatisfied, reopened: %(complaint)s") % {"complaint": _label(complaint)},
            _("The follow-up found the customer dissatisfied; the complaint is back with the department."),
            complaint.get_absolute_url(),
            f"complaint:{complaint.pk}:reopened:{event_seq}",
        ),
    )


@in_site_language
def regulator_arrived(complaint: Complaint) -> int:
    people = User.objects.filter(is_active=True, role__in=[Role.SUPERVISOR, Role.MANAGER])
    return notify(
        people,
        Notice(
            Kind.REGULATOR,
            _("Regulator complaint: %(complaint)s") % {"complaint": _label(complaint)},
            _("Received through %(channel)s; it runs on the regulator's clock.")
            % {"channel": complaint.get_channel_display()},
            complaint.get_absolute_url(),
            f"complaint:{complaint.pk}:regulator",
        ),
    )
