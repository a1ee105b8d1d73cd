"""Keep freed memory for the next year's arrays instead of handing it back to the system.

Every year makes and drops many temporary arrays of persons' and households' size (masks, draws,
tallies, kernel outputs). glibc maps an allocation above 128 KB afresh and gives freed memory at
the top of its heap back to the system, so each such array paid a page fault per 4 KB page on
its first write, every year: about 8 % of the Skaraborg year (docs/performance.md). Raising the
two thresholds keeps that memory in the process; the peak memory of a run does not change (what
is kept was in use before). Only on Linux with glibc; elsewhere nothing is done.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys

# mallopt(3) parameters.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
# The highest mmap threshold glibc accepts on 64-bit systems (HEAP_MAX_SIZE / 2): larger arrays,
# such as the persons' columns of a national run, are still mapped on their own.
MMAP_THRESHOLD_BYTES = 32 * 2**20
TRIM_THRESHOLD_BYTES = 2**30


@functools.cache
def keep_freed_memory() -> bool:
    """Raise glibc's trim and mmap thresholds (once per process); True when it did."""
    if not sys.platform.startswith("linux"):
        return False
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)) and bool(
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)
    )
