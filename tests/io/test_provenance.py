"""Provenance: the config text and run id written into every run's results."""

from __future__ import annotations

from omegaconf import OmegaConf

from sim.config.compose import compose_config, resolve_config
from sim.io.provenance import config_yaml, model_config, model_part, run_id, run_id_of


def test_config_text_is_what_omegaconf_writes():
    # The futures set and a scenario with interventions: lists, nulls, floats, nested keys.
    cfg = resolve_config(compose_config(["scenario=combined", "futures=lhs", "future=3"]))
    container = OmegaConf.to_container(cfg, resolve=True)
    assert config_yaml(container) == OmegaConf.to_yaml(OmegaConf.create(container))


def test_run_id_of_the_model_part_is_the_run_id():
    cfg = resolve_config(compose_config(["seed=5", "future=1", "futures=lhs"]))
    container = OmegaConf.to_container(cfg, resolve=True)
    assert model_part(container) == model_config(cfg)
    assert run_id_of(model_part(container)) == run_id(cfg)
    assert "future" in model_part(container)
