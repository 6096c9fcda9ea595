"""The QA lead's pages: rulebook versions (upload, edit, activate per channel, re-score a period) and the
satisfaction predictor (versions with their measured agreement, retrain, calibrate rule points)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kefu.accounts.http import HtmxHttpRequest
from kefu.accounts.roles import Cap
from kefu.front.shortcuts import forbidden
from kefu.jobs import services as jobs
from kefu.learning import selectors as learned
from kefu.learning.services import model_activate
from kefu.lib.errors import InvalidInput, NotAllowed
from kefu.lib.params import parse_id
from kefu.quality import learning, rulebooks
from kefu.quality.models import CHANNEL_LABELS, RulebookActivation, RulebookVersion


def _lead(request: HtmxHttpRequest) -> HttpResponse | None:
    if not request.user.can(Cap.QA_LEAD):
        return forbidden(request, _("Only the QA lead manages rulebooks and learned models."))
    return None


@login_required
@require_safe
def rulebook_list(request: HtmxHttpRequest) -> HttpResponse:
    if (refused := _lead(request)) is not None:
        return refused
    rulebooks.builtin_sync()
    versions = list(RulebookVersion.objects.select_related("created_by").order_by("name", "-number"))
    active: dict[int, list[str]] = {}
    labels = dict(CHANNEL_LABELS)
    activated: dict[str, set[str]] = {}
    for act in RulebookActivation.objects.all():
        active.setdefault(act.version_id, []).append(str(labels.get(act.channel, act.channel)))
        activated.setdefault(act.channel, set()).add(act.name)
    # Where nothing is activated, the built-in files score the channel: say so on their newest version.
    newest_builtin = {}
    for v in versions:
        if v.source == RulebookVersion.Source.BUILTIN and v.name not in newest_builtin:
            newest_builtin[v.name] = v.pk
    for channel, label in CHANNEL_LABELS:
        for name in rulebooks.default_names(channel, activated.get(channel, set())):
            if name in newest_builtin:
                active.setdefault(newest_builtin[name], []).append(_("%(channel)s (built in)") % {"channel": label})
    rows = [(v, active.get(v.pk, [])) for v in versions]
    return render(request, "quality/rulebooks/list.html", {"rows": rows, "channels": CHANNEL_LABELS})


@login_required
@require_http_methods(["GET", "POST"])
def rulebook_edit(request: HtmxHttpRequest) -> HttpResponse:
    """Upload a YAML file or edit one (prefilled from a version): saved as the next version of its name."""
    if (refused := _lead(request)) is not None:
        return refused
    text = ""
    errors: list[str] = []
    base = parse_id(request.GET.get("from"))
    if request.method == "GET" and base is not None:
        found = RulebookVersion.objects.filter(pk=base).first()
        text = found.content if found else ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        source = RulebookVersion.Source.EDIT
        if upload is not None:
            if (upload.size or 0) > rulebooks.MAX_CHARS:
                errors = [_("The rulebook is larger than %(kb)d KB.") % {"kb": rulebooks.MAX_CHARS // 1024}]
            else:
                try:
                    text = upload.read().decode("utf-8-sig")
                    source = RulebookVersion.Source.UPLOAD
                except UnicodeDecodeError:
                    errors = [_("The file is not UTF-8 text.")]
        else:
            text = request.POST.get("content", "")
        if not errors:
            try:
                version = rulebooks.rulebook_save(actor=request.user, text=text, source=source,
                                                  note=request.POST.get("note", "")[:500])
            except NotAllowed as exc:
                return forbidden(request, exc.message)
            except InvalidInput as exc:
                errors = list(exc.errors.values()) or [exc.message]
            else:
                messages.success(request, _("Saved as version %(n)d of %(name)s.") % {"n": version.number,
                                                                                       "name": version.title or version.name})
                return redirect("quality:rulebook", pk=version.pk)
    return render(request, "quality/rulebooks/edit.html", {"content": text, "errors": errors},
                  status=422 if errors else 200)


@login_required
@require_safe
def rulebook_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    if (refused := _lead(request)) is not None:
        return refused
    version = get_object_or_404(RulebookVersion.objects.select_related("created_by"), pk=pk)
    labels = dict(CHANNEL_LABELS)
    active = [str(labels.get(a.channel, a.channel)) for a in version.activations.all()]
    data, _problems = rulebooks.validate(version.content)  # the rules as a readable table above the YAML
    book = data or {}
    written_for = set(book.get("channels") or ()) | set(book.get("compose_into") or ())
    # Preselect the channel the rulebook was written for: activating a chat rulebook on the hotline by default
    # (the first option) would score calls with chat rules.
    fits = [key for key, _label in CHANNEL_LABELS if key in written_for]
    return render(request, "quality/rulebooks/detail.html",
                  {"version": version, "active": active, "channels": CHANNEL_LABELS, "fits": fits,
                   "fits_labels": [str(labels[key]) for key in fits],
                   "rules": book.get("rules", []), "pass_score": book.get("pass_score")})


@login_required
@require_POST
def rulebook_activate(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    if (refused := _lead(request)) is not None:
        return refused
    version = get_object_or_404(RulebookVersion, pk=pk)
    try:
        rulebooks.rulebook_activate(actor=request.user, version=version, channel=request.POST.get("channel", ""))
    except NotAllowed as exc:
        return forbidden(request, exc.message)
    except InvalidInput as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Activated: new conversations of this channel are scored with this version. "
                                    "Re-score a period to apply it to older ones."))
    return redirect("quality:rulebook", pk=version.pk)


@login_required
@require_POST
def start_job(request: HtmxHttpRequest, what: str) -> HttpResponse:
    """Start a re-score, a calibration or a retraining in the background; the job page shows its progress."""
    if (refused := _lead(request)) is not None:
        return refused
    kinds = {"rescore": "quality-rescore", "calibrate": "quality-calibrate", "train": "quality-train-satisfaction"}
    if what not in kinds:
        return forbidden(request, _("Unknown action."))
    params: dict[str, object] = {"actor": request.user.pk}
    channel = request.POST.get("channel", "")
    if what in ("rescore", "calibrate") and channel and channel not in rulebooks.CHANNELS:
        messages.error(request, _("Unknown channel."))
        return redirect("quality:rulebooks")
    if what == "calibrate" and not channel:
        messages.error(request, _("Choose the channel to calibrate."))
        return redirect("quality:predictor")
    if what == "rescore":
        start, end = rulebooks._day(request.POST.get("start")), rulebooks._day(request.POST.get("end"))
        if start is None or end is None or end < start:
            messages.error(request, _("Choose the first and last day of the period (the last not before the first)."))
            return redirect("quality:rulebooks")
        params.update(start=request.POST["start"], end=request.POST["end"])
    if channel:
        params["channel"] = channel
    job = jobs.job_start(actor=request.user, kind=kinds[what], params=params)
    return redirect("jobs:detail", pk=job.pk)


@login_required
@require_safe
def predictor(request: HtmxHttpRequest) -> HttpResponse:
    if (refused := _lead(request)) is not None:
        return refused
    versions = list(learned.model_versions(learning.KIND))
    calibrated = RulebookVersion.objects.filter(source=RulebookVersion.Source.CALIBRATED).order_by("-created_at")[:10]
    sources = learning.training_counts()
    return render(request, "quality/predictor.html", {
        "versions": versions, "channels": CHANNEL_LABELS, "calibrated": calibrated,
        "labelled": sum(sources.values()), "sources": sources, "min_samples": learning.MIN_SAMPLES,
    })


@login_required
@require_POST
def predictor_activate(request: HtmxHttpRequest, version: int) -> HttpResponse:
    if (refused := _lead(request)) is not None:
        return refused
    found = learned.model_get(learning.KIND, version)
    if found is None:
        return forbidden(request, _("No such version."))
    model_activate(found, actor=request.user)
    job = jobs.job_start(actor=request.user, kind="quality-predict", params={"actor": request.user.pk})
    messages.success(request, _("Version %(n)d predicts from now on; every conversation is being predicted again.") % {
        "n": found.version})
    return redirect("jobs:detail", pk=job.pk)
