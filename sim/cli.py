"""The ``sim`` command: ``sim run [hydra overrides]``.

``sim run`` is a thin Hydra app around :func:`sim.run.simulate`; any key of ``configs/config.yaml``
can be overridden, e.g. ``sim run years.end=2040 seed=7 region=skaraborg``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import hydra
from omegaconf import DictConfig, OmegaConf

from sim.inputs import InputError
from sim.params import register_configs
from sim.run import CONFIG_DIR

USAGE = """usage: sim <command> [options]

commands:
  run [overrides...]   simulate a scenario (Hydra overrides, e.g. scenario=establishment seed=7)
                       'sim run --help' lists the config groups and keys
  scenarios            list the shipped scenarios with a one-line description each
"""


def list_scenarios(config_dir: str = CONFIG_DIR) -> list[tuple[str, str]]:
    """(name, description) of every scenario file in ``configs/scenario``, sorted by name."""
    import yaml

    out = []
    for path in sorted(Path(config_dir, "scenario").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        out.append((path.stem, str(data.get("description", ""))))
    return out


class RunFailed(SystemExit):
    pass


def summary_table(ds) -> str:
    """A short text table: region population, jobs, unemployment and queue, first and last year."""
    from rich.console import Console
    from rich.table import Table

    first, last = int(ds.year[0]), int(ds.year[-1])
    table = Table(title=f"Region {ds.attrs.get('region', '')}: {first} and {last}")
    table.add_column("indicator")
    table.add_column(str(first), justify="right")
    table.add_column(str(last), justify="right")
    rows = [
        ("population", ds["population"].sum(("municipality", "age_group")), "{:,.0f}"),
        ("jobs (positions)", ds["jobs"].sum(("municipality", "sector")), "{:,.0f}"),
        ("employed residents", ds["employed_residents"].sum("municipality"), "{:,.0f}"),
        (
            "unemployment rate",
            ds["unemployed_residents"].sum("municipality")
            / (ds["unemployed_residents"] + ds["employed_residents"]).sum("municipality"),
            "{:.1%}",
        ),
        ("housing queue (households)", ds["housing_queue"].sum("municipality"), "{:,.0f}"),
        ("dwellings", ds["dwellings"].sum(("municipality", "dwelling_type")), "{:,.0f}"),
    ]
    for label, series, fmt in rows:
        table.add_row(label, fmt.format(float(series[0])), fmt.format(float(series[-1])))
    console = Console(width=100, record=True)
    with console.capture() as capture:
        console.print(table)
    return capture.get()


@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="config")
def run_app(cfg: DictConfig) -> None:
    from sim.run import ConfigError, simulate

    output_dir = Path(cfg.output_dir) if cfg.output_dir else None
    try:
        result = simulate(cfg)
    except (ConfigError, InputError) as err:
        _remove_if_empty(output_dir)
        print(f"error: {err}", file=sys.stderr)
        raise RunFailed(2) from None
    if output_dir is not None:
        resolved = OmegaConf.to_yaml(cfg, resolve=True)
        tmp = output_dir / ".config.yaml.tmp"
        tmp.write_text(resolved, encoding="utf-8")
        tmp.replace(output_dir / "config.yaml")
    print(summary_table(result.results))
    if output_dir is not None:
        print(f"results: {output_dir / 'results.nc'}")


def _remove_if_empty(path: Path | None) -> None:
    if path is not None and path.is_dir() and not any(path.iterdir()):
        path.rmdir()


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``sim`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(USAGE)
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command == "run":
        register_configs()
        sys.argv = [f"{sys.argv[0]} run", *rest]
        try:
            run_app()
        except RunFailed as failed:
            return int(failed.code)
        return 0
    if command == "scenarios":
        scenarios = list_scenarios()
        width = max(len(name) for name, _ in scenarios)
        for name, description in scenarios:
            print(f"{name:<{width}}  {description}")
        print(f"\nrun one with: sim run scenario=<name>   ({len(scenarios)} scenarios)")
        return 0
    print(f"error: unknown command {command!r}\n\n{USAGE}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
