"""``sim explore``: a bad study, option or baseline gives one message naming it and exit 2."""

from __future__ import annotations

import pytest

from sim.cli import main


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["{missing}"], "does not exist"),
        (["{study}", "--port", "70000"], "--port: 70000"),
        (["{study}", "--workers", "0"], "--workers: 0"),
        (["{study}", "--lang", "fi"], "--lang: 'fi'"),
        (["{study}", "--baseline", "nothing"], "--baseline"),
    ],
)
def test_bad_input_is_named(marked_up_study, tmp_path, capsys, args, names):
    args = [a.format(study=marked_up_study, missing=tmp_path / "none") for a in args]
    before = sorted(p.name for p in marked_up_study.iterdir())
    assert main(["explore", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and names in err, err
    assert "Traceback" not in err
    assert sorted(p.name for p in marked_up_study.iterdir()) == before


def test_scenario_dir_inside_the_project_is_refused(marked_up_study, capsys):
    from sim.paths import CONFIG_DIR

    assert main(["explore", str(marked_up_study), "--scenario-dir", str(CONFIG_DIR)]) == 2
    assert "--scenario-dir" in capsys.readouterr().err
