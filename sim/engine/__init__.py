"""The model: RegionModel (a mesa.Model with named random streams, the yearly plan and the
municipality agents), the population arrays, the synthetic base population, shared municipal state,
the submodels and their numba kernels. Knows nothing of batch runs, analysis or reports."""
