"""Scenarios: dated, phased interventions laid over the baseline.

``schema`` holds the typed Hydra configs of each intervention type, ``validate`` checks a scenario
against a region and a horizon before anything runs.
"""
