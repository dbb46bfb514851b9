"""Numeric fallbacks (planner.laws.solve) agree with the closed forms they stand in for."""

import pytest

from planner.laws.questions import LossQuestions
from planner.laws.solve import min_flops_for_loss_numeric, optimal_loss_numeric
from planner.files.presets import load_preset
from planner.planning.whatif import min_compute_for_loss, optimal_loss


@pytest.mark.parametrize("preset", ["besiroglu2024", "hoffmann2022", "kaplan2020", "muennighoff2023"])
@pytest.mark.parametrize("C", [1e19, 1e22, 1e25])
def test_numeric_optimal_loss_matches_closed_form(preset, C):
    law = load_preset(preset)
    assert optimal_loss_numeric(law.model, C) == pytest.approx(optimal_loss(law, C), rel=1e-9)


@pytest.mark.parametrize("preset", ["besiroglu2024", "kaplan2020"])
@pytest.mark.parametrize("target", [2.4, 2.1])
def test_numeric_inverse_matches_closed_form(preset, target):
    law = load_preset(preset)
    assert min_flops_for_loss_numeric(law.model, target) == pytest.approx(
        min_compute_for_loss(law, target).flops, rel=1e-9)


class Opaque(LossQuestions):
    """A parametric law in disguise: a family with only a loss and an optimum, so every other question it answers
    comes from the one numeric fallback (planner.laws.solve)."""

    form = "opaque"
    has_loss = True

    def __init__(self, law):
        self._law = law
        self.E = law.E
        self.flops_per_param_token = law.flops_per_param_token

    def loss(self, N, D):
        return self._law.loss(N, D)

    def compute_optimal(self, C):
        return self._law.compute_optimal(C)


def test_whatif_falls_back_to_numeric_solvers_without_a_closed_form():
    from planner.planning.whatif import evaluate, frontier

    law = load_preset("besiroglu2024").model
    opaque = Opaque(law)
    assert frontier(opaque) is None
    exact, numeric = evaluate(law, 7e9, 2e12), evaluate(opaque, 7e9, 2e12)
    assert numeric.compute_efficiency == pytest.approx(exact.compute_efficiency, rel=1e-8)
    assert numeric.loss_gap == pytest.approx(exact.loss_gap, rel=1e-6)
    assert min_compute_for_loss(opaque, 2.1).flops == pytest.approx(min_compute_for_loss(law, 2.1).flops, rel=1e-9)
    assert optimal_loss(opaque, 1e21) == pytest.approx(optimal_loss(law, 1e21), rel=1e-9)
