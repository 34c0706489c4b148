"""Emulator time: real time, or real time accelerated by ``--time-scale``.

Every timestamp the API shows (created_at, expires_at, in_progress_at, ...) and the 24-hour
completion window run on this clock, so ``--time-scale 3600`` makes an emulator hour pass in a real
second and lets a user watch a batch expire. ``--latency`` and the fault durations stay in real
seconds: they are about what a person watching sees. The anchor is stored with the state, so
emulator time never runs backwards across restarts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Clock:
    scale: float = 1.0
    anchor_real: float = 0.0
    anchor_emulated: float = 0.0

    @classmethod
    def resume(cls, scale: float, previous: Clock | None) -> Clock:
        """A clock that carries on from ``previous`` (if any) at the new ``scale``."""
        real = time.time()
        emulated = previous.now() if previous is not None else real
        return cls(scale=scale, anchor_real=real, anchor_emulated=emulated)

    def now(self) -> float:
        return self.anchor_emulated + (time.time() - self.anchor_real) * self.scale

    def stamp(self) -> int:
        """Unix seconds, as the API shows them."""
        return int(self.now())
