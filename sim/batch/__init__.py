"""Batch runs: run folders and resume for Hydra sweeps, and collecting runs into ensembles."""
