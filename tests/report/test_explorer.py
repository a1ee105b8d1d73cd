"""The explorer opens offline in headless Chromium in both languages: the map fills the region's
municipalities, the controls change the views (seen in the page), the optimisation front shows a
solution's phasing, names with markup stay text, and numbers follow the language."""

from __future__ import annotations

import json
import re

import pytest

from sim.report.explorer import build_explorer, vega_bundle
from tests.browser import page_in_chromium
from tests.conftest import EVIL_NAME, EVIL_TITLE
from tests.report.test_optimisation_section import make_front

MUNICIPALITIES = 15
READY = "body[data-ready=true]"


def map_fills(page) -> list[str]:
    return page.evaluate(
        '() => Array.from(document.querySelectorAll("#views path'
        "[aria-roledescription='geoshape']\")).map(p => p.getAttribute('fill'))"
    )


@pytest.fixture(scope="module")
def front_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("front") / "front.nc"
    make_front().to_netcdf(path)
    return path


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_explorer_in_headless_chromium(marked_up_study, front_file, lang, tmp_path):
    out = build_explorer(
        marked_up_study, tmp_path / f"explorer_{lang}.html", lang, optimisation=front_file
    )
    html = out.read_text(encoding="utf-8")
    assert "<script>alert" not in html  # every text reaches the page as escaped JSON
    with page_in_chromium() as (page, watch):
        page.goto(out.resolve().as_uri())
        page.wait_for_selector(READY, timeout=30_000)
        fills = map_fills(page)
        assert len(fills) == MUNICIPALITIES
        assert all(f and f != "none" for f in fills)
        page.screenshot(path=str(tmp_path / f"explorer_{lang}.png"), full_page=True)

        series = page.locator("#views").inner_html()
        page.select_option("#area", "1496")
        page.wait_for_timeout(200)
        after_area = page.locator("#views").inner_html()
        assert after_area != series
        assert "Skövde" in page.locator("#views").inner_text()

        before = map_fills(page)
        page.select_option("#map-scenario", "housing_even")
        page.wait_for_timeout(200)
        assert map_fills(page) != before

        before = map_fills(page)
        page.fill("#year", "2028")
        page.dispatch_event("#year", "input")
        page.wait_for_timeout(200)
        assert map_fills(page) != before
        assert page.inner_text("#year-value") == "2028"

        # A click on a solution of the front shows its phasing.
        point = page.locator("#views path[aria-roledescription='point']").first
        point.click()
        page.wait_for_timeout(200)
        assert page.inner_text("#phasing").startswith("#")
        page.screenshot(path=str(tmp_path / f"explorer_{lang}_changed.png"), full_page=True)

        text = page.inner_text("body") + page.locator("#views").inner_text()
        assert EVIL_TITLE.split(">")[0] in page.inner_text("#scenarios")  # markup shown as text
        assert page.evaluate("() => document.querySelectorAll('#views img, body b').length") == 0
        options = page.evaluate(
            "() => Array.from(document.querySelectorAll('#area option')).map(o => o.text)"
        )
        assert EVIL_NAME in options
        assert page.evaluate("() => document.querySelectorAll('script').length") == 5
        axis = page.evaluate(
            "() => Array.from(document.querySelectorAll('#views text')).map(t => t.textContent)"
        )
    assert watch.problems == []
    assert watch.blocked == []
    thousands = [t for t in axis if re.fullmatch(r"-?\d{1,3}([ ,\u00a0]\d{3})+", t)]
    assert thousands, axis[:40]
    separator = "\u00a0" if lang == "sv" else ","
    assert all(separator in t for t in thousands), thousands[:5]
    assert text


def test_explorer_payload_is_compact_json(marked_up_study, tmp_path):
    """The data sit in the page as JSON a parser reads back, in one script element."""
    out = build_explorer(marked_up_study, tmp_path / "explorer.html", "en")
    html = out.read_text(encoding="utf-8")
    payload = re.search(r'<script type="application/json" id="payload">(.*?)</script>', html, re.S)
    data = json.loads(payload.group(1))
    assert [s["id"] for s in data["scenarios"]] == ["baseline", "evil", "housing_even"]
    assert len(data["shapes"]) == MUNICIPALITIES
    n = (
        len(data["scenarios"])
        * len(data["indicators"])
        * len(data["column_areas"])
        * len(data["years"])
    )
    assert len(data["columns"]["m"]) == n
    assert data["columns"]["d"][data["columns"]["si"].index(0)] == 0  # baseline minus itself


def test_the_vega_bundle_is_made_once_and_kept_in_the_cache(tmp_path, monkeypatch):
    import vl_convert

    made = []

    def bundle(vl_version):
        made.append(vl_version)
        return f"made-up bundle {len(made)}"

    monkeypatch.setattr(vl_convert, "javascript_bundle", bundle)
    monkeypatch.setenv("SIM_CACHE_DIR", str(tmp_path / "cache"))
    assert vega_bundle() == vega_bundle() == "made-up bundle 1"
    (kept,) = (tmp_path / "cache").iterdir()
    assert kept.read_text(encoding="utf-8") == "made-up bundle 1"
    # A cache folder that cannot be made costs only the time.
    (tmp_path / "a file").write_text("not a folder")
    monkeypatch.setenv("SIM_CACHE_DIR", str(tmp_path / "a file" / "cache"))
    assert vega_bundle() == "made-up bundle 2"
    assert vega_bundle() == "made-up bundle 3"
