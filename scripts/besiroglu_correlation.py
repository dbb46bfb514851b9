"""Replicate Besiroglu et al.'s bootstrap to estimate the correlation of their coefficients.

Besiroglu, Erdil, Barnett & You 2024 (arXiv:2404.10102) publish standard errors and 95% bootstrap
intervals for E, A, B, α, β, but not their covariance, and the compute-optimal split depends on the
coefficients jointly (A with α and B with β are tied almost perfectly). This script redoes their fit
with planner's own Approach 3 (:func:`planner.fitting.fit_parametric`: Huber δ = 1e-3 on log loss,
summed, 4,500 starts) on the 240 runs they keep, refits on bootstrap resamples
(:func:`planner.fitting.bootstrap`), and prints the normal-scores (Gaussian-copula) correlation of
(E, A, B, alpha, beta) as TOML for the preset's [uncertainty] table, with the marginal 95% intervals
to compare with the published ones.

    python scripts/besiroglu_correlation.py PATH/TO/svg_extracted_data.csv [--resamples 1000] [--save NPY]

(Epoch AI publishes the data: epoch-research/analyzing-chinchilla, data/svg_extracted_data.csv.)
"""

from __future__ import annotations

import argparse

import numpy as np
from scipy.stats import norm, rankdata

from planner.fitting import bootstrap, fit_parametric
from planner.files.runs import read_runs

NAMES = ["E", "A", "B", "alpha", "beta"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("csv")
    ap.add_argument("--resamples", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--save", metavar="NPY", help="Also save the refits (E, A, B, alpha, beta rows) to NPY.")
    args = ap.parse_args()
    # Epoch's columns; D = C/(6N). Besiroglu et al. drop the 5 highest-loss runs, leaving 240.
    runs = read_runs(args.csv, n_params="Model Size", flops="Training FLOP", loss="loss").drop_highest_loss(5)
    fit = fit_parametric(runs.n_params, runs.n_tokens, runs.loss)
    boot = bootstrap(runs.n_params, runs.n_tokens, runs.loss, n_resamples=args.resamples, seed=args.seed, fit=fit)
    theta = boot.samples[:, [boot.names.index(n) for n in NAMES]]
    if args.save:
        np.save(args.save, theta)
    scores = norm.ppf((np.apply_along_axis(rankdata, 0, theta) - 0.5) / len(theta))
    R = np.round(np.corrcoef(scores, rowvar=False), 4)
    assert np.linalg.eigvalsh(R).min() > 0, "rounded correlation is not positive definite"
    c = fit.coefficients
    print(f"# full-data fit: E = {c['E']:.4f}, A = {c['A']:.2f}, B = {c['B']:.2f}, "
          f"alpha = {c['alpha']:.4f}, beta = {c['beta']:.4f}")
    lo, hi = np.percentile(theta, [2.5, 97.5], axis=0)
    print(f"# bootstrap 95% intervals ({len(theta)} resamples, {boot.n_failed} failed): "
          + ", ".join(f"{k} ({a:.4g}, {b:.4g})" for k, a, b in zip(NAMES, lo, hi)))
    print("correlation_names = " + str(NAMES).replace("'", '"'))
    print("correlation = [")
    for row in R:
        print("  [" + ", ".join(f"{x:.4f}" for x in row) + "],")
    print("]")


if __name__ == "__main__":
    main()
