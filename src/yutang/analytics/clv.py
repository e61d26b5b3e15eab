"""Predictive customer value: the BG/NBD model of how often a customer buys and whether
they are still a customer, and the Gamma–Gamma model of what they spend per purchase,
both fitted by maximum likelihood.

Sources (written from the papers, not from a library):

- P. S. Fader, B. G. S. Hardie and K. L. Lee (2005), "Counting Your Customers" the Easy
  Way: An Alternative to the Pareto/NBD Model, *Marketing Science* 24(2), 275–284 —
  the likelihood (their eq. 6), P(alive) (their eq. 13 rearranged) and the expected
  purchases of a customer in the next ``t`` (their eq. 10).
- P. S. Fader and B. G. S. Hardie (2013), *The Gamma-Gamma Model of Monetary Value* —
  the likelihood of a customer's mean spend and its conditional expectation.

A customer is seen through ``x`` (repeat purchases: purchases after the first),
``t_x`` (the time of the last purchase, from the first) and ``T`` (the time from the
first purchase to the end of what was observed), in one time unit throughout (weeks by
default, see :data:`UNIT_DAYS`), and ``m`` (the mean value of their repeat purchases).

BG/NBD: while alive, a customer buys at a Poisson rate λ ~ Gamma(r, α); after each
purchase they drop out with probability p ~ Beta(a, b). Gamma–Gamma: a customer's
purchase values vary around their own mean, the mean varying across customers; the
expected mean of a customer is a weighted blend of the population's mean ``pγ/(q − 1)``
and their own observed mean ``m``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from scipy import optimize, special

Unit = Literal["day", "week", "month"]
#: How long each unit of time is, in days (a month: a twelfth of a Julian year).
UNIT_DAYS: dict[str, float] = {"day": 1.0, "week": 7.0, "month": 365.25 / 12}
Array = NDArray[np.float64]


class FitError(ValueError):
    """The model could not be fitted (the optimiser did not converge, or the estimate
    has no finite meaning)."""


def _arr(values: Any) -> Array:
    return np.asarray(values, dtype=np.float64)


def _grouped(*columns: Array) -> tuple[list[Array], Array]:
    """Identical customers once each, with how many there are: the likelihood of a
    workspace with a million buyers is a sum over a few thousand distinct rows."""
    stacked = np.stack(columns, axis=1)
    unique, counts = np.unique(stacked, axis=0, return_counts=True)
    return [unique[:, i] for i in range(unique.shape[1])], counts.astype(np.float64)


#: How far from 1 a parameter may go (a factor of e^12 ≈ 160,000 either way). Where the
#: data show no difference between customers — every one drops out with the same
#: probability, or spends around the same mean — the likelihood keeps rising as a pair
#: of parameters grows together towards a limit model (a homogeneous one); the estimate
#: stops at this bound, where it predicts as the limit does.
LOG_BOUND = 12.0


def _stopped_at_optimum(found: Any) -> bool:
    """L-BFGS converged — or stopped because no step along its gradient lowered the value
    any more, with that gradient flat (the mean log-likelihood per customer moving less
    than 0.001 per unit of a log-parameter): on a ridge that rises ever more slowly
    towards a limit model, as good as converged."""
    if not np.all(np.isfinite(found.x)) or not math.isfinite(found.fun):
        return False
    jac = np.asarray(getattr(found, "jac", np.full_like(found.x, np.inf)))
    return bool(found.success) or bool(np.all(np.abs(jac) < 1e-3))


def _maximise(
    negative: Callable[[Array], float], start: Array, names: tuple[str, ...]
) -> tuple[Array, float]:
    """The log-parameters that maximise a log-likelihood (``negative`` is its negative
    per customer), by L-BFGS from ``start`` (by Nelder–Mead where that fails), within
    :data:`LOG_BOUND`."""
    bounds = [(-LOG_BOUND, LOG_BOUND)] * len(start)
    found = optimize.minimize(
        negative,
        start,
        method="L-BFGS-B",
        bounds=bounds,
        options={"ftol": 1e-15, "gtol": 1e-9, "maxiter": 2000},
    )
    if not _stopped_at_optimum(found):  # a rough surface: step without gradients
        found = optimize.minimize(
            negative,
            np.clip(found.x if np.all(np.isfinite(found.x)) else start, -LOG_BOUND, LOG_BOUND),
            method="Nelder-Mead",
            bounds=bounds,
            options={"xatol": 1e-9, "fatol": 1e-12, "maxiter": 4000},
        )
    x, value = found.x, float(found.fun)
    if (
        not (found.success or _stopped_at_optimum(found))
        or not np.all(np.isfinite(x))
        or not math.isfinite(value)
    ):
        raise FitError(f"the fit of {', '.join(names)} did not converge")
    return np.exp(x), value


@dataclass(frozen=True)
class BgNbd:
    """A fitted BG/NBD model (the unit of ``alpha`` is the unit of ``t_x`` and ``T``)."""

    r: float
    alpha: float
    a: float
    b: float
    #: The log-likelihood at the estimate, over the customers it was fitted on.
    log_likelihood: float
    customers: int

    def p_alive(self, x: Any, t_x: Any, T: Any) -> Array:
        """The probability that each customer has not dropped out by ``T``."""
        x, t_x, T = _arr(x), _arr(t_x), _arr(T)
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        repeat = x > 0
        safe = np.where(repeat, b + x - 1, 1.0)
        log_odds = np.log(a) - np.log(safe) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
        return np.where(repeat, special.expit(-log_odds), 1.0)

    def expected_purchases(self, t: float, x: Any, t_x: Any, T: Any) -> Array:
        """How many purchases each customer is expected to make in the next ``t``
        (FHL 2005 eq. 10). Where the hypergeometric factor overflows (customers with
        many purchases) it is taken through Euler's transformation,
        ``(1−z)^(r+x) 2F1(r+x, b+x; a+b+x−1; z) = (1−z)^(a−1) 2F1(a+b−1−r, a−1; a+b+x−1; z)``,
        which stays finite there (and not where a and b are very large, where the first
        form does)."""
        x, t_x, T = _arr(x), _arr(t_x), _arr(T)
        r, alpha, b = self.r, self.alpha, self.b
        a = self.a if abs(self.a - 1) > 1e-9 else 1 + 1e-9  # the formula's limit at a = 1
        if t <= 0:
            return np.zeros_like(x)
        z = t / (alpha + T + t)
        with np.errstate(all="ignore"):
            tail = (1 - z) ** (r + x) * special.hyp2f1(r + x, b + x, a + b + x - 1, z)
            euler = (1 - z) ** (a - 1) * special.hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z)
        tail = np.where(np.isfinite(tail), tail, euler)
        return _arr((a + b + x - 1) / (a - 1) * (1 - tail) * self.p_alive(x, t_x, T))

    def log_likelihood_of(self, x: Any, t_x: Any, T: Any) -> Array:
        """Each customer's log-likelihood under these parameters (FHL 2005 eq. 6)."""
        return _bgnbd_ll(np.log([self.r, self.alpha, self.a, self.b]), _arr(x), _arr(t_x), _arr(T))


def _bgnbd_ll(log_params: Array, x: Array, t_x: Array, T: Array) -> Array:
    r, alpha, a, b = np.exp(log_params)
    common = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    beta = special.betaln(a, b)
    stays = special.betaln(a, b + x) - beta - (r + x) * np.log(alpha + T)
    repeat = x > 0
    # dropped out right after the last purchase (only possible with a repeat purchase)
    leaves = np.where(
        repeat,
        special.betaln(a + 1, np.where(repeat, b + x - 1, b)) - beta - (r + x) * np.log(alpha + t_x),
        -np.inf,
    )
    return np.asarray(common + np.logaddexp(stays, leaves), dtype=np.float64)


def fit_bgnbd(x: Any, t_x: Any, T: Any) -> BgNbd:
    """The maximum-likelihood BG/NBD parameters for these customers."""
    x, t_x, T = _arr(x), _arr(t_x), _arr(T)
    if x.size == 0 or np.any(x < 0) or np.any(t_x < 0) or np.any(t_x > T):
        raise FitError("every customer needs x ≥ 0 and 0 ≤ t_x ≤ T")
    (gx, gt, gT), weight = _grouped(x, t_x, T)
    total = float(weight.sum())

    def negative(log_params: Array) -> float:
        ll = _bgnbd_ll(log_params, gx, gt, gT)
        value = -float(np.dot(weight, ll)) / total
        return value if math.isfinite(value) else float("inf")

    start = np.log(np.array([0.5, max(float(np.mean(T)), 1e-3), 1.0, 1.0]))
    params, value = _maximise(negative, start, ("r", "alpha", "a", "b"))
    r, alpha, a, b = (float(v) for v in params)
    return BgNbd(r, alpha, a, b, -value * total, int(total))


@dataclass(frozen=True)
class GammaGamma:
    """A fitted Gamma–Gamma model of the mean value of a customer's purchases."""

    p: float
    q: float
    gamma: float
    log_likelihood: float
    customers: int

    @property
    def population_mean(self) -> float:
        """The expected mean spend of a customer of whom nothing is known: pγ / (q − 1)."""
        return self.p * self.gamma / (self.q - 1)

    def expected_spend(self, x: Any, m: Any) -> Array:
        """Each customer's expected value per purchase, from ``x`` repeat purchases of
        mean value ``m``: ``(γ + m x) p / (p x + q − 1)`` — the population's mean for a
        customer with no repeat purchase."""
        x, m = _arr(x), _arr(m)
        p, q, gamma = self.p, self.q, self.gamma
        return _arr((gamma + m * x) * p / (p * x + q - 1))


def _gg_ll(log_params: Array, x: Array, m: Array) -> Array:
    p, q, gamma = np.exp(log_params)
    px = p * x
    out = (
        special.gammaln(px + q)
        - special.gammaln(px)
        - special.gammaln(q)
        + q * np.log(gamma)
        + px * np.log(x)
        + (px - 1) * np.log(m)
        - (px + q) * np.log(gamma + m * x)
    )
    return np.asarray(out, dtype=np.float64)


def fit_gamma_gamma(x: Any, m: Any) -> GammaGamma:
    """The maximum-likelihood Gamma–Gamma parameters, from the customers with at least
    one repeat purchase (``x`` ≥ 1) and a positive mean value ``m``."""
    x, m = _arr(x), _arr(m)
    if x.size == 0 or np.any(x < 1) or np.any(m <= 0):
        raise FitError("the spend model needs customers with x ≥ 1 and a positive mean value")
    (gx, gm), weight = _grouped(x, m)
    total = float(weight.sum())
    scale = float(np.mean(m))  # γ is in money: start where the data are

    shift = np.array([0.0, 0.0, math.log(scale)])

    def negative(scaled: Array) -> float:
        value = -float(np.dot(weight, _gg_ll(scaled + shift, gx, gm))) / total
        return value if math.isfinite(value) else float("inf")

    params, value = _maximise(negative, np.log([1.0, 2.0, 1.0]), ("p", "q", "gamma"))
    p, q, gamma = float(params[0]), float(params[1]), float(params[2] * scale)
    if q <= 1:
        raise FitError("the spend model's fit has no finite population mean (q ≤ 1)")
    return GammaGamma(p, q, gamma, -value * total, int(total))


def discounted_value(
    model: BgNbd,
    spend: Any,
    x: Any,
    t_x: Any,
    T: Any,
    *,
    steps: int,
    step_length: float,
    discount_per_step: float = 0.0,
) -> tuple[Array, Array]:
    """Each customer's expected purchases over ``steps`` steps of ``step_length`` (in
    the model's unit), and their value: the purchases expected in step k times their
    expected spend, discounted by ``(1 + discount_per_step)^k``."""
    purchases = np.zeros_like(_arr(x))
    value = np.zeros_like(purchases)
    before = np.zeros_like(purchases)
    spend = _arr(spend)
    for k in range(1, steps + 1):
        upto = model.expected_purchases(k * step_length, x, t_x, T)
        value += (upto - before) * spend / (1 + discount_per_step) ** k
        before = upto
    purchases = before
    return purchases, value
