"""The model: RegionModel (a mesa.Model with named random streams and the yearly plan), the
registry of submodels and the phases of the year, the population arrays, the synthetic base
population, the shared board of published quantities, the submodels (the municipality agents among
them) and their numba kernels. Knows nothing of batch runs, analysis or reports."""
