"""Phasing as a searchable object: levers on a scenario, objectives over sampled futures, and a
multi-objective search whose front is re-run on futures it never saw (``sim optimise``)."""
