"""Submodels: one class per file, each with ``init(model)``, ``step(model, year)``, ``record(rec)``."""
