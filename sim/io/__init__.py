"""Input and output: a region's validated input tables, the results recorder and its atomic
netCDF writer, and run provenance. The lowest layer: imports nothing else of ``sim``."""
