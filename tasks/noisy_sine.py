"""noisy_sine: predict the next value of a noisy sine from a window of ``seq_len`` past values.

Sample i is ``s_t = sin(freq * t + phase_i) + noise_std * e_t`` with a uniform random phase and
standard normal e_t; the input is ``s_0 .. s_{T-1}`` and the target ``s_T``. The defaults are the
classic LSTM tutorial setting (frequency 0.01 rad/step, noise std 0.2, window 4).

Two reference levels:
- noise floor ``noise_std**2``: even the clean sine value misses the noisy target by the noise;
- memoryless baseline, predict the last observed value:
  ``E[(s_T - s_{T-1})^2] = 2 noise_std**2 + (1 - cos freq)`` (averaged over the phase).
"""

from __future__ import annotations

import dataclasses
import math
from typing import ClassVar

import numpy as np

from tasks.base import RegressionTask
from tasks.registry import register


@register("noisy_sine", label="noisy sine",
          description="next value of a noisy sine from a window of seq_len past values")
@dataclasses.dataclass(frozen=True)
class NoisySine(RegressionTask):
    name: ClassVar[str] = "noisy_sine"
    control: ClassVar[bool] = True  # the next value depends on the last few: no gap to bridge
    input_dim: ClassVar[int] = 1
    output_dim: ClassVar[int] = 1
    success_rule: ClassVar[str] = ("test MSE closes at least half the gap between the "
                                   "memoryless baseline and the noise floor")
    freq: float = 0.01
    noise_std: float = 0.2

    def check(self):
        self._require(math.isfinite(self.freq) and 0 < self.freq <= math.pi, "freq",
                      "in (0, pi] rad/step")
        self._require(math.isfinite(self.noise_std) and self.noise_std >= 0, "noise_std",
                      ">= 0")

    def _generate(self, n, seq_len, rng):
        phase = rng.uniform(0.0, 2 * np.pi, size=(n, 1))
        t = np.arange(seq_len + 1)[None, :]  # the window and the next step
        series = np.sin(self.freq * t + phase) + self.noise_std * rng.standard_normal(
            (n, seq_len + 1)
        )
        return series[:, :seq_len, None], series[:, seq_len:]  # (n, T, 1), (n, 1)

    def noise_floor(self, seq_len):
        return self.noise_std**2

    def baseline(self, seq_len):
        return 2 * self.noise_std**2 + (1 - math.cos(self.freq))

    def solved(self, metric):
        # Solved: closes at least half the gap between the memoryless baseline and the floor.
        floor, base = self.noise_floor(0), self.baseline(0)
        return metric <= floor + 0.5 * (base - floor)
