"""Named random streams: one seeded generator per stochastic process of the model.

Each process draws from its own generator, derived from the replicate's seed and the
stream's name alone. Every month each stream yields a block of fixed shape whatever the model
state, so two scenarios run with the same seed see the same shocks even after their
behaviour diverges (common random numbers).

Blocks are drawn ahead, a chunk of months at a time, from one generator per stream; because
each stream produces one kind of variate, month ``t``'s block is the same whatever the chunk
size (a generator's output does not depend on how its draws are split into calls).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

import numpy as np

STREAMS: dict[str, str] = {
    "recruitment": "normal",  # noise on recruits, per group and country
    "violence": "normal",  # noise on routine deaths (battle, against civilians), per country
    "violence_rounding": "uniform",  # stochastic rounding of deaths, per country
    "mass_events": "uniform",  # massed attack and insurgent massacre: occurs, size
    "massacre": "uniform",  # massacre by each state-side force: occurs, size
    "rivalry": "normal",  # noise on deaths between rivals, per rival pair and country
    "rivalry_rounding": "uniform",
    "spread": "uniform",  # opening a cell across a border, per group and destination
    "tempo": "uniform",  # launching an offensive, per country
    "coups": "uniform",  # coup or not, per country
    "alignment": "uniform",  # reviewing partnerships this month, per country
    "blocs": "uniform",  # reviewing bloc memberships this month, per country
}
"""Stream name -> kind of variate (standard normal or uniform on [0, 1))."""


def stream_key(name: str) -> int:
    """Return a stable 32-bit key for a stream name (CRC-32, the same on every platform)."""
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


class Shocks:
    """Monthly blocks of random numbers, drawn ahead in chunks from the named streams.

    ``shocks.month(t)`` returns ``{stream: array of shape shapes[stream]}`` for month ``t``
    (0-based, consecutive). The arrays stay NumPy arrays: the model reads only the entries
    it needs (``.item``), so unused draws cost a few nanoseconds each, not a Python object.
    """

    def __init__(
        self,
        seed: int | np.random.SeedSequence,
        shapes: dict[str, tuple[int, ...]],
        chunk: int = 24,
    ) -> None:
        self.generators = make_streams(seed)
        self.shapes = shapes
        self.chunk = chunk
        self._blocks: dict[str, np.ndarray] = {}
        self._first = 0  # month of the first cached block
        self._size = 0  # months cached

    def month(self, t: int) -> dict[str, np.ndarray]:
        """The blocks of month ``t``."""
        offset = t - self._first
        if not 0 <= offset < self._size:
            self._draw(t)
            offset = 0
        return {name: block[offset] for name, block in self._blocks.items()}

    def _draw(self, t: int) -> None:
        """Draw the chunk of months starting at ``t`` (months before are discarded)."""
        if t != self._first + self._size:
            raise ValueError("months must be drawn in order")
        for name, shape in self.shapes.items():
            gen = self.generators[name]
            draw: Callable[..., np.ndarray] = (
                gen.standard_normal if STREAMS[name] == "normal" else gen.random
            )
            self._blocks[name] = draw((self.chunk, *shape))
        self._first, self._size = t, self.chunk
