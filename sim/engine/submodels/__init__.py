"""Submodels: one class per file with ``init(model)``, ``step(model, year)``, ``record``."""
