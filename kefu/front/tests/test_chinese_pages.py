"""Every main page, for every role, speaks Chinese: no English message id or internal name is visible.

Each role of the demo data signs in and reads its pages with ``Accept-Language: zh-hans``. The visible
text (text nodes and the attributes people see or hear: title, placeholder, aria-label, alt, button
values) must hold no English word: a message id without a translation (``Nothing on your workbench
yet``), a name without one (``Follow ups``), or a code (``overall/*/std``). What may be written in
Latin letters in a Chinese UI is listed in ``ALLOWED``; record data the demo writes with Latin letters
(user names, department codes) is allowed as data.

The phrasebook's pages and admin (``kefu.knowledge``, translated by its own owner) are checked in tests
of their own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import override

from kefu.accounts.models import Department, User
from kefu.complaints.models import Complaint
from kefu.complaints.selectors import visible_complaints
from kefu.customers.models import Contact, Customer

pytestmark = pytest.mark.django_db

ROLES = ["agent", "handler", "billing", "supervisor", "manager", "qa", "trainer", "am", "admin"]
SMALL_DEMO = ["--customers", "12", "--contacts", "30", "--complaints", "24"]

# Latin text a Chinese UI may show: the product's name, the language switch's "English", key names
# (also in <kbd>, which is skipped), the channel "App"; any all-capitals word is an abbreviation
# (API, SLA, VIP, IPTV, TS… complaint numbers).
ALLOWED = {"Kefu", "English", "App", "Esc", "Ctrl", "Enter", "Shift", "Tab", "Alt", "hfcx"}  # hfcx: pinyin initials, an example
# Django's admin writes these alt texts in English whatever the language (not translatable there).
ADMIN_ICON_ALTS = {"True", "False", "None", "Search"}
SKIPPED_TAGS = {"script", "style", "template", "noscript", "kbd", "code"}
SEEN_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
WORD = re.compile(r"[A-Za-z][A-Za-z'’]+")
ABBREVIATION = re.compile(r"[A-Z]{2,}")


class _VisibleText(HTMLParser):
    """(text, where) pairs: text nodes outside code and scripts, and the attributes a user meets."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skipping = 0
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED_TAGS:
            self.skipping += 1
        values = dict(attrs)
        for name in SEEN_ATTRIBUTES:
            if values.get(name):
                self.found.append((str(values[name]), name))
        if tag == "input" and values.get("type") in ("submit", "button", "reset") and values.get("value"):
            self.found.append((str(values["value"]), "value"))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in SKIPPED_TAGS:
            self.skipping -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED_TAGS and self.skipping:
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping and data.strip():
            self.found.append((data.strip(), "text"))


def _po_entries(path: Path) -> Iterator[tuple[str, str]]:
    """(msgid, msgstr) of a .po file, plural forms by their first form."""
    entry: dict[str, str] = {}
    key = ""
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = line.strip()
        if not line:
            if entry.get("msgid"):
                yield entry["msgid"], entry.get("msgstr", "")
            entry, key = {}, ""
        elif line.startswith(("msgid ", "msgstr ", "msgstr[0] ")):
            key = "msgid" if line.startswith("msgid ") else "msgstr"
            entry[key] = _unquote(line.split(" ", 1)[1])
        elif line.startswith('"') and key:
            entry[key] += _unquote(line)
        elif line.startswith(("msgid_plural", "msgstr[")):
            key = ""


def _unquote(quoted: str) -> str:
    return quoted.strip()[1:-1].replace('\\"', '"').replace("\\n", "\n")


def _untranslated_msgids() -> set[str]:
    """Our message ids whose Chinese is empty: shown as they are, in English."""
    root = Path(apps.get_app_config("front").path).parent
    ids: set[str] = set()
    for po in root.glob("**/locale/zh_Hans/LC_MESSAGES/django.po"):
        ids |= {msgid for msgid, msgstr in _po_entries(po) if not msgstr and len(msgid) > 3}
    return ids


def _knowledge_names() -> set[str]:
    """The admin's names of the phrasebook's models (checked in ``test_the_phrasebook_admin_…``)."""
    names: set[str] = set()
    for model in apps.get_app_config("knowledge").get_models():
        with override("zh-hans"):
            names |= {str(capfirst(model._meta.verbose_name)), str(capfirst(model._meta.verbose_name_plural))}
    return names


def _english(html: str, *, data_words: set[str], untranslated: set[str], ignored: set[str] = frozenset()) -> list[str]:
    parser = _VisibleText()
    parser.feed(html)
    problems = []
    for text, where in parser.found:
        if text in ignored:
            continue
        problems += [f"untranslated msgid {msgid!r}" for msgid in untranslated if msgid in text]
        for word in WORD.findall(text):
            if word in ALLOWED or word in data_words or ABBREVIATION.fullmatch(word):
                continue
            if where == "alt" and word in ADMIN_ICON_ALTS:
                continue
            problems.append(f"{word!r} in {where} {text[:80]!r}")
    return problems


# Free text of the records, which may hold Latin words of its own (Wi-Fi, dBm, a user agent).
DATA_FIELDS = {
    Customer: ("name", "segment", "address", "note"),
    Contact: ("summary", "detail"),
    Complaint: ("subject", "content", "demands", "cause_analysis", "implementation_note", "customer_feedback",
                "review_summary", "lessons", "validity_note"),
}


@pytest.fixture
def demo() -> set[str]:
    """The small demo; returns the Latin words its records hold (user names, department codes, free text)."""
    call_command("demo_data", *SMALL_DEMO, stdout=StringIO())
    values = [*User.objects.values_list("username", flat=True), *Department.objects.values_list("code", flat=True)]
    for model, fields in DATA_FIELDS.items():
        for row in model.objects.values_list(*fields):
            values += [value for value in row if value]
    return {word for value in values for word in WORD.findall(value)}


def _client(username: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(User.objects.get(username=username))
    return client


def _pages(user: User) -> list[str]:
    customer = Customer.objects.order_by("pk").first()
    contact = Contact.objects.order_by("pk").first()
    assert customer is not None and contact is not None
    pages = [
        reverse("home"), reverse("customers:list"), reverse("customers:detail", args=[customer.pk]),
        reverse("customers:new"), reverse("customers:edit", args=[customer.pk]), reverse("contacts:list"),
        reverse("contacts:new"), reverse("contacts:detail", args=[contact.pk]), reverse("complaints:list"),
        reverse("complaints:new"), reverse("search") + "?q=宽带", reverse("search") + "?q=" + customer.name[:1],
        reverse("password_change"),
    ]
    visible = visible_complaints(user)
    # The newest complaint and the one with the longest history (proposals, follow-ups, events).
    for complaint in (visible.order_by("-pk").first(), _longest_history(visible)):
        if complaint is not None:
            pages.append(reverse("complaints:detail", args=[complaint.pk]))
    return pages


def _longest_history(complaints) -> Complaint | None:  # type: ignore[no-untyped-def]
    from django.db.models import Count

    return complaints.annotate(n=Count("events")).order_by("-n", "pk").first()


def _admin_changelists(*, knowledge: bool) -> list[str]:
    """Kefu's own models' changelists (those of the phrasebook, or all the others)."""
    urls = []
    for model in admin.site._registry:
        if model.__module__.startswith("kefu.") and (model._meta.app_label == "knowledge") == knowledge:
            urls.append(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"))
    return sorted(urls)


@pytest.mark.parametrize("role", ROLES)
def test_the_main_pages_show_no_english(role, demo):
    client = _client(role)
    user = User.objects.get(username=role)
    untranslated = _untranslated_msgids()
    paths = _pages(user)
    if role == "admin":
        paths += [reverse("admin:index"), *_admin_changelists(knowledge=False)]
        longest = _longest_history(Complaint.objects.all())
        assert longest is not None
        paths.append(reverse("admin:complaints_complaint_change", args=[longest.pk]))  # its history inline
    problems = []
    for path in paths:
        response = client.get(path)
        assert response.status_code in (200, 403), (path, response.status_code)
        found = _english(response.content.decode(), data_words=demo, untranslated=untranslated,
                         ignored=_knowledge_names())
        problems += [f"{path}: {problem}" for problem in dict.fromkeys(found)]
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("role", ["agent", "supervisor"])
def test_the_phrasebook_pages_show_no_english(role, demo):
    client = _client(role)
    untranslated = _untranslated_msgids()
    problems = []
    for path in (reverse("knowledge:index"), reverse("knowledge:assist")):
        response = client.get(path)
        assert response.status_code == 200
        problems += [f"{path}: {p}" for p in _english(response.content.decode(), data_words=demo, untranslated=untranslated)]
    assert problems == [], "\n".join(problems)


def test_the_phrasebook_admin_shows_no_english(demo):
    client = _client("admin")
    problems = []
    for path in (reverse("admin:index"), *_admin_changelists(knowledge=True)):
        response = client.get(path)
        assert response.status_code == 200
        problems += [f"{path}: {p}" for p in _english(response.content.decode(), data_words=demo, untranslated=set())]
    assert problems == [], "\n".join(problems)


def test_the_detector_finds_an_untranslated_name_and_an_untranslated_msgid():
    html = '<h1>Follow ups</h1><p title="Shortcut: n">登记投诉 <kbd>n</kbd></p><img alt="True"><code>pk</code>'
    found = _english(html, data_words=set(), untranslated={"Follow ups"})
    assert "untranslated msgid 'Follow ups'" in found
    assert any("'Shortcut'" in problem for problem in found)
    assert not any("'True'" in problem or "'pk'" in problem or "'n'" in problem for problem in found)
    assert _english("<p>VIP 客户 王芳 · Kefu · IPTV</p>", data_words=set(), untranslated=set()) == []


# Words the quality and job pages show as code: the CSV columns a file must have (the upload form),
# the command that runs the workers (the status page).
CODE_WORDS = {"conversation", "id", "speaker", "text", "kefu", "worker"}


@pytest.mark.parametrize("role", ["agent", "supervisor", "manager", "qa", "admin"])
def test_the_quality_job_and_notification_pages_show_no_english(role, demo):
    from kefu.jobs.models import Job
    from kefu.quality import selectors
    from kefu.quality.models import CalibrationSession, Scorecard

    user = User.objects.get(username=role)
    words = demo | CODE_WORDS
    for version in Scorecard.objects.values_list("rulebook_version", flat=True).distinct():
        words |= set(WORD.findall(version))  # a hash such as cc51de5df2869019
    conversations = selectors.visible_conversations(user)
    for conversation in conversations:
        words |= {word for turn in conversation.turns for word in WORD.findall(turn.get("text", ""))}
    paths = [
        reverse("quality:index"), reverse("quality:upload"), reverse("quality:reviews"), reverse("quality:report"),
        reverse("quality:calibration:list"), reverse("notifications:index"), reverse("notifications:preferences"),
        reverse("jobs:status"),
    ]
    paths += [reverse("quality:detail", args=[c.pk]) for c in conversations.filter(review__isnull=False)[:3]]
    paths += [reverse("quality:calibration:session", args=[s.pk]) for s in CalibrationSession.objects.all()[:1]]
    paths += [reverse("jobs:detail", args=[job.pk]) for job in Job.objects.filter(created_by=user)[:1]]
    client = _client(role)
    untranslated = _untranslated_msgids()
    problems = []
    for path in paths:
        response = client.get(path)
        assert response.status_code in (200, 403), (path, response.status_code)
        found = _english(response.content.decode(), data_words=words, untranslated=untranslated)
        problems += [f"{path}: {problem}" for problem in dict.fromkeys(found)]
    assert problems == [], "\n".join(problems)
