"""A serving process loads the phrasebook, assist, QA rulebooks and the API schema before its first request."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from kefu.api import api
from kefu.front import warmup
from kefu.knowledge import selectors as knowledge_selectors
from kefu.phrasebook import assist, loader
from kefu.qa import rulebook
from kefu.search import pinyin


def _cold() -> None:
    """Forget what a process caches, as a freshly started one has nothing."""
    loader.builtin_library.cache_clear()
    assist._emotion_model.cache_clear()
    assist._matcher_for.cache_clear()
    pinyin._pypinyin.cache_clear()
    pinyin.name_spellings.cache_clear()
    rulebook._CACHE.clear()
    rulebook._DEFAULTS.clear()
    api._schemas.clear()
    knowledge_selectors._cache.library = None
    knowledge_selectors._cache.stamp = None


@pytest.mark.django_db
def test_the_warm_up_fills_the_caches_the_first_requests_would_fill(django_assert_num_queries):
    _cold()
    timings = warmup.warm_up()
    assert list(timings) == [name for name, _step in warmup.STEPS]  # no step failed
    assert loader.builtin_library.cache_info().currsize == 1
    assert assist._emotion_model.cache_info().currsize == 1
    assert assist._matcher_for.cache_info().currsize >= 1
    assert pinyin._pypinyin.cache_info().currsize == 1
    assert {"hotline", "chat"} <= set(rulebook._DEFAULTS)  # the rulebooks assist checks drafts with
    assert {key[1] for key in api._schemas} == {code for code, _name in settings.LANGUAGES}
    with django_assert_num_queries(1):  # the version check only: the library and its index are built
        library = knowledge_selectors.site_library()
    assert "index" in vars(library)
    hits = {assist._matcher_for.cache_info().hits, assist._emotion_model.cache_info().hits}
    assist.assist([{"speaker": "customer", "text": "你们怎么回事"}], draft="您好", library=library)
    assert {assist._matcher_for.cache_info().hits, assist._emotion_model.cache_info().hits} != hits  # served cached


def test_the_openapi_document_is_built_once_per_language():
    with translation.override("zh-hans"):
        first = api.get_openapi_schema()
        assert api.get_openapi_schema() is first
    with translation.override("en"):
        assert api.get_openapi_schema() is not first


@pytest.mark.django_db
def test_a_failing_step_is_logged_and_the_others_still_run(monkeypatch, caplog):
    def broken() -> None:
        raise RuntimeError("no such table: knowledge_knowledgeentry")

    ran: list[str] = []
    monkeypatch.setattr(warmup, "STEPS", [("broken", broken), ("fine", lambda: ran.append("fine"))])
    with caplog.at_level(logging.ERROR, logger="kefu.front.warmup"):
        assert list(warmup.warm_up()) == ["fine"]
    assert ran == ["fine"] and "warm-up step 'broken' failed" in caplog.text


def test_runservers_serving_child_warms_up_in_the_background(monkeypatch, settings):
    calls: list[str] = []
    monkeypatch.setattr(warmup, "warm_up", lambda: calls.append("warm"))
    monkeypatch.setattr(warmup.connections, "close_all", lambda: calls.append("closed"))
    monkeypatch.setenv("RUN_MAIN", "true")
    thread = warmup.on_server_start()
    assert thread is not None
    thread.join(5)
    assert calls == ["warm", "closed"]
    monkeypatch.delenv("RUN_MAIN")
    assert warmup.on_server_start() is None and calls == ["warm", "closed"] * 2  # a WSGI worker: before serving
    settings.KEFU_WARM_UP = False
    assert warmup.on_server_start() is None and calls == ["warm", "closed"] * 2


def test_importing_the_wsgi_application_warms_up_and_a_command_does_not(tmp_path: Path):
    env = {**os.environ, "KEFU_VAR_DIR": str(tmp_path), "LOG_LEVEL": "INFO", "DJANGO_SETTINGS_MODULE": "kefu.settings"}
    root = Path(settings.BASE_DIR)
    served = subprocess.run([sys.executable, "-c", "import kefu.wsgi"], cwd=root, env=env, capture_output=True,
                            text=True, timeout=120)
    assert served.returncode == 0, served.stderr[-2000:]
    assert "warmed up in" in served.stderr  # on an empty database too: the steps that need it are skipped
    command = subprocess.run([sys.executable, "-m", "kefu.cli", "check"], cwd=root, env=env, capture_output=True,
                             text=True, timeout=120)
    assert command.returncode == 0 and "warmed up" not in command.stderr
