"""noisy_sine: predict the next value of a noisy sine from a window of ``seq_len`` past values.

Sample i is ``s_t = sin(freq * t + phase_i) + noise_std * e_t`` with a uniform random phase and
standard normal e_t; the input is ``s_0 .. s_{T-1}`` and the target ``s_T``. The defaults are the
classic LSTM tutorial setting (frequency 0.01 rad/step, noise std 0.2, window 4).

Two reference levels:
- noise floor ``noise_std**2``: even the clean sine value misses the noisy target by the noise;
- memoryless baseline, predict the last observed value:
  ``E[(s_T - s_{T-1})^2] = 2 noise_std**2 + (1 - cos freq)`` (averaged over the phase).

The task has no gap to bridge: averaging the last two inputs already meets the success rule,
and a longer window only averages more noise away. What a model's error says about its memory
is its *effective window*: the shortest window k whose optimal linear predictor scores as well.
Over the random phase the series is stationary with autocovariance
``R(tau) = cos(freq tau) / 2 + noise_std**2 [tau = 0]``, so the optimal linear predictor of
s_T from its last k values scores ``R(0) - r' R_k^-1 r`` (R_k the k x k Toeplitz matrix of R,
r the covariances of s_T with those k values): ``window_mse(k)``.
"""

from __future__ import annotations

import dataclasses
import functools
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

    def _autocovariance(self, lags: np.ndarray) -> np.ndarray:
        return 0.5 * np.cos(self.freq * lags) + self.noise_std**2 * (lags == 0)

    # cached: effective_window walks k = 0.. for every seed and model of a report; the task is
    # a frozen (hashable) dataclass, so (task, k) identifies the answer
    @functools.cache  # noqa: B019
    def window_mse(self, k: int) -> float:
        """MSE of the optimal linear predictor of the next value from the last k (closed form;
        k = 0 predicts the mean, 0)."""
        if k == 0:
            return float(self._autocovariance(np.array(0)))
        lags = np.arange(k)
        toeplitz = self._autocovariance(np.abs(lags[:, None] - lags[None, :]))
        cross = self._autocovariance(k - lags)  # s_T with s_{T-k} .. s_{T-1}
        # lstsq: at small noise the Toeplitz matrix is near singular (a sine has 2 degrees of
        # freedom); the minimum-norm solution still gives the optimal predictor's error
        weights = np.linalg.lstsq(toeplitz, cross, rcond=None)[0]
        return float(self._autocovariance(np.array(0)) - cross @ weights)

    def effective_window(self, mse: float, seq_len: int) -> float:
        """The shortest window (0 .. seq_len) whose optimal linear predictor scores at most
        ``mse``: how far back a model's error says it looks. ``inf`` when the model beats every
        linear window it was shown (a nonlinear predictor can)."""
        for k in range(seq_len + 1):
            if self.window_mse(k) <= mse:
                return float(k)
        return math.inf

    def success_threshold(self):
        # Solved: closes at least half the gap between the memoryless baseline and the floor.
        floor, base = self.noise_floor(0), self.baseline(0)
        return floor + 0.5 * (base - floor)
