"""The workbench panel: a trainee's open training assignments with their due dates."""

from __future__ import annotations

from django.template.loader import render_to_string

from kefu.accounts.http import HtmxHttpRequest
from kefu.accounts.models import User
from kefu.accounts.roles import Cap
from kefu.front.workbench import Panel
from kefu.training import selectors
from kefu.training.models import Assignment


def _applies(user: User) -> bool:
    return user.can(Cap.PRACTISE) and Assignment.objects.filter(trainees=user).exists()


def _render(request: HtmxHttpRequest) -> str:
    rows = [r for r in selectors.my_assignments(request.user) if not r.done]
    return render_to_string("training/_workbench.html", {"rows": rows[:8], "more": max(0, len(rows) - 8)},
                            request=request)


PANEL = Panel("training", 60, _applies, _render)
