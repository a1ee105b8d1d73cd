"""Configuration: the typed Hydra schemas of parameters and scenarios, composing a run's config,
and validating a scenario against a region and horizon before anything runs."""
