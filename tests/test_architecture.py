"""The package's layers hold: the import-linter contracts in pyproject.toml are kept, and a lower
layer importing a higher one (or an import cycle) breaks them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sim.paths import REPO_ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_import_contracts_are_kept():
    result = lint_imports(REPO_ROOT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "0 broken" in result.stdout


@pytest.fixture
def package_copy(tmp_path):
    shutil.copytree(REPO_ROOT / "sim", tmp_path / "sim", ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(REPO_ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


@pytest.mark.parametrize(
    ("module", "planted", "broken"),
    [
        ("sim/io/results.py", "import sim.report.build", "Package layers BROKEN"),
        ("sim/engine/population.py", "import sim.engine.model", "Engine layers BROKEN"),
        ("sim/engine/kernels/labour.py", "import sim.engine.submodels.labour", "Engine layers"),
        # Two modules of one layer that import each other: a cycle.
        ("sim/analysis/compare.py", "import sim.analysis.goals", "No import cycles BROKEN"),
    ],
)
def test_a_lower_layer_importing_a_higher_one_breaks_a_contract(
    package_copy, module, planted, broken
):
    path = package_copy / module
    path.write_text(path.read_text() + f"\n{planted}  # planted by the test\n")
    result = lint_imports(package_copy)
    assert result.returncode != 0
    assert broken in result.stdout
