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
    DISPATCHER = "dispatcher", _("Dispatcher")
    TECHNICIAN = "technician", _("Field technician")
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
    TRAIN = "train"  # build scenarios and exams, assign them, see every trainee's results (培训师)
    PRACTISE = "practise"  # spar with simulated customers and sit exams (学员)
    ONSITE_DISPATCH = "onsite_dispatch"  # create, book and assign on-site work orders (派单)
    ONSITE_WORK = "onsite_work"  # work one's own on-site orders on the phone (装维人员)
    ONSITE_VIEW = "onsite_view"  # read every work order and the on-site reports
    COUNTER_INSPECT = "counter_inspect"  # inspect a counter agent against the seven steps (营业厅检查)
    SURVEY_MANAGE = "survey_manage"  # survey rules, SERVQUAL questionnaires, management-perception answers
    INSIGHT_VIEW = "insight_view"  # dashboards and reports over complaints, surveys, quality (洞察)
    HARASS_LIST = "harass_list"  # maintain the harassment number list (骚扰号码)
    RETENTION_WORK = "retention_work"  # work the churn-risk retention queue (维系)
    KNOWLEDGE_EDIT = "knowledge_edit"
    ASSIST_VIEW_TEAM = "assist_view_team"  # read (not write) the assist sessions of one's department
    ASSIST_VIEW_ALL = "assist_view_all"  # read every assist session
    ADMIN = "admin"


_ALL = frozenset(Cap)

ROLE_CAPS: dict[str, frozenset[Cap]] = {
    Role.AGENT: frozenset({Cap.CONTACT_LOG, Cap.COMPLAINT_RECORD, Cap.COMPLAINT_FOLLOW_UP, Cap.PRACTISE}),
    # Handlers do not do the follow-up visit: the service centre checks the department's remedy
    # independently (complaint.followup), so a handler never grades their own work.
    Role.HANDLER: frozenset(
        {Cap.CONTACT_LOG, Cap.COMPLAINT_RECORD, Cap.COMPLAINT_JUDGE, Cap.COMPLAINT_HANDLE, Cap.PRACTISE}
    ),
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
            Cap.PRACTISE,
            Cap.ONSITE_VIEW,
            Cap.COUNTER_INSPECT,
            Cap.INSIGHT_VIEW,
            Cap.HARASS_LIST,
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
            Cap.ONSITE_VIEW,
            Cap.COUNTER_INSPECT,
            Cap.SURVEY_MANAGE,
            Cap.INSIGHT_VIEW,
            Cap.HARASS_LIST,
            Cap.RETENTION_WORK,
        }
    ),
    Role.QA: frozenset({Cap.QA_INSPECT, Cap.COMPLAINT_VIEW_ALL, Cap.COMPLAINT_REVIEW, Cap.COUNTER_INSPECT}),
    Role.TRAINER: frozenset({Cap.TRAIN, Cap.KNOWLEDGE_EDIT}),
    Role.ACCOUNT_MANAGER: frozenset(
        {
            Cap.CONTACT_LOG,
            Cap.COMPLAINT_RECORD,
            Cap.COMPLAINT_FOLLOW_UP,
            Cap.PII_REVEAL_MANAGED,
            Cap.CUSTOMER_EDIT,
            Cap.PRACTISE,
            Cap.RETENTION_WORK,
        }
    ),
    # The dispatcher books appointments by phone, so sees the customer's number to call it (every reveal logged).
    Role.DISPATCHER: frozenset({Cap.ONSITE_DISPATCH, Cap.ONSITE_VIEW, Cap.CONTACT_LOG, Cap.PRACTISE}),
    Role.TECHNICIAN: frozenset({Cap.ONSITE_WORK, Cap.PRACTISE}),
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
