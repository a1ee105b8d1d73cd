"""How many threads the parallel kernels use: one, unless ``NUMBA_NUM_THREADS`` says otherwise.

The kernels that run persons in parallel (``prange``: the census, incomes, resident
municipalities) give the same results for any number of threads, so this is a matter of speed
only. On an idle machine two threads made the Skaraborg year about 6 % faster; when the other core
was busy (another run, an ensemble's other worker, a test suite) OpenMP's threads waited for it and
the census took ten times as long (docs/performance.md). One thread is the safe default; a user
with idle cores sets ``NUMBA_NUM_THREADS``.
"""

from __future__ import annotations

import os


def configure_threads() -> int:
    """Use one thread for the parallel kernels unless ``NUMBA_NUM_THREADS`` is set; returns the
    number of threads in use."""
    import numba

    if "NUMBA_NUM_THREADS" not in os.environ:
        numba.set_num_threads(1)
    return numba.get_num_threads()
