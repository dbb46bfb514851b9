"""planner.fitting.lbfgs.lbfgs_batch: many independent minimisations in lock-step agree with scipy's L-BFGS-B."""

import numpy as np
from scipy.optimize import minimize, rosen, rosen_der

from planner.fitting.lbfgs import lbfgs_batch


def _rosen_batch(x, rows):
    return np.array([rosen(r) for r in x]), np.array([rosen_der(r) for r in x])


def test_every_start_reaches_the_rosenbrock_minimum_like_scipy():
    """From 20 random starts in 4 dimensions, each row converges to (1, 1, 1, 1), as scipy does."""
    x0 = np.random.default_rng(0).uniform(-2, 2, size=(20, 4))
    res = lbfgs_batch(_rosen_batch, x0, ftol=1e-15, gtol=1e-9, max_iter=2000)
    assert res.converged.all()
    np.testing.assert_allclose(res.x, 1.0, atol=1e-5)
    for start in x0[:3]:
        ref = minimize(rosen, start, jac=rosen_der, method="L-BFGS-B")
        assert res.f.max() <= max(ref.fun, 1e-10)


def test_rows_are_independent_problems():
    """Row i minimises (x − c_i)²: each row finds its own c_i (the objective may depend on the row)."""
    c = np.arange(6.0)[:, None] * np.ones((6, 3))

    def fg(x, rows):
        d = x - c[rows]
        return (d * d).sum(axis=1), 2 * d

    res = lbfgs_batch(fg, np.zeros((6, 3)))
    np.testing.assert_allclose(res.x, c, atol=1e-8)


def test_iteration_cap_reports_not_converged():
    x0 = np.full((2, 2), -1.5)
    res = lbfgs_batch(_rosen_batch, x0, max_iter=2)
    assert not res.converged.any()
    assert (res.n_iter == 2).all()


def test_preconditioning_whitens_a_quadratic_and_keeps_its_minimum():
    """f(θ) = ½(θ − m)ᵀQ(θ − m): in z the Hessian is Tᵀ·Q·T = I (oracle: Q itself), and L-BFGS in z (whitened: its
    first step is the Newton step) ends where scipy's L-BFGS-B ends in θ, in one step."""
    from planner.fitting.lbfgs import Preconditioned

    rng = np.random.default_rng(1)
    A = rng.normal(size=(4, 4))
    Q = A @ A.T + np.diag([1e-3, 1.0, 10.0, 1e3])
    m = rng.normal(size=4)

    def fg(x, rows):
        d = x - m
        return 0.5 * np.einsum("ij,jk,ik->i", d, Q, d), d @ Q

    pre = Preconditioned(fg, np.zeros(4))
    np.testing.assert_allclose(pre.T.T @ Q @ pre.T, np.eye(4), atol=1e-6)
    res = lbfgs_batch(pre, pre.z(rng.normal(size=(3, 4))), ftol=1e-15, gtol=1e-12, max_iter=100, whitened=True)
    ref = minimize(lambda t: fg(t[None], None)[0][0], np.zeros(4), jac=lambda t: fg(t[None], None)[1][0],
                   method="L-BFGS-B", options={"ftol": 1e-15, "gtol": 1e-12})
    np.testing.assert_allclose(pre.theta(res.x), np.tile(ref.x, (3, 1)), rtol=1e-5, atol=1e-8)
    assert res.n_iter.max() <= 2        # a whitened quadratic: the Newton step, not the dozens of θ's conditioning
    plain = lbfgs_batch(fg, rng.normal(size=(3, 4)), ftol=1e-15, gtol=1e-12, max_iter=1000)
    assert plain.n_iter.min() > res.n_iter.max()
