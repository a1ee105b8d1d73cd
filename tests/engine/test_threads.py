"""The parallel kernels run on one thread unless NUMBA_NUM_THREADS says otherwise."""

from __future__ import annotations

import numba

from sim.engine.threads import configure_threads


def test_one_thread_unless_the_environment_says_otherwise(monkeypatch):
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        monkeypatch.setenv("NUMBA_NUM_THREADS", str(numba.config.NUMBA_NUM_THREADS))
        assert configure_threads() == numba.config.NUMBA_NUM_THREADS  # the user's setting stands
        monkeypatch.delenv("NUMBA_NUM_THREADS")
        assert configure_threads() == 1
    finally:
        numba.set_num_threads(before)
