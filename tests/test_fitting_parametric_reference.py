"""Reproducing Besiroglu et al. 2024 (arXiv:2404.10102) on Epoch AI's extraction of Chinchilla's runs.

Data: Epoch AI's extraction of Chinchilla's runs (epoch-research/analyzing-chinchilla, data/svg_extracted_data.csv),
found by tests/reference.py and checked against its sha256. Filtering as theirs: drop the 5 highest-loss runs (240
left); D = C/(6N). Published values: Besiroglu et al. 2024, §3 (grid fit) and §4 (bootstrap), as quoted below.
"""

import numpy as np
import pytest

from planner.fitting.varpro import EXPONENT_GRID
from planner.fitting import bootstrap, fit_parametric
from planner.files.runs import read_runs

from .reference import epoch_runs_csv

#: Their grid fit on the 240 runs (Besiroglu et al. 2024, §3).
GRID_FIT = {"A": 477.82, "B": 2143.41, "E": 1.8172, "alpha": 0.3473, "beta": 0.3672}
#: Their bootstrap 95 % intervals, 4,000 resamples (Besiroglu et al. 2024, §4).
INTERVALS = {"A": (285.2, 743.6), "B": (1042.4, 5810.3), "E": (1.769, 1.871), "alpha": (0.317, 0.373),
             "beta": (0.331, 0.415)}
#: Their bootstrap standard errors (Besiroglu et al. 2024, Table 1 / §4): A and B to five significant figures, E, α
#: and β to one.
STANDARD_ERRORS = {"A": 124.58, "B": 1293.23, "E": 0.03, "alpha": 0.02, "beta": 0.02}
N_RESAMPLES = 4000


@pytest.fixture(scope="module")
def runs():
    return read_runs(epoch_runs_csv()).drop_highest_loss(5)


@pytest.fixture(scope="module")
def fit(runs):
    return fit_parametric(runs.n_params, runs.n_tokens, runs.loss)


def test_filtering_leaves_240_runs_with_d_from_c(runs):
    assert len(runs) == 240
    assert runs.derived == ("n_tokens",)
    np.testing.assert_allclose(6 * runs.n_params * runs.n_tokens, runs.flops, rtol=1e-12)
    assert runs.loss.max() < 3.9   # the 5 dropped runs are the ones above ~3.9 nats


def test_grid_fit_reproduces_the_published_estimates_to_three_significant_figures(fit):
    """A = 477.82, B = 2143.41, E = 1.8172, α = 0.3473, β = 0.3672, each to 3 significant figures."""
    for name, published in GRID_FIT.items():
        got = fit.coefficients[name]
        assert float(f"{got:.3g}") == float(f"{published:.3g}"), (name, got, published)
    assert fit.converged and not fit.warnings
    assert fit.n_starts == len(EXPONENT_GRID) ** 2   # variable projection over α, β


def _order_statistic_band(samples, q, n, z=3.0):
    """Monte Carlo band for a published q-percentile from another run of the same bootstrap.

    Our estimate and theirs are both q-quantiles of n draws. The rank of a sample q-quantile has standard
    deviation sqrt(n·q·(1−q)) (binomial); the difference of two independent runs has sqrt(2) times that.
    The band is our sorted samples between ranks n·q ∓ z·sqrt(2·n·q·(1−q)), z = 3 (10 bounds are tested,
    so a false alarm from Monte Carlo noise alone is rare).
    """
    s = np.sort(samples)
    half = z * np.sqrt(2 * n * q * (1 - q))
    lo = int(np.floor(n * q - half))
    hi = int(np.ceil(n * q + half))
    return s[max(lo, 0)], s[min(hi, len(s) - 1)]


@pytest.fixture(scope="module")
def boot(runs, fit):
    return bootstrap(runs.n_params, runs.n_tokens, runs.loss, n_resamples=N_RESAMPLES, seed=0, fit=fit)


def test_bootstrap_reproduces_the_published_standard_errors(boot):
    """4,000 resamples (as theirs) give their standard errors.

    Tolerance: A and B within 10% (two independent 4,000-resample bootstraps of skewed estimates: the sample
    standard deviation of each has a Monte Carlo error of a few percent); E, α and β, printed to one significant
    figure, round to the printed value.
    """
    assert boot.n_failed == 0
    for name in ("A", "B"):
        assert boot.standard_errors[name] == pytest.approx(STANDARD_ERRORS[name], rel=0.10), name
    for name in ("E", "alpha", "beta"):
        assert float(f"{boot.standard_errors[name]:.1g}") == STANDARD_ERRORS[name], (name, boot.standard_errors[name])


def test_bootstrap_reproduces_the_published_95_percent_intervals(boot):
    """4,000 resamples (as theirs) give intervals whose bounds match theirs within Monte Carlo error.

    Tolerance: each published bound must fall inside the order-statistic band of _order_statistic_band,
    widened by half a unit in the last published digit (the bounds are printed rounded).
    """
    assert boot.n_failed == 0
    for j, name in enumerate(boot.names):
        for published, q in zip(INTERVALS[name], (0.025, 0.975)):
            lo, hi = _order_statistic_band(boot.samples[:, j], q, N_RESAMPLES)
            digits = len(str(published).split(".")[1])
            slack = 0.5 * 10 ** (-digits)
            assert lo - slack <= published <= hi + slack, (name, q, published, (lo, hi), boot.intervals[name])
