"""Pages a customer opens from the survey link on a phone, without login.

The signed token is the only key. A tampered, unknown or expired link gets a clear page and
writes nothing; an answered survey says so and keeps its first answer. An address that sends
too many tampered or unknown links gets 429 for a while for any link not signed by us
(``kefu.accounts.throttle``).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kefu.accounts.throttle import (
    client_address,
    link_block_message,
    link_block_remaining,
    link_failure_record,
)
from kefu.lib.errors import InvalidInput
from kefu.surveys import forms, services, tokens
from kefu.surveys.catalogue import questionnaire
from kefu.surveys.models import Survey


def _message(request: HttpRequest, title: str, text: str, status: int, kind: str) -> HttpResponse:
    return render(request, "surveys/public/message.html", {"title": title, "text": text, "kind": kind},
                  status=status)


def _invalid(request: HttpRequest) -> HttpResponse:
    return _message(request, _("This link is not valid"),
                    _("The link may have been copied incompletely or altered. Please open it again from the "
                      "text message we sent you."), 400, "invalid")


def _expired(request: HttpRequest) -> HttpResponse:
    return _message(request, _("This survey has closed"),
                    _("The link is no longer valid. Thank you all the same; if you still need help, please call "
                      "our service hotline."), 410, "expired")


def _throttled(request: HttpRequest, wait: int) -> HttpResponse:
    response = _message(request, _("Too many attempts"), link_block_message(wait), 429, "throttled")
    response["Retry-After"] = str(wait)
    return response


def _answered(request: HttpRequest, survey: Survey, *, again: bool) -> HttpResponse:
    when = timezone.localtime(survey.answered_at).strftime("%Y-%m-%d %H:%M") if survey.answered_at else ""
    text = _("You answered this survey on %(when)s. Your first answer stands; thank you for your feedback.") % {
        "when": when}
    return _message(request, _("Already answered") if again else _("Thank you!"),
                    text if again else _("Your answer has been received. Thank you for helping us improve."),
                    409 if again else 200, "answered")


@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    # A blocked address is refused only the links we did not sign: many phones share one address
    # (carrier-grade NAT), and a customer holding a real link must not pay for someone's guesses there.
    address = client_address(request)
    wait = link_block_remaining(address=address)
    try:
        link = tokens.read(token)
    except tokens.LinkError as exc:
        if exc.reason == "expired":
            return _expired(request)
        if wait:
            return _throttled(request, wait)
        link_failure_record(address=address)
        return _invalid(request)
    survey = Survey.objects.filter(pk=link.survey_id).first()
    if survey is None or survey.nonce != link.nonce:
        if wait:
            return _throttled(request, wait)
        link_failure_record(address=address)
        return _invalid(request)
    if survey.state == Survey.State.SCHEDULED:
        return _invalid(request)
    if survey.answered_at is not None:
        return _answered(request, survey, again=True)
    if survey.state == Survey.State.EXPIRED or (survey.expires_at is not None and survey.expires_at <= timezone.now()):
        return _expired(request)
    form = forms.AnswerForm(request.POST or None)
    servqual_errors: dict[str, str] = {}
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.survey_answer(survey=survey, csat=data["csat"], nps=data.get("nps"),
                                       reasons=data.get("reasons") or [], comment=data.get("comment") or "",
                                       servqual=forms.servqual_answers(request.POST))
            except services.AlreadyAnswered:
                survey.refresh_from_db()
                return _answered(request, survey, again=True)
            except services.LinkExpired:
                return _expired(request)
            except InvalidInput as exc:
                for field, message in exc.errors.items():
                    if field in form.fields:
                        form.add_error(field, message)
                    else:
                        servqual_errors[field.removeprefix("servqual.")] = message
                if not exc.errors:
                    form.add_error(None, exc.message)
            else:
                survey.refresh_from_db()
                return _answered(request, survey, again=False)
    q = questionnaire()
    return render(request, "surveys/public/answer.html", {
        "form": form, "survey": survey, "q": q,
        "servqual": forms.servqual_rows(request.POST, servqual_errors) if survey.with_servqual else None,
        "scale": [str(i) for i in range(q.scale_min, q.scale_max + 1)],
    }, status=422 if request.method == "POST" else 200)
