"""Calibration specs for the tests, on the small region (tests/small_region.py) over 2024-2025."""

from __future__ import annotations

from pathlib import Path

import yaml


def spec_data(small_region: Path, **changes) -> dict:
    """A valid spec as a mapping: one free parameter, two targets, one seed, three trials.

    The target values are made up (near what the small region gives), not observed figures.
    """
    data = {
        "description": "Test calibration of the labour market on the small region",
        "overrides": [f"region.input_dir={small_region}", "years.end=2025"],
        "seeds": [0],
        "trials": 3,
        "sampler_seed": 0,
        "parameters": [{"path": "labour.separation_rate", "low": 0.02, "high": 0.12, "log": False}],
        "targets": [
            {
                "indicator": "unemployment_rate",
                "municipality": None,
                "year": 2025,
                "value": 0.08,
                "scale": 0.01,
                "source": "made up for the test",
            },
            {
                "indicator": "own_municipality_share",
                "municipality": "1496",
                "year": 2025,
                "value": 0.8,
                "scale": 0.05,
                "source": "made up for the test",
            },
        ],
    }
    data.update(changes)
    return data


def write_spec(folder: Path, data: dict, name: str = "test_spec") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path
