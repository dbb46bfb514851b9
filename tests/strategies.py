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
