"""Numeric fallbacks (planner.optimize) agree with the closed forms they stand in for."""

import pytest

from planner.optimize import min_flops_for_loss_numeric, optimal_loss_numeric
from planner.presets import load_preset
from planner.whatif import min_compute_for_loss, optimal_loss


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
