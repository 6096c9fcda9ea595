"""Roles and what each may do.

Permissions are checked in services and views against these capability sets,
never only in templates.
"""

from __future__ import annotations

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    AGENT = "agent", _("Agent (hotline/counter)")
    HANDLER = "handler", _("Complaint handler")
    SUPERVISOR = "supervisor", _("Supervisor")
    MANAGER = "manager", _("Service manager")
    QA = "qa", _("QA inspector")
    TRAINER = "trainer", _("Trainer")
    ACCOUNT_MANAGER = "account_manager", _("Account manager")
    ADMIN = "admin", _("Administrator")


class Cap(StrEnum):
    """Capabilities; a role is a set of them."""

    CONTACT_LOG = "contact_log"
    COMPLAINT_RECORD = "complaint_record"
    COMPLAINT_JUDGE = "complaint_judge"  # validity and assignment (intake desk)
    COMPLAINT_HANDLE = "complaint_handle"  # cause, proposal, implementation in the department
    COMPLAINT_APPROVE = "complaint_approve"
    COMPLAINT_FOLLOW_UP = "complaint_follow_up"
    COMPLAINT_REVIEW = "complaint_review"
    COMPLAINT_VIEW_ALL = "complaint_view_all"
    PII_REVEAL = "pii_reveal"  # see full phone/ID numbers and addresses of any customer (every reveal logged)
    PII_REVEAL_MANAGED = "pii_reveal_managed"  # the same, for the customers one manages only
    CUSTOMER_EDIT = "customer_edit"
    QA_INSPECT = "qa_inspect"
    QA_LEAD = "qa_lead"  # sampling policies, appeal rulings (质检组长)
    TRAIN = "train"
    KNOWLEDGE_EDIT = "knowledge_edit"
    ASSIST_VIEW_TEAM = "assist_view_team"  # read (not write) the assist sessions of one's department
    ASSIST_VIEW_ALL = "assist_view_all"  # read every assist session
    ADMIN = "admin"


_ALL = frozenset(Cap)

ROLE_CAPS: dict[str, frozenset[Cap]] = {
    Role.AGENT: frozenset({Cap.CONTACT_LOG, Cap.COMPLAINT_RECORD, Cap.COMPLAINT_FOLLOW_UP}),
    # Handlers do not do the follow-up visit: the service centre checks the department's remedy
    # independently (complaint.followup), so a handler never grades their own work.
    Role.HANDLER: frozenset({Cap.CONTACT_LOG, Cap.COMPLAINT_RECORD, Cap.COMPLAINT_JUDGE, Cap.COMPLAINT_HANDLE}),
    Role.SUPERVISOR: frozenset(
        {
            Cap.CONTACT_LOG,
            Cap.COMPLAINT_RECORD,
            Cap.COMPLAINT_JUDGE,
            Cap.COMPLAINT_HANDLE,
            Cap.COMPLAINT_APPROVE,
            Cap.COMPLAINT_FOLLOW_UP,
            Cap.COMPLAINT_REVIEW,
            Cap.COMPLAINT_VIEW_ALL,
            Cap.PII_REVEAL,
            Cap.CUSTOMER_EDIT,
            Cap.KNOWLEDGE_EDIT,
            Cap.ASSIST_VIEW_TEAM,
        }
    ),
    Role.MANAGER: frozenset(
        {
            Cap.CONTACT_LOG,
            Cap.COMPLAINT_RECORD,
            Cap.COMPLAINT_JUDGE,
            Cap.COMPLAINT_HANDLE,
            Cap.COMPLAINT_APPROVE,
            Cap.COMPLAINT_FOLLOW_UP,
            Cap.COMPLAINT_REVIEW,
            Cap.COMPLAINT_VIEW_ALL,
            Cap.PII_REVEAL,
            Cap.CUSTOMER_EDIT,
            Cap.KNOWLEDGE_EDIT,
            Cap.ASSIST_VIEW_ALL,
            Cap.QA_LEAD,
        }
    ),
    Role.QA: frozenset({Cap.QA_INSPECT, Cap.COMPLAINT_VIEW_ALL, Cap.COMPLAINT_REVIEW}),
    Role.TRAINER: frozenset({Cap.TRAIN, Cap.KNOWLEDGE_EDIT}),
    Role.ACCOUNT_MANAGER: frozenset(
        {Cap.CONTACT_LOG, Cap.COMPLAINT_RECORD, Cap.COMPLAINT_FOLLOW_UP, Cap.PII_REVEAL_MANAGED, Cap.CUSTOMER_EDIT}
    ),
    Role.ADMIN: _ALL,
}


# Who sees which records — the one table that navigation, pages, search and the API all read.
SEES_CUSTOMERS = frozenset(
    {Cap.CONTACT_LOG, Cap.CUSTOMER_EDIT, Cap.COMPLAINT_VIEW_ALL, Cap.PII_REVEAL, Cap.PII_REVEAL_MANAGED}
)
SEES_CONTACTS = frozenset({Cap.CONTACT_LOG, Cap.COMPLAINT_VIEW_ALL, Cap.QA_INSPECT})
SEES_COMPLAINTS = frozenset(
    {
        Cap.COMPLAINT_RECORD,
        Cap.COMPLAINT_JUDGE,
        Cap.COMPLAINT_HANDLE,
        Cap.COMPLAINT_APPROVE,
        Cap.COMPLAINT_FOLLOW_UP,
        Cap.COMPLAINT_REVIEW,
        Cap.COMPLAINT_VIEW_ALL,
    }
)


def caps_for(role: str) -> frozenset[Cap]:
    return ROLE_CAPS.get(role, frozenset())
