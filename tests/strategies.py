"""Shared hypothesis strategies: laws and budgets in the ranges the papers cover (and well beyond)."""

from hypothesis import strategies as st

from planner.laws import KaplanLaw, ParametricLaw

#: Budgets from a toy run to far past any planned one, as log10(C).
log10_flops = st.floats(min_value=15.0, max_value=30.0, allow_nan=False, allow_infinity=False)
flops = log10_flops.map(lambda x: 10.0**x)

parametric_laws = st.builds(
    ParametricLaw,
    E=st.floats(0.0, 3.0),
    A=st.floats(10.0, 5000.0),
    B=st.floats(10.0, 5000.0),
    alpha=st.floats(0.1, 0.8),
    beta=st.floats(0.1, 0.8),
)

kaplan_laws = st.builds(
    KaplanLaw,
    alpha_N=st.floats(0.03, 0.3),
    alpha_D=st.floats(0.03, 0.3),
    N_c=st.floats(1e10, 1e15),
    D_c=st.floats(1e10, 1e15),
)

loss_laws = st.one_of(parametric_laws, kaplan_laws)


# ---------------------------------------------------------------------------------------------------------------------
# Simulated training runs for fit tests (issue 5).


def simulated_runs(law, sizes, tokens_per_param, noise=0.0, seed=0):
    """Runs on a grid of model sizes × tokens-per-parameter ratios, losses from ``law`` times
    exp(noise·ε), ε ~ N(0, 1) (multiplicative noise, as the fit works on log L)."""
    import numpy as np

    N, r = (a.ravel() for a in np.meshgrid(np.asarray(sizes, float), np.asarray(tokens_per_param, float)))
    D = N * r
    L = law.loss(N, D) * np.exp(noise * np.random.default_rng(seed).standard_normal(N.size))
    return N, D, L


#: Designs: model sizes spanning 1.5–3 decades from 10M–100M up, 4–8 sizes, 3–6 data ratios from ~2 to ~200.
designs = st.tuples(
    st.floats(7.0, 8.0),                       # log10 of the smallest model
    st.floats(1.5, 3.0),                       # decades of model size
    st.integers(4, 8),                         # number of sizes
    st.integers(3, 6),                         # number of tokens-per-parameter ratios
).map(lambda d: (tuple(10 ** (d[0] + d[1] * i / (d[2] - 1)) for i in range(d[2])),
                 tuple(2.0 * 100 ** (j / (d[3] - 1)) for j in range(d[3]))))

#: Laws like the published parametric fits (E 1.5–2.5, A and B 100–3000, exponents 0.25–0.5).
fittable_parametric_laws = st.builds(
    ParametricLaw,
    E=st.floats(1.5, 2.5),
    A=st.floats(100.0, 3000.0),
    B=st.floats(100.0, 3000.0),
    alpha=st.floats(0.25, 0.5),
    beta=st.floats(0.25, 0.5),
)
