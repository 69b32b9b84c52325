"""Linear recurrences h_t = a_t * h_{t-1} + b_t (element-wise, real or complex) computed
either one step at a time or as a parallel scan in log2(T) rounds.

The models whose recurrence is linear in the state (LRU, S4D, minGRU, minLSTM, the selective
SSM) call one of these with ``scan="loop"``, ``"parallel"`` or ``"auto"`` (the scan on a GPU,
the loop on a CPU, where it measured faster); loop and scan give the same numbers up to float
rounding (tested in float64 to T = 1000, outputs and gradients).

- ``linear_scan``: the parallel form is the Hillis-Steele scan of the associative operator
  (a1, b1) . (a2, b2) = (a2 a1, a2 b1 + b2) (Blelloch 1990, "Prefix sums and their
  applications", §1.4: first-order linear recurrences). Round k combines each step with the
  one 2^k before it: log2(T) rounds of whole-sequence tensor operations, O(T log T) work, no
  Python loop over time. Only powers of |a| <= 1 are formed, so it does not overflow where a
  closed form with a^-t would.
- ``signed_log_scan``: positive a_t given as its log and b_t of either sign (the selective
  SSM, whose a_t = exp(Delta_t A) comes as a log for free): h = h+ - h-, each half a log-space
  scan of the positive or negative part of b. It holds only B x T x state floats, where the
  Hillis-Steele scan would hold log2 T times as many.
- ``log_linear_scan``: for positive a_t and b_t (minGRU and minLSTM with their positive g),
  the scan in log space of Feng et al. 2024 (§3.1.2 and Appendix B; Heinsen 2023):
  log h_t = a*_t + logsumexp_{k<=t}(log b_k - a*_k), a*_t = sum_{k<=t} log a_k, with
  ``torch.logcumsumexp``, which never leaves the log domain.
"""

from __future__ import annotations

import torch

from models.options import Option

SCANS = ("auto", "loop", "parallel")
SCAN = Option("scan", str, "the recurrence as a parallel scan or a loop; auto (the default): "
              "the scan on a GPU, the loop on a CPU", choices=SCANS)


def resolved(scan: str, tensor: torch.Tensor) -> str:
    """``auto`` is the parallel scan on a GPU and the loop on a CPU: on one CPU thread the
    scan's O(T log T) work (or the log-space scan's exp and log) made a training step 3-10x
    slower than the loop at every length measured, 10 to 1000 (make bench, scan.csv)."""
    if scan == "auto":
        return "parallel" if tensor.is_cuda else "loop"
    return scan


def linear_scan(a: torch.Tensor, b: torch.Tensor, h0: torch.Tensor | None = None,
                scan: str = "auto") -> torch.Tensor:
    """Every h_t of h_t = a_t h_{t-1} + b_t, h_0 = ``h0`` (zero if None), time on dim 1.

    a: broadcastable to b (a time-invariant a, shape (N,), is the LTI case); b: (B, T, ...);
    h0: b's shape without the time dim. Returns (B, T, ...)."""
    a, scan = a.expand_as(b), resolved(scan, b)
    if h0 is not None:  # fold the initial state into the first input
        b = torch.cat([b[:, :1] + a[:, :1] * h0.unsqueeze(1), b[:, 1:]], dim=1)
    if scan == "loop":
        h, states = torch.zeros_like(b[:, 0]), []
        for a_t, b_t in zip(a.unbind(1), b.unbind(1), strict=True):
            h = a_t * h + b_t
            states.append(h)
        return torch.stack(states, dim=1)
    offset, steps = 1, b.shape[1]
    while offset < steps:  # after this round, each step holds the last 2*offset steps combined
        b = torch.cat([b[:, :offset], b[:, offset:] + a[:, offset:] * b[:, :-offset]], dim=1)
        a = torch.cat([a[:, :offset], a[:, offset:] * a[:, :-offset]], dim=1)
        offset *= 2
    return b


def log_linear_scan(log_a: torch.Tensor, log_b: torch.Tensor,
                    log_h0: torch.Tensor | None = None, scan: str = "auto") -> torch.Tensor:
    """Every h_t of h_t = a_t h_{t-1} + b_t for positive a, b, given as logs (B, T, ...);
    ``log_h0`` the log of a positive initial state (None: h_0 = 0). Returns h (not its log)."""
    if resolved(scan, log_b) == "loop":
        h0 = None if log_h0 is None else log_h0.exp()
        return linear_scan(log_a.exp(), log_b.exp(), h0, scan="loop")
    if log_h0 is not None:  # h_0 enters as a step 0 with log b_0 = log h_0
        log_a = torch.cat([torch.zeros_like(log_a[:, :1]), log_a], dim=1)
        log_b = torch.cat([log_h0.unsqueeze(1), log_b], dim=1)
    a_star = torch.cumsum(log_a, dim=1)
    log_h = a_star + torch.logcumsumexp(log_b - a_star, dim=1)
    h = log_h.exp()
    return h if log_h0 is None else h[:, 1:]


def signed_log_scan(log_a: torch.Tensor, b: torch.Tensor, h0: torch.Tensor | None = None,
                    scan: str = "auto") -> torch.Tensor:
    """Every h_t of h_t = a_t h_{t-1} + b_t for positive a (given as ``log_a``) and real b of
    either sign, (B, T, ...); h0 real (None: zero)."""
    if resolved(scan, b) == "loop":
        return linear_scan(log_a.exp(), b, h0, scan="loop")
    if h0 is not None:
        b = torch.cat([b[:, :1] + log_a[:, :1].exp() * h0.unsqueeze(1), b[:, 1:]], dim=1)
    # a zero part enters as the smallest normal number, not log 0: a finite log keeps
    # logcumsumexp's gradient finite where every term so far is zero, and adds at most
    # that number (about 1e-38 in float32) to a state
    tiny = torch.finfo(b.dtype).tiny
    halves = [log_linear_scan(log_a, torch.log(part.clamp_min(tiny)), scan="parallel")
              for part in (b.clamp_min(0), (-b).clamp_min(0))]
    return halves[0] - halves[1]
