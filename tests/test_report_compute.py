"""planner.report.compute: cost columns, hyperparameters and shapes added to any report, in all five formats."""

import csv
import io
import json

import pytest

from planner.report.compute import extend, hardware_report, shape_report
from planner.compute.hardware import Cluster
from planner.planning.plan import compute_optimal
from planner.files.presets import list_hardware, list_presets, load_chip, load_hparam_law, load_preset
from planner.report.render import render, to_latex, to_markdown
from planner.report.types import Block, Column, Report
from planner.report.plans import compare_report, plan_report, target_report, whatif_report
from planner.compute.shapes import shapes_for
from planner.planning.whatif import min_compute_for_loss, plan_with_params

from .test_report_render import assert_latex_well_formed, cell_value, parse_markdown_tables

H100 = 989.4e12  # dense BF16 FLOP/s, presets/hardware.toml
CLUSTER = Cluster(chip=load_chip("h100"), n_chips=1024, mfu=0.40, usd_per_chip_hour=2.5)
SHAPES = {"vocab": 32000, "n_ctx": 2048, "tied_embeddings": False}


def law():
    return load_preset("besiroglu2024")


def full_plan(budgets=(1e21, 1e23)):
    """A plan with every extension: cost, hyperparameters and shapes."""
    return extend(plan_report(law(), [compute_optimal(law(), C) for C in budgets]), law(), cluster=CLUSTER,
                  hparams_law=load_hparam_law("deepseek2024"), shape_settings=SHAPES)


def extended_reports():
    laws = list_presets()
    return {
        "plan": full_plan(),
        "whatif": extend(whatif_report(law(), [plan_with_params(law(), 1e21, 7e9)], "What-if"), law(),
                         cluster=CLUSTER, shape_settings=SHAPES),
        "target": extend(target_report(law(), [2.1], [min_compute_for_loss(law(), 2.1)]), law(), cluster=CLUSTER),
        "compare": extend(compare_report(laws, [1e21], [[compute_optimal(l, 1e21) for l in laws]]), cluster=CLUSTER,
                          mfu_given=False),
        "hardware": hardware_report(list_hardware()),
        "shape": shape_report(shapes_for(7e9), "total", "Shapes"),
    }


def all_reports(report):
    """``report`` and its sections, depth first, in the order human formats print them."""
    out = [report]
    for section in report.sections:
        out += all_reports(section)
    return out


# ---------------------------------------------------------------------------------------------------------------------
# what extend adds


@pytest.mark.parametrize("name", ["plan", "whatif", "target", "compare"])
def test_every_row_gains_its_cost_on_the_cluster(name):
    """GPU-hours = C / (P·MFU) / 3600, days = that / chips / 24, dollars = GPU-hours × price, for any command."""
    report = extended_reports()[name]
    assert [c.key for c in report.columns][-3:] == ["gpu_hours", "wall_clock_days", "usd"]
    for row in report.rows:
        hours = row["flops"] / (H100 * 0.40) / 3600
        assert row["gpu_hours"] == pytest.approx(hours, rel=1e-12)
        assert row["wall_clock_days"] == pytest.approx(hours / 1024 / 24, rel=1e-12)
        assert row["usd"] == pytest.approx(hours * 2.5, rel=1e-12)
        assert (row["gpu"], row["gpus"], row["mfu"]) == ("h100", 1024, 0.40)


def test_extend_without_options_changes_nothing():
    report = plan_report(law(), [compute_optimal(law(), 1e21)])
    assert extend(report, law()) == report


def test_the_footer_ends_with_the_hardware_assumptions():
    footer = extended_reports()["compare"].footer
    assert footer[-2].startswith("Hardware: 1,024 × NVIDIA H100 SXM5, 989.4 TFLOP/s dense BF16 each (source: NVIDIA")
    assert "MFU 0.40 (default; Llama 3 405B on H100s" in footer[-2] and "$2.50 per GPU-hour" in footer[-2]
    assert footer[-1].startswith("Time: GPU-hours = C / (peak × MFU) / 3600")


def test_hyperparameters_and_shapes_are_sections_with_their_own_columns():
    report = full_plan()
    titles = [s.title for s in report.sections]
    assert titles[0] == "Suggested hyperparameters · deepseek2024"
    assert titles[1:] == ["Shapes for N = 2.78B total parameters (plan at 1.00e21 FLOPs)",
                          "Shapes for N = 29.4B total parameters (plan at 1.00e23 FLOPs)"]
    assert [r["flops"] for r in report.sections[0].rows] == [1e21, 1e23]
    for row, section in zip(report.rows, report.sections[1:]):
        assert row["shapes"] == list(section.rows)


def test_what_if_shapes_name_the_row_they_belong_to():
    titles = [s.title for s in extended_reports()["whatif"].sections]
    assert titles == ["Shapes for N = 7.00B total parameters (what-if at 1.00e21 FLOPs)",
                      "Shapes for N = 2.78B total parameters (optimal at 1.00e21 FLOPs)"]


# ---------------------------------------------------------------------------------------------------------------------
# the five formats


def test_json_keeps_shapes_nested_and_hyperparameters_flat():
    report = full_plan()
    rows = json.loads(render(report, "json"))
    assert list(rows[0]) == list(report.keys)
    assert rows[0]["learning_rate"] == pytest.approx(0.3118 * 1e21 ** -0.125, rel=1e-12)
    assert rows[1]["shapes"] == [dict(s) for s in report.rows[1]["shapes"]]


def test_csv_is_one_table_with_a_line_per_shape():
    """Shapes flattened: each plan row repeated once per shape, shape keys prefixed shapes_, raw floats."""
    report = full_plan()
    lines = list(csv.DictReader(io.StringIO(render(report, "csv"))))
    assert len(lines) == sum(len(r["shapes"]) for r in report.rows)
    header = list(lines[0])
    assert "shapes" not in header and "shapes_n_layer" in header and "shapes_kaplan_over_6n" in header
    assert header[:len(report.keys) - 1] == [k for k in report.keys if k != "shapes"]
    i = 0
    for row in report.rows:
        for shape in row["shapes"]:
            line = lines[i]
            i += 1
            assert float(line["flops"]) == row["flops"] and float(line["gpu_hours"]) == row["gpu_hours"]
            assert float(line["batch_tokens"]) == row["batch_tokens"]
            assert int(line["shapes_n_layer"]) == shape["n_layer"]
            assert float(line["shapes_hoffmann_over_6n"]) == shape["hoffmann_over_6n"]


def test_csv_keeps_a_row_whose_nested_table_is_empty():
    report = Report(blocks=(Block([{"a": 1.5, "t": []}, {"a": 2.5, "t": [{"x": 1}, {"x": 2}]}]),),
                    columns=(Column("a", "a", str),), keys=("a", "t"), nested={"t": ("x",)})
    assert render(report, "csv") == "a,t_x\n1.5,\n2.5,1\n2.5,2"


def test_csv_of_the_catalogue_joins_aliases_in_one_cell():
    lines = list(csv.DictReader(io.StringIO(render(hardware_report(list_hardware()), "csv"))))
    h100 = next(l for l in lines if l["id"] == "h100")
    assert h100["aliases"] == "h100-sxm, h100-sxm5" and float(h100["peak_flops_per_second"]) == H100


@pytest.mark.parametrize("name", ["plan", "whatif", "target", "compare", "hardware", "shape"])
def test_markdown_has_one_table_per_block_and_section_and_parses_back(name):
    report = extended_reports()[name]
    tables = parse_markdown_tables(to_markdown(report))
    parts = all_reports(report)
    assert len(tables) == sum(len(r.blocks) for r in parts)
    tables = iter(tables)
    for part in parts:
        for block in part.blocks:
            table = next(tables)
            assert len(table) == len(block.rows)
            for md_row, row in zip(table, block.rows):
                for col in part.columns:
                    want = row.get(col.key)
                    if isinstance(want, float) and want != 0 and col.key != "peak_flops_per_second":
                        got = cell_value(md_row[col.header].lstrip("$").replace(",", ""))
                        assert got == pytest.approx(want, rel=5e-3, abs=5e-4), (col.key, md_row)


@pytest.mark.parametrize("name", ["plan", "whatif", "target", "compare", "hardware", "shape"])
def test_latex_balances_with_one_table_float_per_report_and_section(name):
    report = extended_reports()[name]
    tex = to_latex(report)
    assert_latex_well_formed(tex)
    parts = all_reports(report)
    assert tex.count(r"\begin{table}") == len(parts)
    assert tex.count(r"\toprule") == sum(len(r.blocks) for r in parts)
