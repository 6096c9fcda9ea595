"""The global search page: results grouped by kind, or one kind with more results."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kefu.accounts.http import HtmxHttpRequest
from kefu.lib import ratelimit
from kefu.lib.errors import RateLimited
from kefu.search import selectors
from kefu.search.models import Kind

PER_KIND = 10  # grouped page
PER_KIND_ALONE = 50  # one kind (?type=…)


def _kinds_for(request: HtmxHttpRequest) -> list[str]:
    """The kinds this user may search; 403 when none (the getter every view starts with)."""
    kinds = selectors.searchable_kinds(request.user)
    if not kinds:
        raise PermissionDenied("search is not available to this role")
    return kinds


@require_GET
@login_required
def search(request: HtmxHttpRequest) -> HttpResponse:
    kinds = _kinds_for(request)
    q = request.GET.get("q", "").strip()[: selectors.MAX_QUERY_LENGTH]
    only = request.GET.get("type", "")
    selected = [only] if only in kinds else None
    groups = []
    limited = ""
    try:
        if q:
            ratelimit.check_number_search(request.user.pk, q)
    except RateLimited as exc:
        limited = exc.message
    if q and not limited:
        groups = selectors.search(
            user=request.user,
            q=q,
            kinds=selected,
            per_kind=PER_KIND_ALONE if selected else PER_KIND,
        )
    context = {
        "q": q,
        "groups": groups,
        "tabs": [(kind, Kind(kind).label) for kind in kinds],
        "only": only if selected else "",
        "terms": selectors.parse(q).terms if q else (),
        "total": sum(len(g.hits) for g in groups),
        "limited": limited,
    }
    template = "search/search.html#results" if request.htmx and not request.htmx.boosted else "search/search.html"
    # htmx swaps only 2xx answers: the message must still reach the page.
    return render(request, template, context, status=429 if limited and not request.htmx else 200)
