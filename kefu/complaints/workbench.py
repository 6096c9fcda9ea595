"""The complaints panel of the workbench: my queue, overdue first, with counters.

Registered with ``kefu.front.workbench`` at start-up (``ComplaintsConfig.ready``).
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from kefu.accounts.http import HtmxHttpRequest
from kefu.accounts.models import User
from kefu.accounts.roles import SEES_COMPLAINTS, Cap
from kefu.complaints import presenters
from kefu.complaints.models import Complaint
from kefu.complaints.selectors import overdue_first, overdue_q, queue_counters, queue_for
from kefu.front.workbench import Panel, Shortcut

PAGE_SIZE = 25
TEMPLATE = "complaints/workbench.html"


class CountedPaginator(Paginator):
    """A paginator told its count, when the page already counted the rows (saves a COUNT query)."""

    def __init__(self, object_list: Any, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


def _applies(user: User) -> bool:
    return bool(SEES_COMPLAINTS & user.caps) and user.is_active


def _context(request: HtmxHttpRequest) -> dict[str, Any]:
    user = request.user
    now = timezone.now()
    queue = queue_for(user)
    counters = queue_counters(queue, now)
    only_overdue = request.GET.get("overdue") == "1"
    if only_overdue:
        queue = queue.filter(overdue_q(now))
    known = counters["overdue"] if only_overdue else counters["total"]
    ordered_ids = overdue_first(queue, now).values_list("pk", flat=True)
    page = CountedPaginator(ordered_ids, PAGE_SIZE, count=known).get_page(request.GET.get("page"))
    rows = presenters.rows(presenters.in_order(list(page), presenters.table(Complaint.objects.all())), now)
    return {"counters": counters, "page_obj": page, "rows": rows, "only_overdue": only_overdue}


def _render(request: HtmxHttpRequest) -> str:
    return render_to_string(TEMPLATE, _context(request), request=request)


def _update(request: HtmxHttpRequest) -> HttpResponse:
    return render(request, TEMPLATE + "#queue", _context(request))


def _shortcuts(user: User) -> list[Shortcut]:
    if not user.can(Cap.COMPLAINT_RECORD):
        return []
    return [Shortcut(_("Record a complaint"), reverse("complaints:new"), key="n")]


PANEL = Panel(
    key="complaints",
    order=10,
    applies=_applies,
    render=_render,
    update=_update,
    targets=frozenset({"queue"}),
    shortcuts=_shortcuts,
)
