"""Analysis of ensembles: comparison with the baseline, goals and conflicts, phasing. Reads only
result Datasets, never model internals."""
