"""Named random streams.

One ``SeedSequence`` per run seed; each submodel draws from its own child stream keyed by its name,
so that a change in one submodel (say, housing) does not reshuffle another's draws (say, births).
Scenarios run with the same seed therefore share their random numbers wherever they do not differ,
which makes scenario differences signal rather than noise.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, name: str) -> np.random.Generator:
    """The generator of stream ``name`` for run ``seed``.

    Examples
    --------
    >>> a = stream(1, "births").random()
    >>> a == stream(1, "births").random(), a == stream(1, "deaths").random()
    (True, False)
    """
    key = zlib.crc32(name.encode("utf-8"))
    return np.random.default_rng(np.random.SeedSequence(entropy=int(seed), spawn_key=(key,)))
