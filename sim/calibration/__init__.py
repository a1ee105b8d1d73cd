"""Calibration: fit free model parameters to observed targets (``sim calibrate NAME``).

``spec.py`` loads and checks a calibration spec (``configs/calibrate/NAME.yaml``),
``indicators.py`` computes the targets' indicators from a run's results, and ``fit.py`` runs the
Optuna study and writes the calibrated parameter file with its fit report.
"""
