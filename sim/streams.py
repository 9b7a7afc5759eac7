"""Named random streams: one seeded generator per stochastic process of the model.

Each process (recruitment, combat, spread, abuse, coups, alignment, blocs) draws from its own
generator, derived from the replicate's seed and the process name alone. Each month every
stream draws a block of fixed size whatever the model state, so two scenarios run with the
same seed see the same shocks even after their behaviour diverges (common random numbers).
"""

from __future__ import annotations

import zlib

import numpy as np

STREAMS: tuple[str, ...] = (
    "recruitment",
    "combat",
    "spread",
    "abuse",
    "coups",
    "alignment",
    "blocs",
)
"""The model's stochastic processes, each with its own stream."""


def stream_key(name: str) -> int:
    """A stable 32-bit key for a stream name (CRC-32, the same on every platform)."""
    return zlib.crc32(name.encode("utf-8"))


def make_streams(seed: int | np.random.SeedSequence) -> dict[str, np.random.Generator]:
    """One independent ``Generator`` per name in :data:`STREAMS`, keyed by name.

    The generator of a stream depends only on ``seed`` and the stream's name, never on the
    order in which streams are created or on how many there are.
    """
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return {
        name: np.random.Generator(
            np.random.PCG64(
                np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, stream_key(name)))
            )
        )
        for name in STREAMS
    }
