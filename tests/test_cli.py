"""The ``sim`` command end to end: a short run writes results; bad input writes nothing."""

from __future__ import annotations

import subprocess
from pathlib import Path

import xarray as xr

from tests.helpers import NO_WARM_START, SIM
from tests.helpers import sim_cli as run_sim


def test_sim_run_writes_results_and_summary(tmp_path):
    out = tmp_path / "run"
    result = run_sim("run", "years.end=2027", "seed=3", f"hydra.run.dir={out}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "population" in result.stdout and "2027" in result.stdout
    ds = xr.open_dataset(out / "results.nc")
    assert ds.year.values.tolist() == [2024, 2025, 2026, 2027]
    assert ds.attrs["seed"] == 3
    assert "commute_beta" in ds.attrs["config"]
    assert (out / "config.yaml").exists()
    assert not list(out.glob(".*tmp"))


def test_a_run_starts_in_the_base_year_of_its_inputs(tmp_path):
    """region=skaraborg_2015 starts in 2015 (years.start null), from the real 2015 population."""
    import pandas as pd
    import yaml

    from sim.paths import INPUTS_DIR

    out = tmp_path / "run"
    result = run_sim(
        "run", "region=skaraborg_2015", "years.end=2017", f"hydra.run.dir={out}", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    ds = xr.open_dataset(out / "results.nc")
    assert ds.year.values.tolist() == [2015, 2016, 2017]
    history = pd.read_csv(INPUTS_DIR / "skaraborg" / "sources" / "skaraborg_population_history.csv")
    # The warm start brings the model to the real 2015 population within a little.
    simulated = float(ds["population"].sel(year=2015).sum())
    assert abs(simulated / history["pop_2015"].sum() - 1) < 0.01
    years = yaml.safe_load((out / "config.yaml").read_text())["years"]
    assert years == {"start": 2015, "end": 2017}


def test_bad_year_is_refused_without_output(tmp_path):
    out = tmp_path / "run"
    result = run_sim("run", "years.end=2200", f"hydra.run.dir={out}", cwd=tmp_path)
    assert result.returncode == 2
    assert "years.end: 2200 is not allowed" in result.stderr
    assert not out.exists()


def test_a_scenario_name_that_would_leave_the_sweep_folder_is_refused(tmp_path):
    sweep = tmp_path / "sweeps" / "s"
    result = run_sim(
        "run",
        "-m",
        "scenario.name=../../escape",
        "years.end=2026",
        "hydra/launcher=basic",
        f"hydra.sweep.dir={sweep}",
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "scenario.name: '../../escape' is not allowed" in result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []  # checked before Hydra makes the sweep folder


def test_unknown_key_is_refused(tmp_path):
    out = tmp_path / "run"
    result = run_sim("run", "params.labour.commute_bet=0.1", f"hydra.run.dir={out}", cwd=tmp_path)
    assert result.returncode != 0
    assert "commute_bet" in result.stderr
    assert not out.exists()


def test_wrong_type_is_refused(tmp_path):
    out = tmp_path / "run"
    result = run_sim("run", "seed=abc", f"hydra.run.dir={out}", cwd=tmp_path)
    assert result.returncode != 0
    assert "seed" in result.stderr
    assert not out.exists()


def test_unknown_region_is_refused(tmp_path):
    out = tmp_path / "run"
    result = run_sim("run", "region.name=nowhere", f"hydra.run.dir={out}", cwd=tmp_path)
    assert result.returncode == 2
    assert "nowhere" in result.stderr
    assert not out.exists()


def test_usage_without_command():
    result = subprocess.run(SIM, capture_output=True, text=True)
    assert result.returncode == 2
    assert "a command is required" in result.stderr and "sim run" in result.stderr


def test_sim_scenarios_lists_every_scenario_with_its_title_and_description():
    result = run_sim("scenarios")
    assert result.returncode == 0
    lines = [line for line in result.stdout.splitlines() if line and not line.startswith("run")]
    heads, descriptions = lines[::2], lines[1::2]
    names = {line.split()[0] for line in heads}
    shipped = {p.stem for p in (Path(__file__).parents[1] / "configs" / "scenario").glob("*.yaml")}
    assert names == shipped
    assert all(len(line.split(maxsplit=1)) == 2 for line in heads)  # the name and its title
    assert all(line.startswith(" ") and line.strip() for line in descriptions)
    assert "culture_hub     One large facility: Skövde concert hall" in heads


def _explode(*args, **kwargs):
    raise RuntimeError("made-up failure injected by the test")


def test_a_bug_says_so_saves_its_traceback_and_exits_70(tmp_path, monkeypatch, capsys):
    import sim.engine.run
    from sim.cli import EXIT_BUG, main

    monkeypatch.setattr(sim.engine.run, "simulate", _explode)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    code = main(["run", "years.end=2025", f"hydra.run.dir={tmp_path / 'run'}"])
    err = capsys.readouterr().err
    assert code == EXIT_BUG == 70
    assert "This is a bug in sim" in err and "Traceback" not in err
    saved = Path(err.split("the traceback is saved in ")[1].split(". Please")[0])
    assert "RuntimeError: made-up failure" in saved.read_text()
    assert not (tmp_path / "run").exists()


def test_a_bug_in_one_run_of_a_sweep_marks_it_failed_and_the_sweep_exits_70(
    tmp_path, monkeypatch, capsys, small_region
):
    import sim.engine.run
    from sim.cli import EXIT_BUG, main

    real = sim.engine.run.simulate

    def explode_for_seed_1(cfg, *args, **kwargs):
        return _explode() if cfg.seed == 1 else real(cfg, *args, **kwargs)

    monkeypatch.setattr(sim.engine.run, "simulate", explode_for_seed_1)
    monkeypatch.chdir(tmp_path)
    sweep = tmp_path / "sweep"
    args = ["run", "-m", "seed=0,1,2", "years.end=2025", f"region.input_dir={small_region}"]
    args.append(NO_WARM_START)
    code = main([*args, "hydra/launcher=basic", f"hydra.sweep.dir={sweep}"])
    out, err = capsys.readouterr()
    assert code == EXIT_BUG
    assert out.count("done ") == 2 and out.count("failed ") == 1  # the others still ran
    failed = list(sweep.glob("runs/*/FAILED"))
    assert len(failed) == 1 and "RuntimeError" in failed[0].read_text()
    assert "1 run(s) failed, a bug in sim" in err and "Traceback" not in err


def test_a_file_that_cannot_be_written_is_named(tmp_path):
    (tmp_path / "file").write_text("")
    result = run_sim("collect", str(tmp_path), "--out", str(tmp_path / "file" / "x.zarr"))
    assert result.returncode == 2
    assert f"--out: {tmp_path / 'file'} is a file" in result.stderr
