"""Reproducing published tied and fixed fits: Gadre et al. 2024's 5-run fits and Muennighoff et al. 2023's notebook.

Gadre et al. 2024, "Language models scale reliably with over-training and on downstream tasks" (arXiv:2403.08540):
L(N, D) = E + A/N^η + B/D^η (their Eq. 3 with α = β = η; their code writes B·6^(η/2)·D^-η, the same law), fitted by
least squares on L (``scipy.optimize.curve_fit``, Levenberg–Marquardt, in mlfoundations/scaling ``scaling/laws.py``)
to the five runs of their Table 2 default (N ∈ {0.011, 0.079, 0.154, 0.411}B at M = 20 tokens per parameter, and
0.011B at M = 320). Published: the relative errors of the fit's predictions of the held-out 1.4B, M = 640 run and
the 6.9B, M = 20 run on RedPajama, C4-eval loss, printed by the repository's ``scaling_explorer.ipynb`` (cell 3, the
Figure 1 reproduction, commit 79adc26): 0.7103 % and 0.7320 %.

Muennighoff et al. 2023, "Scaling Data-Constrained Language Models" (arXiv:2305.16264), huggingface/datablations
``utils/parametric_fit.ipynb`` (commit 1370131): Huber (δ = 1e-3) on log L summed, L-BFGS from a grid, in float32
torch. Cell 16 (counting cells from 0) fits α = β on the 62 runs of at most 2.5 epochs and prints
a, b, e, α = 6.4526014, 8.022968, 0.63987476, 0.3595363 (A = e^a, B = e^b, E = e^e); its source records the same fit
with E fixed to 1.69 as 5.827585, 7.2217255, 0.52472854, 0.31705543. Cell 17 fixes E = 1.69 (α, β free) on the 59
runs of at most 2 epochs and prints 4.2209926, 8.796665, 0.52472854, 0.22246543, 0.39888707.
"""

import math

import numpy as np
import pytest

from planner.fitting.varpro import EXPONENT_GRID
from planner.fitting import fit_parametric
from planner.files.runs import read_runs

from .reference import gadre_csv, muennighoff_csv

#: scaling_explorer.ipynb cell 3 output (RedPajama, C4 eval): relative error of the tied 5-run fit's prediction, %.
GADRE_RPJ_RELATIVE_ERRORS = {(1439795200, 640.0): 0.7103, (6889410560, 20.0): 0.7320}

#: parametric_fit.ipynb: θ = (a, b, e, α[, β]) as printed (cell 16 output; cell 16 source comment; cell 17 output).
MUENNIGHOFF_FITS = [
    ("epochs-le-2.5.csv", ["alpha=beta"], None, (6.4526014, 8.022968, 0.63987476, 0.3595363, 0.3595363)),
    ("epochs-le-2.5.csv", ["alpha=beta"], {"E": 1.69}, (5.827585, 7.2217255, 0.52472854, 0.31705543, 0.31705543)),
    ("epochs-le-2.csv", [], {"E": 1.69}, (4.2209926, 8.796665, 0.52472854, 0.22246543, 0.39888707)),
]


def _gadre_fit(dataset):
    runs = read_runs(gadre_csv(f"{dataset}-default5.csv"))
    return runs, fit_parametric(runs.n_params, runs.n_tokens, runs.loss, tie=["alpha=beta"], objective="least-squares")


def test_five_runs_fit_a_law_with_alpha_tied_to_beta():
    """5 runs fit 4 free coefficients; the tie holds exactly and the objective is least squares on L."""
    runs, fit = _gadre_fit("rpj")
    assert len(runs) == 5 and fit.n_runs == 5
    assert fit.coefficients["alpha"] == fit.coefficients["beta"]
    assert fit.n_starts == len(EXPONENT_GRID)   # variable projection over the one exponent
    L_hat = fit.model.loss(runs.n_params, runs.n_tokens)
    assert fit.objective == pytest.approx(0.5 * np.sum((L_hat - runs.loss) ** 2), rel=1e-9)


def test_gadre_tied_five_run_fit_predicts_the_held_out_runs_as_published():
    """RedPajama: the predictions of the 1.4B (M = 640) and 6.9B (M = 20) runs miss by 0.7103 % and 0.7320 %
    (published to 4 decimals of a percent; ours must round to the same)."""
    _, fit = _gadre_fit("rpj")
    targets = read_runs(gadre_csv("rpj-all.csv"))
    found = 0
    for N, D, L in zip(targets.n_params, targets.n_tokens, targets.loss):
        key = (int(N), round(D / N, 6))
        if key in GADRE_RPJ_RELATIVE_ERRORS:
            rel = abs(float(fit.model.loss(N, D)) - L) / L * 100
            assert round(rel, 4) == GADRE_RPJ_RELATIVE_ERRORS[key], (key, rel)
            found += 1
    assert found == 2


@pytest.mark.parametrize("dataset", ["rpj", "c4_original", "rw_original"])
def test_gadre_fit_is_the_levenberg_marquardt_least_squares_optimum(dataset):
    """On every training set, our tied fit is the optimum their method finds: scipy's Levenberg–Marquardt from
    their starting grid (scaling/laws.py: A, B ∈ {1e2, 3e2, 1e3, 3e3}, exponent ∈ {0.1, 0.3}, E ∈ {0, 1, 2, 10}),
    run here as the oracle. Coefficients agree to 1e-5 relative and our sum of squares is no larger."""
    from scipy.optimize import least_squares

    runs, fit = _gadre_fit(dataset)
    N, D, L = runs.n_params, runs.n_tokens, runs.loss

    def residuals(p):
        A, B, eta, E = p
        return E + A * N ** -eta + B * D ** -eta - L

    best = None
    for A0 in (1e2, 3e2, 1e3, 3e3):
        for B0 in (1e2, 3e2, 1e3, 3e3):
            for eta0 in (0.1, 0.3):
                for E0 in (0.0, 1.0, 2.0, 10.0):
                    r = least_squares(residuals, [A0, B0 * 6 ** (-eta0 / 2), eta0, E0], method="lm", max_nfev=10000,
                                      xtol=1e-15, ftol=1e-15, gtol=1e-15)
                    if best is None or r.cost < best.cost:
                        best = r
    A, B, eta, E = best.x
    got = fit.coefficients
    for name, oracle in (("A", A), ("B", B), ("alpha", eta), ("E", E)):
        assert got[name] == pytest.approx(oracle, rel=1e-5), (name, got[name], oracle)
    assert fit.objective <= best.cost * (1 + 1e-9)


@pytest.mark.parametrize("name, tie, fix, published", MUENNIGHOFF_FITS,
                         ids=["cell16-tied", "cell16-tied-fixed-E", "cell17-fixed-E"])
def test_muennighoff_notebook_fits_are_reproduced(name, tie, fix, published):
    """Each printed θ to 1e-3 relative (theirs is float32 torch L-BFGS, 50 steps; ours float64, converged); a
    fixed E is exactly log 1.69 and a tie exact."""
    runs = read_runs(muennighoff_csv(name))
    fit = fit_parametric(runs.n_params, runs.n_tokens, runs.loss, tie=tie, fix=fix)
    assert len(runs) == {"epochs-le-2.5.csv": 62, "epochs-le-2.csv": 59}[name]
    for got, want, label in zip(fit.theta, published, ("a", "b", "e", "alpha", "beta")):
        assert got == pytest.approx(want, rel=1e-3), (label, got, want)
    if fix:
        assert fit.coefficients["E"] == 1.69 and fit.theta[2] == math.log(1.69)
        assert fit.standard_errors["E"] == 0.0
    if tie:
        assert fit.theta[3] == fit.theta[4]
    # the Huber sum they print ("Min Loss: 0.0012" for both cell-16 and cell-17 fits, to two significant figures)
    if fix is None or name == "epochs-le-2.csv":
        assert round(fit.objective, 4) == 0.0012
