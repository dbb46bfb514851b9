"""Simulated isoFLOP sweeps and training curves from a known law, as real runs have them (issue 13).

A real sweep's budget counts the FLOPs a run really did, so its 6·N·D is not its budget C: here a run of size N at
nominal budget C trains D = r(N)·C/(6N) tokens, with r(N) = r₀·(N/N₀)^ρ rising from 0.93 at the smallest size to 1.35
at the largest (the spread issue 13 reports from a public ladder). Its loss is the law's L(N, D) times exp(σ·ε).

With D = c·C·N^(ρ−1)/6 (c = r₀·N₀^−ρ), L = E + A·N^−α + B·(cC/6)^−β·N^(β(1−ρ)) is least at

    N_opt ∝ C^a,  a = β / (α + β(1 − ρ)),

the truth the fits are checked against (and :func:`true_exponent` against scipy in tests/test_fitting_isoflop.py).
"""

import math

import numpy as np

#: 6·N·D over the budget C at the smallest and the largest size.
SPREAD = (0.93, 1.35)


def true_exponent(law, rho: float) -> float:
    """a in N_opt ∝ C^a when D = c·C·N^(ρ−1)/6 (see the module docstring)."""
    return law.beta / (law.alpha + law.beta * (1.0 - rho))


def spread_rho(n_min: float, n_max: float, spread=SPREAD) -> float:
    """ρ of r(N) = r₀·(N/n_min)^ρ with r(n_min), r(n_max) = ``spread``."""
    return math.log(spread[1] / spread[0]) / math.log(n_max / n_min)


def true_n_opt(law, flops, rho: float, n_min: float, spread=SPREAD) -> float:
    """N_opt at nominal budget ``flops`` in closed form (the module docstring's minimum)."""
    c = spread[0] * n_min ** -rho
    x = law.alpha * law.A * (c * flops / 6.0) ** law.beta / (law.beta * (1.0 - rho) * law.B)
    return x ** (1.0 / (law.alpha + law.beta * (1.0 - rho)))


def sweeps(law, budgets, *, seed=0, noise=0.005, sizes=(6, 14), span=(100.0, 300.0), offset=0.3, drift=0.0,
           ladder=None, spread=SPREAD):
    """Runs (N, D, L, nominal C) of isoFLOP sweeps at ``budgets``, and the ρ of their r(N).

    Each budget gets a random number of sizes in ``sizes`` spread evenly in log N over a random ``span`` (a factor in
    N), centred a random ±``offset`` decades off the optimum (uneven, wide, off-centre sweeps), and ``drift`` decades
    below it at the smallest budget to above it at the largest (a systematic drift, as a fixed ladder of sizes
    has). With ``ladder`` (a
    sequence of sizes), every budget trains the ladder's sizes with 1–2000 tokens per parameter instead (one size grid
    for all budgets, so the optimum drifts across it). r(N) runs over ``spread`` from the smallest to the largest
    size of all the sweeps.
    """
    rng = np.random.default_rng(seed)
    plan = []
    for i, C in enumerate(budgets):
        if ladder is None:
            shift = rng.uniform(-offset, offset) + drift * (2 * i / max(len(budgets) - 1, 1) - 1)
            centre = true_n_opt(law, C, 0.0, 1.0, (1.0, 1.0)) * 10 ** shift
            k = int(rng.integers(sizes[0], sizes[1] + 1))
            half = math.log10(rng.uniform(*span)) / 2
            plan += [(N, C) for N in centre * np.logspace(-half, half, k)]
        else:
            plan += [(N, C) for N in ladder if 1 <= C / (6 * N * N) <= 2000]
    n_min, n_max = min(N for N, _ in plan), max(N for N, _ in plan)
    rho = spread_rho(n_min, n_max, spread)
    c = spread[0] * n_min ** -rho
    rows = []
    for N, C in plan:
        D = c * N ** rho * C / (6 * N)
        rows.append((N, D, float(law.loss(N, D)) * math.exp(noise * rng.standard_normal()), C))
    N, D, L, C = (np.array(v) for v in zip(*rows))
    return N, D, L, C, rho, n_min


def training_curves(law, sizes, horizons, *, checkpoints=40, first=1 / 64, penalty=0.0, noise=0.0, seed=0):
    """Checkpoint rows (run id, N, tokens so far, loss) of runs of each size to each horizon (tokens per parameter).

    A run to horizon D_H has checkpoints log-spaced from ``first``·D_H to D_H; its loss there is L(N, D) plus
    ``penalty``·(1 − D/D_H)², a learning-rate schedule set for D_H that leaves the loss higher before its end (0 at
    the end), times exp(noise·ε).
    """
    rng = np.random.default_rng(seed)
    run, N, D, L = [], [], [], []
    for i, n in enumerate(sizes):
        for h in horizons:
            DH = h * n
            Dt = np.geomspace(first * DH, DH, checkpoints)
            loss = law.loss(n, Dt) + penalty * (1 - Dt / DH) ** 2
            run += [f"s{i}-h{h:g}"] * checkpoints
            N += [n] * checkpoints
            D += list(Dt)
            L += list(loss * np.exp(noise * rng.standard_normal(checkpoints)))
    return run, np.array(N), np.array(D), np.array(L)


def budget_errors(law, budgets, seeds, *, methods=("parabola", "akima", "auto"), **kind):
    """Each estimator's error ln N̂ − ln N_opt per budget of ``seeds`` simulated sweeps (:func:`sweeps` with ``kind``:
    noise, sizes, span...), over the budgets where every one of ``methods`` has a minimum; and, per such budget, the
    :class:`~planner.fitting.profiles.BudgetFit` of auto (which estimator it chose, whether it warned)."""
    from planner.fitting.profiles import budget_minimum

    errors, auto = {m: [] for m in methods}, []
    for seed in seeds:
        N, D, L, C, rho, n_min = sweeps(law, budgets, seed=seed, **kind)
        for c in budgets:
            m = C == c
            fits = {k: budget_minimum(N[m], D[m], L[m], method=k) for k in set(methods) | {"auto"}}
            if not all(f.used for f in fits.values()):
                continue
            truth = math.log(true_n_opt(law, c, rho, n_min))
            for k in methods:
                errors[k].append(math.log(fits[k].n_params) - truth)
            auto.append(fits["auto"])
    return {k: np.array(v) for k, v in errors.items()}, auto
