"""The process keeps freed memory for the next year's arrays (sim/engine/memory.py)."""

from __future__ import annotations

import platform
import sys

import pytest

from sim.engine.memory import keep_freed_memory


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
    reason="mallopt is glibc's",
)
def test_glibc_takes_both_thresholds():
    assert keep_freed_memory() is True
    assert keep_freed_memory() is True  # once per process; asking again changes nothing
