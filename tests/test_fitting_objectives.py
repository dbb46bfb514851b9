"""planner.fitting.objectives: the fit objectives are the Huber sum the papers minimise, and their hand-written
gradients are the derivatives of that sum.

Oracles written here, independently of the module: scipy.special.huber for the loss (Huber 1964; Hoffmann et al.
2022, arXiv:2203.15556, App. D.2 and Besiroglu et al. 2024, arXiv:2404.10102, §2 with δ = 1e-3 on log-loss
residuals), the laws' own formulas for the predictions, and central differences for the gradients.
"""

import numpy as np
import pytest
from scipy.special import huber as scipy_huber

from planner.fitting.objectives import KaplanObjective, ParametricObjective

#: Hoffmann et al. 2022, App. D.2: δ = 10⁻³ (written out here, not read from planner.base.conventions).
DELTA = 1e-3

RNG = np.random.default_rng(2024)
N = np.geomspace(5e7, 1.6e10, 12)
D = np.geomspace(1e9, 5e11, 12)[::-1] * RNG.uniform(0.5, 2.0, 12)


def parametric_log_loss(theta, N, D):
    """log L of Hoffmann et al.'s Eq. 2 with A = e^a, B = e^b, E = e^e, θ = (a, b, e, α, β)."""
    a, b, e, alpha, beta = theta
    return np.log(np.exp(a) / N**alpha + np.exp(b) / D**beta + np.exp(e))


def kaplan_log_loss(theta, N, D):
    """log L of Kaplan et al.'s Eq. 1.5 with N_c = e^{n_c}, D_c = e^{d_c}, θ = (n_c, d_c, α_N, α_D)."""
    nc, dc, aN, aD = theta
    return aD * np.log((np.exp(nc) / N) ** (aN / aD) + np.exp(dc) / D)


#: θ points whose residuals on these runs straddle ±δ, so both branches of the Huber loss are exercised.
PARAMETRIC_THETAS = [np.array([6.18, 7.64, 0.597, 0.348, 0.366]), np.array([5.0, 8.0, 0.5, 0.3, 0.4]),
                     np.array([6.0, 7.0, 0.6, 0.34, 0.28])]
KAPLAN_THETAS = [np.array([31.8, 30.5, 0.076, 0.103]), np.array([30.0, 29.0, 0.08, 0.1])]
CASES = [(ParametricObjective, parametric_log_loss, t) for t in PARAMETRIC_THETAS] + \
        [(KaplanObjective, kaplan_log_loss, t) for t in KAPLAN_THETAS]


def observed(log_loss, theta):
    """Losses scattered about the law at θ by residuals from −5δ to 5δ (both Huber branches)."""
    r = np.linspace(-5 * DELTA, 5 * DELTA, len(N))
    return np.exp(log_loss(theta, N, D) + RNG.permutation(r))


def evaluate(cls, theta, L, weights=None):
    obj = cls(np.log(N), np.log(D), np.log(L), DELTA, np.float64, weights=weights)
    f, g = obj(theta[None, :], np.zeros(1, int))
    return f[0], g[0]


@pytest.mark.parametrize("cls, log_loss, theta", CASES)
def test_the_objective_is_the_huber_sum_of_log_residuals(cls, log_loss, theta):
    """f(θ) = Σ_i Huber_δ(pred_i(θ) − log L_i), with scipy.special.huber as the oracle (δ = 1e-3)."""
    L = observed(log_loss, theta * 1.001)
    r = log_loss(theta, N, D) - np.log(L)
    assert np.any(np.abs(r) > DELTA) and np.any(np.abs(r) < DELTA), "both branches of the Huber loss"
    f, _ = evaluate(cls, theta, L)
    assert f == pytest.approx(np.sum(scipy_huber(DELTA, r)), rel=1e-12)


@pytest.mark.parametrize("cls, log_loss, theta", CASES)
def test_the_hand_written_gradient_is_the_derivative_of_the_objective(cls, log_loss, theta):
    """∂f/∂θ_j against central differences of the oracle objective, step 1e-7 (agreement to ~1e-6 relative)."""
    L = observed(log_loss, theta * 1.001)
    _, g = evaluate(cls, theta, L)

    def f(t):
        return np.sum(scipy_huber(DELTA, log_loss(t, N, D) - np.log(L)))

    h = 1e-7
    numeric = np.array([(f(theta + h * e) - f(theta - h * e)) / (2 * h) for e in np.eye(len(theta))])
    np.testing.assert_allclose(g, numeric, rtol=1e-5, atol=1e-9 * np.abs(numeric).max())


@pytest.mark.parametrize("cls, log_loss, theta", CASES[:1] + CASES[-1:])
def test_resample_weights_multiply_each_run(cls, log_loss, theta):
    """A bootstrap resample counts run i c_i times: f = Σ c_i·Huber_δ(r_i), and so its gradient."""
    L = observed(log_loss, theta * 1.001)
    counts = RNG.integers(0, 4, len(N)).astype(float)
    f, g = evaluate(cls, theta, L, weights=counts[None, :])
    r = log_loss(theta, N, D) - np.log(L)
    assert f == pytest.approx(np.sum(counts * scipy_huber(DELTA, r)), rel=1e-12)
    repeated = np.repeat(np.arange(len(N)), counts.astype(int))
    obj = cls(np.log(N[repeated]), np.log(D[repeated]), np.log(L[repeated]), DELTA, np.float64)
    f2, g2 = obj(theta[None, :], np.zeros(1, int))
    assert f == pytest.approx(f2[0], rel=1e-12)
    np.testing.assert_allclose(g, g2[0], rtol=1e-10)


# --- least squares on L (Gadre et al. 2024, arXiv:2403.08540, §3.1: curve_fit on the loss) ----------------------

def ls_oracle(log_loss, theta, L):
    """½·Σ (L̂ − L)², L̂ = exp(log L̂) from the law's own formula."""
    return 0.5 * np.sum((np.exp(log_loss(theta, N, D)) - L) ** 2)


@pytest.mark.parametrize("cls, log_loss, theta", CASES)
def test_the_least_squares_objective_is_half_the_sum_of_squared_loss_errors(cls, log_loss, theta):
    L = observed(log_loss, theta * 1.001)
    obj = cls(np.log(N), np.log(D), np.log(L), DELTA, np.float64, loss="least-squares")
    f, g = obj(theta[None, :], np.zeros(1, int))
    assert f[0] == pytest.approx(ls_oracle(log_loss, theta, L), rel=1e-12)
    h = 1e-7
    numeric = np.array([(ls_oracle(log_loss, theta + h * e, L) - ls_oracle(log_loss, theta - h * e, L)) / (2 * h)
                        for e in np.eye(len(theta))])
    np.testing.assert_allclose(g[0], numeric, rtol=1e-5, atol=1e-9 * np.abs(numeric).max())


# --- tied and fixed coefficients: the objective over the free parameters φ, θ = M·φ + c ------------------------

#: (form, ties, fixed, φ → θ written out by hand, φ).
PARAMETRISATIONS = [
    ("parametric", ["alpha=beta"], None, lambda p: np.array([p[0], p[1], p[2], p[3], p[3]]),
     np.array([6.18, 7.64, 0.597, 0.35])),
    ("parametric", [], {"E": 1.69}, lambda p: np.array([p[0], p[1], np.log(1.69), p[2], p[3]]),
     np.array([6.18, 7.64, 0.348, 0.366])),
    ("parametric", ["alpha=beta"], {"B": 2000.0}, lambda p: np.array([p[0], np.log(2000.0), p[1], p[2], p[2]]),
     np.array([6.0, 0.6, 0.34])),
    ("kaplan", ["alpha_N=alpha_D"], {"N_c": 6.4e13}, lambda p: np.array([np.log(6.4e13), p[0], p[1], p[1]]),
     np.array([30.5, 0.09])),
]


@pytest.mark.parametrize("form, ties, fixed, to_theta, phi", PARAMETRISATIONS)
@pytest.mark.parametrize("loss", ["huber-log", "least-squares"])
def test_tied_and_fixed_objective_and_gradient_over_the_free_parameters(form, ties, fixed, to_theta, phi, loss):
    """f(φ) is the oracle at θ(φ) (θ written out by hand above); ∂f/∂φ against central differences of the oracle."""
    from planner.fitting.parametrisation import Parametrisation

    cls, log_loss = (ParametricObjective, parametric_log_loss) if form == "parametric" else (KaplanObjective,
                                                                                               kaplan_log_loss)
    param = Parametrisation.make(form, ties, fixed)
    assert param.n_free == len(phi)
    L = observed(log_loss, to_theta(phi) * 1.001)

    def oracle(p):
        t = to_theta(p)
        if loss == "least-squares":
            return ls_oracle(log_loss, t, L)
        return np.sum(scipy_huber(DELTA, log_loss(t, N, D) - np.log(L)))

    obj = cls(np.log(N), np.log(D), np.log(L), DELTA, np.float64, loss=loss, param=param)
    f, g = obj(phi[None, :], np.zeros(1, int))
    assert f[0] == pytest.approx(oracle(phi), rel=1e-12)
    np.testing.assert_allclose(param.full(phi), to_theta(phi), rtol=0, atol=0)
    h = 1e-7
    numeric = np.array([(oracle(phi + h * e) - oracle(phi - h * e)) / (2 * h) for e in np.eye(len(phi))])
    np.testing.assert_allclose(g[0], numeric, rtol=1e-5, atol=1e-9 * np.abs(numeric).max())


def test_many_runs_are_summed_in_blocks_to_the_same_objective(monkeypatch):
    """Above _RUN_CHUNK runs the objective is summed over blocks of runs: same value and gradient as one block."""
    import planner.fitting.objectives as objectives

    theta = PARAMETRIC_THETAS[0]
    L = observed(parametric_log_loss, theta * 1.001)
    reps = 40
    x, y, l = (np.tile(np.log(v), reps) for v in (N, D, L))
    whole = ParametricObjective(x, y, l, DELTA, np.float64)(np.tile(theta, (3, 1)), np.arange(3))
    monkeypatch.setattr(objectives, "_RUN_CHUNK", 50)
    monkeypatch.setattr(objectives, "_BIG_BLOCK_ELEMENTS", 100)
    blocks = ParametricObjective(x, y, l, DELTA, np.float64)(np.tile(theta, (3, 1)), np.arange(3))
    np.testing.assert_allclose(blocks[0], whole[0], rtol=1e-12)
    np.testing.assert_allclose(blocks[1], whole[1], rtol=1e-10)
    assert whole[0][0] == pytest.approx(reps * np.sum(scipy_huber(DELTA, parametric_log_loss(theta, N, D) - np.log(L))),
                                        rel=1e-12)
