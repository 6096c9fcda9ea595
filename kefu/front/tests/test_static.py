from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

STATIC = Path(settings.BASE_DIR) / "kefu" / "static"
BASE_HTML = Path(__file__).resolve().parents[1] / "templates" / "front" / "base.html"


def test_vendored_assets_and_their_licences_are_committed():
    for name in (
        "vendor/htmx/htmx.min.js",
        "vendor/htmx/LICENSE",
        "vendor/echarts/echarts.min.js",
        "vendor/echarts/LICENSE",
        "vendor/echarts/NOTICE",
        "vendor/README.md",
        "front/kefu.css",
        "front/kefu.js",
    ):
        path = STATIC / name
        assert path.is_file() and path.stat().st_size > 0, name
    assert (STATIC / "vendor/htmx/htmx.min.js").read_text().startswith("var htmx=")
    assert "echarts" in (STATIC / "vendor/echarts/echarts.min.js").read_text()[:5000]


def test_base_template_loads_nothing_from_the_network():
    html = BASE_HTML.read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    for ref in re.findall(r"""{% static ['"]([^'"]+)['"] %}""", html):
        assert (STATIC / ref).is_file(), ref


def test_no_template_or_stylesheet_uses_a_cdn():
    roots = [BASE_HTML.parent, STATIC / "front"]
    for root in roots:
        for path in root.rglob("*"):
            if path.suffix in {".html", ".css", ".js"}:
                assert not re.search(r"""(src|href|url\()\s*=?\s*["']?(https?:)?//""", path.read_text()), path


@pytest.mark.urls("kefu.front.tests.urls")
def test_rendered_pages_reference_local_scripts_only(client, db):
    html = client.get("/login/").content.decode()
    scripts = re.findall(r'<script[^>]+src="([^"]+)"', html)
    assert "/static/vendor/htmx/htmx.min.js" in scripts
    assert all(src.startswith("/static/") for src in scripts)
