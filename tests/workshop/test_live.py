"""The live workshop through the browser: edit a stage year, run, see the new scenario's curve,
save it, and 'sim run scenario=<saved>' reproduces the workshop's run; a bad edit is refused
with a message naming its field and nothing is run."""

from __future__ import annotations

import os
import shlex
import threading

import numpy as np
import pytest
import xarray as xr

from sim.workshop.server import make_server
from sim.workshop.session import Workshop
from tests.browser import page_in_chromium
from tests.helpers import sim_cli

NAME = "housing_even_later"
TITLE = "Homes from 2028"


@pytest.fixture()
def served(marked_up_study, tmp_path):
    workshop = Workshop(marked_up_study, lang="en", scenario_dir=tmp_path / "mine", workers=1)
    server = make_server(workshop, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield workshop, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_edit_run_see_and_save(served, marked_up_study, tmp_path):
    workshop, url = served
    with page_in_chromium() as (page, watch):
        page.goto(url)
        page.wait_for_selector("body[data-ready=true]", timeout=30_000)
        page.select_option("#base-scenario", "housing_even")
        # A bad edit first: refused, named, nothing run.
        page.fill("[data-path='housing_programmes.0.start_year']", "2050")
        page.fill("#new-name", NAME)
        page.fill("#new-title", TITLE)
        page.fill("#new-title-sv", "Bostäder från 2028")
        page.click("#run")
        page.wait_for_selector("#message.error")
        assert "housing_programmes[0].start_year: 2050" in page.inner_text("#message")
        assert not (marked_up_study / "workshop" / NAME).exists()

        page.fill("[data-path='housing_programmes.0.start_year']", "2028")
        page.click("#run")
        page.wait_for_selector(f"#scenarios input[value={NAME}]", timeout=120_000)
        page.wait_for_selector("body[data-ready=true]")
        legend = page.locator("#views").inner_text()
        assert TITLE in legend  # its curve is drawn, with its title in the legend
        page.screenshot(path=str(tmp_path / "workshop.png"), full_page=True)
        page.click("#save")
        page.wait_for_selector("#message:has-text('sim run scenario=')")
    # The refused edit's answer (400) is the only console message.
    assert [m for m in watch.problems if "status of 400" not in m] == []
    assert watch.blocked == []
    saved = tmp_path / "mine" / "scenario" / f"{NAME}.yaml"
    assert saved.is_file()

    # The saved scenario, run by the command the workshop gives for it, repeats the workshop's
    # first run number for number.
    command = workshop.command(NAME)
    assert command.startswith("SIM_USER_CONFIGS=") and f"scenario={NAME}" in command
    run_env = {**os.environ, "SIM_USER_CONFIGS": str(tmp_path / "mine")}
    out = tmp_path / "rerun"
    overrides = shlex.split(command.split(" sim run ", 1)[1])
    run = sim_cli("run", *overrides, f"hydra.run.dir={out}", cwd=tmp_path, env=run_env)
    assert run.returncode == 0, run.stderr[-2000:]
    seed = workshop.base_configs[0]["seed"]
    ours = next((marked_up_study / "workshop" / NAME / "runs").glob(f"*-seed{seed}-*"))
    listed = sim_cli("scenarios", cwd=tmp_path, env=run_env)
    assert f"{NAME}  {TITLE}" in listed.stdout
    with xr.open_dataset(ours / "results.nc") as a, xr.open_dataset(out / "results.nc") as b:
        numbers = [n for n, v in a.data_vars.items() if v.dtype.kind in "iuf"]
        assert "population" in numbers
        for name in numbers:
            np.testing.assert_array_equal(a[name].values, b[name].values, err_msg=name)
