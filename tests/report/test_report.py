"""The report renders in headless Chromium without console errors or network requests, every chart
is present and not blank, in both languages; names from inputs and configs are escaped."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.paths import REPO_ROOT
from sim.report.build import build_report
from sim.report.i18n import number
from tests.helpers import NO_WARM_START, run_sweep

CHARTS = ("timeseries", "map", "phasing", "finances", "goals")
EVIL_NAME = '<script>alert("x")</script>Hjo'
EVIL_DESCRIPTION = "<img src=x onerror=alert(1)> & <b>bold</b>"


def chromium() -> str:
    """Debian's Chromium, installed here when missing (the test set-up's job)."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        subprocess.run(["apt-get", "update", "-qq"], check=True, capture_output=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "chromium"], check=True, capture_output=True
        )
        path = shutil.which("chromium")
    assert path, "chromium could not be installed"
    return path


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
    from playwright.sync_api import sync_playwright

    out = build_report(study, tmp_path / f"report_{lang}.html", lang=lang)
    html = out.read_text(encoding="utf-8")
    for name in CHARTS:
        assert (tmp_path / f"report_{lang}_charts" / f"{name}_{lang}.png").is_file()
        assert f'id="chart-{name}"' in html
    problems, requests = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium(),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("dialog", lambda d: problems.append(f"dialog: {d.message}"))
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
        browser.close()
    assert problems == []
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
    import matplotlib.image as mpimg

    for name, path in shots.items():
        pixels = mpimg.imread(path)[..., :3]
        assert np.ptp(pixels.reshape(-1, 3), axis=0).max() > 0.2, f"{name} looks blank"
    assert EVIL_NAME in text  # shown as text, not run as markup
    assert EVIL_DESCRIPTION in text


def test_names_are_escaped_in_the_html(study, tmp_path):
    html = build_report(study, tmp_path / "report.html", lang="en").read_text(encoding="utf-8")
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script" not in html.lower()  # the report has no script of its own either


def test_numbers_follow_the_language():
    assert number(6090.4, "sv") == "6\xa0090"
    assert number(-0.234, "sv", signed=True) == "-0,23"
    assert number(12345.6, "en") == "12,346"
    assert number(2.5, "en", signed=True) == "+2.50"
