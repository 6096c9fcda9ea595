"""Load at server start what the first requests would otherwise load: the phrasebook, assist, QA, the API's schema.

Each of these is built once per process and cached; built inside a request, it made the first
phrasebook page, the first assist turn or the first API docs of every process take one to two
seconds. ``kefu/wsgi.py`` calls :func:`on_server_start`, so only a serving process warms up — a
WSGI server's worker, or runserver's serving child — never ``kefu migrate``, other commands or the
tests (none of them imports ``kefu.wsgi``). ``KEFU_WARM_UP=0`` turns it off.

Not loaded: jieba. It is a dependency, but no Kefu module imports it; loading its dictionary would
cost a second and tens of megabytes for nothing.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db import connections

log = logging.getLogger(__name__)


def _translations() -> None:
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        translation.gettext("Workbench")  # reads every app's catalogue


def _urls() -> None:
    from django.urls import reverse

    reverse("home")  # imports every view module and fills the resolver's reverse map


def _text() -> None:
    from kefu.lib.textnorm import normalize
    from kefu.search.pinyin import name_spellings

    normalize("熊瑤")  # OpenCC's conversion tables
    name_spellings("熊瑶")  # pypinyin's dictionaries


def _phrasebook() -> None:
    from kefu.knowledge import selectors

    selectors.site_library()  # built-in entries and the operator's, with the search index


def _assist() -> None:
    from kefu.knowledge import selectors
    from kefu.phrasebook.assist import assist, warm_up

    library = selectors.site_library()
    warm_up(library)  # emotion model, matchers, the QA draft rules of the phone channel
    assist([{"speaker": "customer", "text": "在吗"}], draft="您好", channel="chat", library=library)  # and of chat


def _qa_rulebooks() -> None:
    from kefu.qa.rulebook import default_rulebooks

    default_rulebooks()  # every built-in rulebook, compiled


def _openapi() -> None:
    from django.utils import translation

    from kefu.api import api

    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            api.get_openapi_schema()  # cached per language (kefu.api.KefuAPI)


STEPS: list[tuple[str, Callable[[], None]]] = [
    ("translations", _translations),
    ("urls", _urls),
    ("text normalisation and pinyin", _text),
    ("phrasebook library", _phrasebook),
    ("assist", _assist),
    ("QA rulebooks", _qa_rulebooks),
    ("OpenAPI schema", _openapi),
]


def warm_up() -> dict[str, float]:
    """Run every step; returns the seconds each took. A failing step is logged and skipped."""
    timings: dict[str, float] = {}
    for name, step in STEPS:
        started = time.perf_counter()
        try:
            step()
        except Exception:  # an unmigrated database, say: the request will say what is wrong
            log.exception("warm-up step %r failed", name)
            continue
        timings[name] = time.perf_counter() - started
    log.info("warmed up in %.2f s: %s", sum(timings.values()),
             ", ".join(f"{name} {seconds:.2f} s" for name, seconds in timings.items()))
    return timings


def on_server_start() -> threading.Thread | None:
    """Warm up a process that is about to serve requests (called by ``kefu/wsgi.py``).

    runserver's serving child (``RUN_MAIN``) warms up in a thread, so it answers at once after a
    reload; a WSGI server's worker warms up before it takes requests, so no request sees a cold
    cache (and a server that loads the application before forking its workers never forks in the
    middle of a warm-up, holding a lock).
    """
    if not getattr(settings, "KEFU_WARM_UP", True):
        return None
    if os.environ.get("RUN_MAIN") == "true":
        thread = threading.Thread(target=_warm_up_and_disconnect, name="kefu-warm-up", daemon=True)
        thread.start()
        return thread
    _warm_up_and_disconnect()
    return None


def _warm_up_and_disconnect() -> None:
    try:
        warm_up()
    finally:
        # This thread's connections: a thread's would stay open for nothing, and a server that
        # forks its workers after loading the application must not hand them a shared one.
        connections.close_all()
