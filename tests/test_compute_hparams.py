"""DeepSeek's learning-rate and batch-size power laws, read from the deepseek2024 preset."""

import dataclasses
import tomllib

import numpy as np
import pytest

from planner.base.errors import PresetError
from planner.compute.hparams import suggest_hyperparameters
from planner.files.presets import HYPERPARAMETER_PRESET as HPARAM_PRESET
from planner.files.lawfile import law_from_mapping
from planner.files.presets import load_preset, preset_source


def deepseek():
    return load_preset(HPARAM_PRESET)


@pytest.mark.parametrize("C", [1e17, 1e21, 3.8e25])
def test_deepseek_power_laws(C):
    """η_opt = 0.3118·C^−0.1250, B_opt = 0.2920·C^0.3271 tokens (DeepSeek-AI 2024, arXiv:2401.02954, §3.1)."""
    h = suggest_hyperparameters(deepseek(), C)
    assert h.learning_rate == pytest.approx(0.3118 * C**-0.1250, rel=1e-12)
    assert h.batch_tokens == pytest.approx(0.2920 * C**0.3271, rel=1e-12)


def test_at_deepseek_67b_scale_the_suggestion_is_near_what_they_used():
    """About 20M tokens and 3e-4 at 1e24 FLOPs, the scale of DeepSeek LLM 67B (paper Table 2: ~25M, 3.2e-4)."""
    h = suggest_hyperparameters(deepseek(), 1e24)
    assert 15e6 < h.batch_tokens < 30e6 and 2.5e-4 < h.learning_rate < 4e-4


def _with_table(table):
    """deepseek2024's law file with its [hyperparameters] table replaced (None: removed), read as a law file."""
    data = tomllib.loads(preset_source(deepseek()))
    data.pop("hyperparameters")
    if table is not None:
        data["hyperparameters"] = table
    return law_from_mapping(data, "changed.toml")


def test_coefficients_come_from_the_preset_not_the_code():
    changed = _with_table({"learning_rate": {"coefficient": 1.0, "exponent": 0.0},
                           "batch_tokens": {"coefficient": 2.0, "exponent": 0.5}})
    h = suggest_hyperparameters(changed, 1e20)
    assert h.learning_rate == 1.0 and h.batch_tokens == pytest.approx(2e10)


def test_arrays_keep_their_shape_and_larger_budgets_get_bigger_batches_and_smaller_rates():
    h = suggest_hyperparameters(deepseek(), np.logspace(18, 26, 9))
    assert h.batch_tokens.shape == (9,) and np.all(np.diff(h.batch_tokens) > 0) and np.all(np.diff(h.learning_rate) < 0)


def test_a_law_without_the_table_says_which_preset_has_one():
    with pytest.raises(PresetError, match=r"law 'deepseek2024' has no \[hyperparameters\] table"):
        suggest_hyperparameters(_with_table(None), 1e21)


@pytest.mark.parametrize("table, message", [
    ({"batch_tokens": {"coefficient": 1.0, "exponent": 0.3}}, "'learning_rate' must be { coefficient = k, exponent = e }"),
    ({"learning_rate": {"coefficient": "x", "exponent": 0.1}, "batch_tokens": {"coefficient": 1.0, "exponent": 0.3}},
     "'learning_rate.coefficient' must be a number (got str 'x')"),
    ({"learning_rate": {"coefficient": -1.0, "exponent": 0.1}, "batch_tokens": {"coefficient": 1.0, "exponent": 0.3}},
     "'learning_rate.coefficient' must be > 0"),
    ({"learning_rate": {"coefficient": 1.0, "exponent": 0.1}, "batch_tokens": {"coefficient": 1.0, "exponent": 0.3},
      "momentum": {"coefficient": 1.0, "exponent": 0.0}}, "unknown key 'momentum' in [hyperparameters]"),
])
def test_a_malformed_table_is_a_preset_error_when_the_law_is_read(table, message):
    """Every table is validated at load, so a malformed one never reaches a plan."""
    with pytest.raises(PresetError) as e:
        _with_table(table)
    assert message in str(e.value) and "changed.toml" in str(e.value)
