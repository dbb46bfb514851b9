"""A synthetic pair of ladders with a known compute multiplier, fitted and bootstrapped: one coverage trial.

The variant is the base law with A and B both scaled by s = m^(−γ), γ = αβ/(α+β): its compute-optimal split keeps
the base's N/D ratio G (Hoffmann et al. 2022 Eq. 4 depends on A/B only) and its frontier is L_opt^var(C) =
L_opt^base(m·C), so its true multiplier is m at every budget. Shared by tests/test_planning_versus.py (a reduced count)
and bench/bench_versus_coverage.py (the 100-trial figure).
"""

import dataclasses

from planner.laws import ParametricLaw

from .strategies import simulated_runs

#: The base law of the trials: Besiroglu et al. 2024's replication of Chinchilla (arXiv:2404.10102, Eq. 4),
#: rounded.
BASE = ParametricLaw(E=1.82, A=482.0, B=2085.0, alpha=0.35, beta=0.37)
#: The known multiplier of the variant.
MULTIPLIER = 2.0
#: The ladder: 6 sizes from 20M to 1B, 4 ratios of tokens per parameter, 1% noise on the loss (24 runs each).
SIZES = (2e7, 4.4e7, 9.6e7, 2.1e8, 4.6e8, 1e9)
RATIOS = (5.0, 10.0, 20.0, 40.0)
NOISE = 0.01
#: The budget the multiplier is read at: inside the ladders' compute (6·N·D up to 6·1e9·4e10 = 2.4e20).
BUDGET = 1e20
#: A coarse start grid (3^5 = 243 starts) over θ = (a, b, e, α, β) containing the truth's basin, for speed.
GRID = {"alpha": (0.2, 0.5, 0.8), "beta": (0.2, 0.5, 0.8), "e": (0.0, 0.5, 1.0), "a": (4.0, 7.0, 10.0),
        "b": (4.0, 7.0, 10.0)}


def variant_law(base=BASE, m=MULTIPLIER):
    """The base with A, B × m^(−γ): true multiplier m at every C."""
    gamma = base.alpha * base.beta / (base.alpha + base.beta)
    s = m ** (-gamma)
    return dataclasses.replace(base, A=base.A * s, B=base.B * s)


def trial(seed: int, level: float = 90.0, n_boot: int = 200):
    """(point k, low, high) of k at :data:`BUDGET` from one pair of fitted, bootstrapped ladders (seeds 2s, 2s+1)."""
    import numpy as np

    from planner.fitting import bootstrap, fit_parametric
    from planner.fitting.parametrisation import Parametrisation
    from planner.files.lawwriter import law_from_fit
    from planner.planning.uncertainty import coefficient_samples
    from planner.planning.versus import versus, versus_intervals

    grid = Parametrisation.make("parametric").grid(GRID)
    laws = []
    for j, law in enumerate((BASE, variant_law())):
        N, D, L = simulated_runs(law, SIZES, RATIOS, noise=NOISE, seed=2 * seed + j)
        fit = fit_parametric(N, D, L, grid=grid)
        boot = bootstrap(N, D, L, n_resamples=n_boot, seed=2 * seed + j, fit=fit, level=level)
        laws.append(law_from_fit(fit, boot, law_id=("base", "variant")[j]))
    point = versus(laws[0], laws[1], [BUDGET])
    iv = versus_intervals(laws[0], laws[1], [BUDGET], level, coefficient_samples(laws[0]),
                          coefficient_samples(laws[1]), search_range=(BUDGET, BUDGET))
    return float(point.compute_multiplier[0]), float(iv.compute_multiplier_low[0]), float(iv.compute_multiplier_high[0])
