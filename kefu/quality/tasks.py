"""Background import and scoring of an uploaded file (a job with progress)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from kefu.accounts.models import User
from kefu.jobs.registry import Progress, WithProblems
from kefu.lib.masking import mask_numbers_in
from kefu.quality import formats, services
from kefu.quality.models import Upload


def read_items(data: bytes, fmt: str, *, conv_id: str = "", agent_names: tuple[str, ...] = ()) -> list[formats.Item]:
    if fmt == "csv":
        return list(formats.read_csv(data))
    if fmt == "chat":
        return list(formats.read_chat_log(data, conv_id=conv_id, agent_names=agent_names))
    return list(formats.read_jsonl(data))


def import_job(params: dict[str, Any], progress: Progress) -> str:
    """Import the uploaded file named in ``params`` in chunks, reporting progress; errors are listed by line."""
    upload = Upload.objects.filter(pk=params.get("upload", 0)).first()
    if upload is None:  # or started bare from the jobs page (POST /jobs/start/quality-import/): nothing to import
        return _("The uploaded file was imported already.")
    actor = User.objects.get(pk=params["actor"])
    items = read_items(bytes(upload.data), params["format"], conv_id=params.get("conv_id", ""),
                       agent_names=tuple(params.get("agent_names", ())))
    total = len(items)
    progress(0, total)
    report = services.ImportReport()
    for start in range(0, total, 200):
        part = services.conversations_import(actor=actor, items=items[start : start + 200])
        for name in ("created", "updated", "unchanged"):
            setattr(report, name, getattr(report, name) + getattr(part, name))
        report.errors.extend(part.errors)
        progress(min(total, start + 200), total)
    Upload.objects.filter(pk=upload.pk).delete()  # only once imported: a failed attempt is retried with it
    summary = _("%(created)d new, %(updated)d updated, %(unchanged)d unchanged, %(errors)d with errors.") % {
        "created": report.created, "updated": report.updated, "unchanged": report.unchanged,
        "errors": len(report.errors),
    }
    if report.errors and not (report.created or report.updated or report.unchanged):
        summary += " " + _("Nothing could be imported: check that the format chosen matches the file, then upload it again.")
    if report.errors:  # they quote the file (an unknown agent, a speaker's name): numbers in them masked
        summary += " " + "；".join(
            _("line %(line)d: %(error)s") % {"line": line, "error": mask_numbers_in(error).rstrip("。")}
            for line, error in report.errors[:20]
        ) + "。"
        if len(report.errors) > 20:
            summary += _("%(n)d more lines with errors are not listed.") % {"n": len(report.errors) - 20}
    return WithProblems(summary, len(report.errors))


def sample() -> int:
    from kefu.quality import reviews

    return reviews.sample()


def close_expired() -> int:
    from kefu.quality import reviews

    return reviews.close_expired()
