"""The hardware catalogue and the FLOPs ↔ GPU-hours ↔ days ↔ dollars conversions."""

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from planner.base.errors import HardwareError, PresetError, UnknownChipError
from planner.base.conventions import DEFAULT_MFU
from planner.compute.hardware import (
    Chip, Cluster, cost, flops_for_budget, flops_from_days, flops_from_gpu_hours, flops_from_usd,
    gpu_hours, usd, wall_clock_days,
)
from planner.compute.hardware import chips_from_mapping as hardware_from_mapping
from planner.files.presets import list_hardware, load_chip, preset_ids

# Dense BF16 peaks in TFLOP/s from the vendors' datasheets (NVIDIA A100, H100, Blackwell; AMD MI300X) and Google
# Cloud's TPU documentation, no sparsity.
PUBLISHED_PEAKS = {"a100": 312, "h100": 989.4, "h200": 989.4, "b200": 2250, "mi300x": 1307.4,
                 "tpu-v4": 275, "tpu-v5e": 197, "tpu-v5p": 459,
                 # NVIDIA H800 SXM5: the H100 SXM5 for export, the same tensor cores and dense BF16 peak
                 "h800": 989.4}

H100 = Chip("h100", "NVIDIA H100 SXM5", 989.4e12, "NVIDIA H100 datasheet")

log_flops = st.floats(15, 30).map(lambda x: 10.0**x)
mfus = st.floats(0.01, 1.0)
chips = st.integers(1, 100_000)
prices = st.floats(0.01, 100.0)


# ---------------------------------------------------------------------------------------------------------------------
# the catalogue


def test_catalogue_has_every_chip_of_science_md_with_its_peak_and_a_source():
    catalogue = {chip.id: chip for chip in list_hardware()}
    assert set(catalogue) == set(PUBLISHED_PEAKS)
    for chip_id, tflops in PUBLISHED_PEAKS.items():
        assert catalogue[chip_id].peak_flops_per_second == pytest.approx(tflops * 1e12, rel=1e-12)
        assert catalogue[chip_id].source and catalogue[chip_id].name


def test_ids_and_aliases_are_unique_and_resolve_case_insensitively():
    names = [n for chip in list_hardware() for n in (chip.id, *chip.aliases)]
    assert len(names) == len(set(names))
    for chip in list_hardware():
        for name in (chip.id, *chip.aliases):
            assert load_chip(name.upper()).id == chip.id


def test_unknown_chip_suggests_close_names():
    with pytest.raises(UnknownChipError, match=r"unknown chip 'h10'; did you mean 'h100'.*plan hardware"):
        load_chip("h10")
    with pytest.raises(LookupError):  # also the built-in it resembles
        load_chip("zzzz")


def test_the_catalogue_is_not_a_law_preset():
    assert "hardware" not in preset_ids()


@pytest.mark.parametrize("table, message", [
    ({"x": {"name": "X", "source": "s"}}, "missing key 'peak_flops_per_second' in [x] of test"),
    ({"x": {"name": "X", "source": "s", "peak_flops_per_second": 0}}, "'peak_flops_per_second' must be > 0"),
    ({"x": {"name": "X", "source": "s", "peak_flops_per_second": "fast"}}, "must be a number (got str 'fast')"),
    ({"x": {"name": "X", "source": "s", "peak_flop_per_second": 1e12}}, "did you mean 'peak_flops_per_second'?"),
    ({"x": {"name": "X", "source": "s", "peak_flops_per_second": 1e12, "aliases": [3]}}, "'aliases' must be a string"),
    ({"x": 3}, "'x' must be a table"),
])
def test_malformed_catalogue_entries_name_the_chip_and_key(table, message):
    with pytest.raises(PresetError) as e:
        hardware_from_mapping(table, "test")
    assert message in str(e.value)


# ---------------------------------------------------------------------------------------------------------------------
# conversions


def test_worked_example_2048_h100_at_40_percent():
    """1e24 FLOPs on 2048 H100s at MFU 0.40 and $2.50/GPU-hour, by hand: 1e24 / (989.4e12 × 0.40) s of one chip."""
    chip_seconds = 1e24 / (989.4e12 * 0.40)  # 2.5268e9 s
    c = cost(1e24, Cluster(H100, n_chips=2048, mfu=0.40, usd_per_chip_hour=2.50))
    assert c.gpu_hours == pytest.approx(chip_seconds / 3600, rel=1e-12)  # 701,896 GPU-hours
    assert c.wall_clock_days == pytest.approx(chip_seconds / 2048 / 86400, rel=1e-12)  # 14.28 days
    assert c.usd == pytest.approx(chip_seconds / 3600 * 2.50, rel=1e-12)  # $1.75M
    assert round(c.wall_clock_days, 2) == 14.28


def test_cost_leaves_days_and_dollars_unknown_without_chip_count_or_price():
    c = cost(1e21, Cluster(H100))
    assert c.gpu_hours > 0 and c.wall_clock_days is None and c.usd is None


def test_default_mfu_is_inside_the_cited_llama3_range():
    assert 0.38 <= DEFAULT_MFU <= 0.43  # Llama 3 405B, arXiv:2407.21783 Table 4


def test_wall_clock_is_gpu_hours_shared_over_the_chips():
    c = cost(3.8e25, Cluster(H100, n_chips=16384))
    assert c.wall_clock_days * 24 * 16384 == pytest.approx(c.gpu_hours, rel=1e-12)


@settings(deadline=None)
@given(log_flops, mfus, chips, prices)
def test_conversions_round_trip(C, mfu, n, price):
    P = H100.peak_flops_per_second
    assert flops_from_gpu_hours(gpu_hours(C, P, mfu), P, mfu) == pytest.approx(C, rel=1e-12)
    assert flops_from_days(wall_clock_days(C, P, n, mfu), P, n, mfu) == pytest.approx(C, rel=1e-12)
    assert flops_from_usd(usd(C, P, price, mfu), P, price, mfu) == pytest.approx(C, rel=1e-12)
    cluster = Cluster(H100, n_chips=n, mfu=mfu, usd_per_chip_hour=price)
    c = cost(C, cluster)
    for unit, amount in (("gpu_hours", c.gpu_hours), ("wall_clock_days", c.wall_clock_days), ("usd", c.usd)):
        assert flops_for_budget(amount, unit, cluster) == pytest.approx(C, rel=1e-12)


@settings(deadline=None)
@given(log_flops, mfus, chips)
def test_more_chips_or_better_utilisation_never_take_longer(C, mfu, n):
    P = H100.peak_flops_per_second
    days = wall_clock_days(C, P, n, mfu)
    assert wall_clock_days(C, P, n + 1, mfu) <= days
    assert wall_clock_days(C, P, n, min(1.0, mfu * 1.1)) <= days
    assert gpu_hours(C, P, mfu) == pytest.approx(days * 24 * n, rel=1e-12)


def test_arrays_in_arrays_out_of_the_same_shape():
    C = np.logspace(20, 25, 6).reshape(2, 3)
    c = cost(C, Cluster(H100, n_chips=64, usd_per_chip_hour=2.0))
    for field in (c.gpu_hours, c.wall_clock_days, c.usd):
        assert isinstance(field, np.ndarray) and field.shape == (2, 3)
    np.testing.assert_allclose(c.gpu_hours, [[gpu_hours(x, H100.peak_flops_per_second) for x in r] for r in C])


@pytest.mark.parametrize("unit, cluster, message", [
    ("wall_clock_days", Cluster(H100), "needs the number of chips"),
    ("usd", Cluster(H100, n_chips=8), "needs a price per chip-hour"),
    ("fortnights", Cluster(H100, n_chips=8), "unknown budget unit 'fortnights'"),
])
def test_budget_conversion_says_what_is_missing(unit, cluster, message):
    with pytest.raises(HardwareError, match=message):
        flops_for_budget(1.0, unit, cluster)
    assert issubclass(HardwareError, ValueError)


def test_one_chip_for_a_day_at_full_utilisation_is_its_peak_times_86400():
    assert flops_from_days(1.0, 1e15, 1, mfu=1.0) == 86400e15
    assert math.isclose(gpu_hours(3600e15, 1e15, mfu=1.0), 1.0)


# ---------------------------------------------------------------------------------------------------------------------
# DeepSeek-V3's own arithmetic (DeepSeek-AI 2024, arXiv:2412.19437, §1 and Table 1)


def test_deepseek_v3_gpu_hours_add_up():
    """§1: "training DeepSeek-V3 on each trillion tokens requires only 180K H800 GPU hours ... our pre-training stage
    ... costs 2664K GPU hours. Combined with 119K GPU hours for the context length extension and 5K GPU hours for
    post-training, DeepSeek-V3 costs only 2.788M GPU hours"; 14.8T pre-training tokens; $2 per GPU-hour, $5.576M."""
    pre_training = 180e3 * 14.8
    assert pre_training == pytest.approx(2664e3, rel=1e-12)
    assert pre_training + 119e3 + 5e3 == pytest.approx(2.788e6, rel=1e-12)
    assert 2.788e6 * 2.0 == pytest.approx(5.576e6, rel=1e-12)


def test_deepseek_v3_implied_mfu_counts_active_parameters():
    """37B activated of 671B total parameters per token: model FLOPs 6·N_active·D = 6 × 37e9 × 14.8e12 = 3.29e24 in
    2.664M H800 GPU-hours imply an MFU of 34.6% of the dense BF16 peak (DeepSeek-V3 trains in FP8 mixed precision,
    whose peak is twice that); counting all 671B parameters would imply an impossible 628%."""
    from planner.compute.hardware import implied_mfu

    h800 = load_chip("h800")
    C = 6 * 37e9 * 14.8e12
    assert C == pytest.approx(3.2856e24, rel=1e-12)
    mfu = implied_mfu(C, 2.664e6, h800.peak_flops_per_second)
    assert mfu == pytest.approx(3.2856e24 / (2.664e6 * 3600 * 989.4e12), rel=1e-12)
    assert round(mfu, 3) == 0.346
    assert implied_mfu(6 * 37e9 * 1e12, 180e3, h800.peak_flops_per_second) == pytest.approx(mfu, rel=1e-12)
    assert implied_mfu(6 * 671e9 * 14.8e12, 2.664e6, h800.peak_flops_per_second) > 6
    assert gpu_hours(C, h800.peak_flops_per_second, mfu) == pytest.approx(2.664e6, rel=1e-12)
