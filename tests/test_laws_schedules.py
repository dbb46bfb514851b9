"""Learning-rate schedules (planner.laws.schedules): each shape's defining values, and the OLMo ladder's documented
schedule reproducing the rate its runs logged at every checkpoint (Bhagia et al. 2024, arXiv:2412.04403, §2.1;
allenai/OLMo-ladder, read through tests/reference.py).
"""

import csv
import json
import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

from planner.laws.schedules import Schedule, ScheduleError, interpolate_rates, per_step_rates

from .reference import olmo_ladder_dir


def test_cosine_starts_at_peak_and_ends_at_final_fraction():
    s = Schedule("cosine", peak=1e-3, warmup=100.0, horizon=1100.0, final=0.1)
    assert s.rate(0.0) == 0.0
    assert s.rate(50.0) == pytest.approx(0.5e-3, rel=1e-12)          # linear warm-up, half way
    assert s.rate(100.0) == pytest.approx(1e-3, rel=1e-12)
    assert s.rate(600.0) == pytest.approx(0.55e-3, rel=1e-12)        # half way down: (peak + final)/2
    assert s.rate(1100.0) == pytest.approx(1e-4, rel=1e-12)
    assert s.rate(5000.0) == pytest.approx(1e-4, rel=1e-12)          # held at the final rate past the horizon


def test_wsd_is_flat_until_the_cooldown_then_linear_to_final():
    s = Schedule("wsd", peak=2e-3, warmup=0.0, horizon=1000.0, decay=0.2, final=0.0)
    assert s.rate(799.0) == pytest.approx(2e-3)
    assert s.rate(900.0) == pytest.approx(1e-3)                       # half way through the 20% cooldown
    assert s.rate(1000.0) == pytest.approx(0.0, abs=1e-15)
    assert s.horizon_free([500.0, 800.0, 801.0]).tolist() == [True, True, False]


def test_linear_step_and_constant():
    assert Schedule("linear", peak=1.0, horizon=10.0, final=0.0).rate(2.5) == pytest.approx(0.75)
    s = Schedule("step", peak=3e-4, at=(8000.0,), factor=0.1)
    assert s.rate([7999.0, 8000.0]).tolist() == pytest.approx([3e-4, 3e-5])
    assert Schedule("constant", peak=2.0, warmup=4.0).rate([1.0, 100.0]).tolist() == [0.5, 2.0]
    assert Schedule("cosine", peak=1.0, warmup=5.0, horizon=50.0).horizon_free([5.0, 6.0]).tolist() == [True, False]


@given(st.floats(1e-5, 1e-2), st.floats(0.0, 0.3), st.floats(0.0, 1.0), st.sampled_from(["linear", "cosine", "wsd"]))
def test_decaying_schedules_never_rise_after_warmup_and_stay_within_final_and_peak(peak, warm, final, kind):
    s = Schedule(kind, peak=peak, warmup=warm * 1000, horizon=1000.0, final=final)
    x = np.linspace(warm * 1000, 1200, 400)
    r = s.rate(x)
    assert np.all(np.diff(r) <= 1e-15 * peak)
    assert r.max() <= peak * (1 + 1e-12) and r.min() >= final * peak * (1 - 1e-12) - 1e-15 * peak


@pytest.mark.parametrize("kwargs, what", [(dict(kind="cosine", peak=1e-3), "horizon"),
                                           (dict(kind="cosine", peak=-1.0, horizon=5.0), "peak"),
                                           (dict(kind="wsd", peak=1.0, horizon=5.0, decay=0.0), "decay"),
                                           (dict(kind="step", peak=1.0), "at"),
                                           (dict(kind="cosin", peak=1.0), "unknown schedule")])
def test_ill_defined_schedules_are_refused_naming_the_parameter(kwargs, what):
    with pytest.raises(ScheduleError, match=what):
        Schedule(**kwargs)


def test_per_step_rates_and_interpolation_of_a_logged_column():
    s = Schedule("cosine", peak=1e-3, warmup=200.0, horizon=2000.0, final=0.1)
    steps = per_step_rates(s, 10.0, 200)
    assert steps.shape == (201,) and steps[20] == pytest.approx(1e-3) and steps[-1] == pytest.approx(1e-4)
    logged_at = np.arange(100.0, 2001.0, 100.0)
    back = interpolate_rates(logged_at, s.rate(logged_at), 10.0, 200)
    assert np.max(np.abs(back - steps)) < 0.01 * 1e-3   # a cosine between checkpoints 5% of the run apart


# ---------------------------------------------------------------------------------------------------------------------
# the OLMo ladder's documented schedule against the rate it logged


def olmo_schedule(n_params: float, batch_tokens: float, multiple: float) -> Schedule:
    """The OLMo ladder's schedule (Bhagia et al. 2024 §2.1 and Table 1; allenai/OLMo-ladder ``src/ladder/ladder.py``):
    peak η = 0.0047·(N/108e6)^(−1/3)/4, a linear warm-up over round(N / batch) steps, cosine to 0.1·η at the horizon
    of ``multiple``·20·N tokens rounded up to whole batches (1xC is D = 20·N)."""
    peak = 0.0047 * (n_params / 108e6) ** (-1 / 3) / 4
    warmup = round(n_params / batch_tokens) * batch_tokens
    horizon = math.ceil(multiple * 20 * n_params / batch_tokens) * batch_tokens
    return Schedule("cosine", peak=peak, warmup=warmup, horizon=horizon, final=0.1)


#: The logged rate is written in single precision: agreement to 1e-6 relative at every checkpoint is exact.
OLMO_RTOL = 1e-6


@pytest.mark.parametrize("size", ["190M", "370M", "760M", "1.3B"])
def test_olmo_ladder_schedule_reproduces_the_logged_rate_at_every_checkpoint(size):
    root = olmo_ladder_dir()
    config = json.loads((root / "configs" / "final.json").read_text())[size]
    prefix = config["paths"][0].rsplit("/", 1)[1].split("-")[0]
    checked = 0
    for multiple in (0.5, 1, 2, 5, 10):
        name = f"{prefix}-{multiple:g}xC.csv"
        with open(root / "ladder-runs" / name, newline="") as fh:
            rows = list(csv.DictReader(fh))
        batch = float(rows[0]["batch_size_in_tokens"])
        tokens = np.array([float(r["_step"]) for r in rows]) * batch
        logged = np.array([float(r["optim/learning_rate_group0"]) for r in rows])
        schedule = olmo_schedule(config["n"], batch, multiple)
        assert float(rows[0]["learning_rate_peak"]) == pytest.approx(schedule.peak, rel=OLMO_RTOL)
        np.testing.assert_allclose(schedule.rate(tokens), logged, rtol=OLMO_RTOL, err_msg=name)
        checked += len(rows)
    assert checked > 200
