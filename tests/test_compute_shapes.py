"""Transformer shapes for a parameter count: exact counts, FLOPs per token, and Hoffmann's Table A4."""

import pytest
from hypothesis import given, settings, strategies as st

from planner.base.errors import InfeasibleError
from planner.compute.shapes import (
    DEFAULT_ASPECT_RATIOS, Shape, hoffmann_flops_per_token, kaplan_flops_per_token, shapes_for,
)

# Hoffmann et al. 2022 (arXiv:2203.15556), the six models of Table A4 with their shapes from Table A9
# (params, d_model, ffw_size, kv_size, n_heads, n_layers), as transcribed in karpathy/nanoGPT scaling_laws.ipynb;
# vocabulary 32,000 and sequences of 2,048 tokens (App. F). Last column: Table A4's ratio of the App. F FLOPs to 6·N·D.
TABLE_A4 = [
    (74e6, 640, 2560, 64, 10, 10, 1.03),       # Table A4 row "73M"
    (306e6, 1024, 4096, 64, 16, 20, 1.10),     # "305M"
    (552e6, 1280, 5120, 128, 10, 24, 1.08),    # "552M"
    (1143e6, 1792, 7168, 128, 14, 26, 1.04),   # "1.1B"
    (1593e6, 2048, 8192, 128, 16, 28, 1.03),   # "1.6B"
    (6796e6, 3584, 14336, 128, 28, 40, 0.99),  # "6.8B"
]


@pytest.mark.parametrize("n_params, d_model, d_ff, d_head, n_heads, n_layer, ratio", TABLE_A4,
                         ids=[f"{r[0] / 1e6:.0f}M" for r in TABLE_A4])
def test_hoffmann_table_a4_ratios_are_reproduced(n_params, d_model, d_ff, d_head, n_heads, n_layer, ratio):
    """App. F FLOPs per token / 6N matches Table A4 to ±0.01 (its rounding) with N as Table A9 prints it.

    As Karpathy's reproduction found, the table leaves out the embedding and final-logit terms App. F lists.
    """
    shape = Shape(n_layer=n_layer, d_model=d_model, n_heads=n_heads, d_head=d_head, d_ff=d_ff, vocab=32_000,
                  n_ctx=2_048)
    assert hoffmann_flops_per_token(shape, embeddings=False) / (6 * n_params) == pytest.approx(ratio, abs=0.01)


def test_hoffmann_counts_every_appendix_f_term():
    """One layer, small numbers, each App. F term written out by hand (per sequence, then per token, × 3)."""
    S, V, d, h, k, f = 8, 10, 4, 2, 3, 16
    a = h * k
    per_sequence = (2 * S * V * d                       # embeddings
                    + 2 * 3 * S * d * a                 # key, query, value projections
                    + 2 * S * S * a                     # key @ query logits
                    + 3 * h * S * S                     # softmax
                    + 2 * S * S * a                     # softmax @ values
                    + 2 * S * a * d                     # final linear
                    + 2 * S * (d * f + d * f)           # dense block
                    + 2 * S * d * V)                    # final logits
    shape = Shape(n_layer=1, d_model=d, n_heads=h, d_head=k, d_ff=f, vocab=V, n_ctx=S)
    assert hoffmann_flops_per_token(shape) == pytest.approx(3 * per_sequence / S, rel=1e-15)
    assert hoffmann_flops_per_token(shape, embeddings=False) == pytest.approx(
        3 * (per_sequence - 4 * S * V * d) / S, rel=1e-15)


def test_gpt3_175b_parameter_count():
    """GPT-3 175B (Brown et al. 2020, Table 2.1): 96 layers, d_model 12288, 96 heads of 128, tied 50,257 vocab."""
    shape = Shape(n_layer=96, d_model=12288, n_heads=96, d_head=128, d_ff=4 * 12288, vocab=50257, n_ctx=2048,
                  tied_embeddings=True)
    assert shape.n_params_non_embedding == 12 * 96 * 12288**2  # Kaplan's N ≈ 12·n_layer·d_model²
    assert shape.n_params == pytest.approx(175.0e9, rel=0.005)


def test_kaplan_flops_are_6n_plus_the_context_term():
    shape = Shape(n_layer=32, d_model=4096, n_heads=32, d_head=128, d_ff=16384, n_ctx=4096)
    assert kaplan_flops_per_token(shape) == 6 * shape.n_params_non_embedding + 6 * 32 * 4096 * 4096


def test_counts_add_up_and_tying_drops_one_embedding_matrix():
    untied = Shape(n_layer=2, d_model=128, n_heads=2, d_head=64, d_ff=512, vocab=1000)
    tied = Shape(n_layer=2, d_model=128, n_heads=2, d_head=64, d_ff=512, vocab=1000, tied_embeddings=True)
    assert untied.n_params - tied.n_params == 1000 * 128
    assert tied.n_params == tied.n_params_non_embedding + 1000 * 128
    assert untied.counted("non-embedding") == untied.n_params_non_embedding == 2 * 12 * 128**2


# ---------------------------------------------------------------------------------------------------------------------
# shapes for a parameter count

counts = st.sampled_from(["total", "non-embedding"])
log_params = st.floats(8, 13).map(lambda x: 10.0**x)


@settings(deadline=None, max_examples=200)
@given(log_params, counts, st.sampled_from([32_000, 50_257, 128_256]), st.booleans())
def test_shapes_have_about_the_asked_parameter_count(N, count, vocab, tied):
    """Rounding to whole layers costs at most half a layer: |N_shape − N| ≤ 6·d_model²."""
    shapes = shapes_for(N, count=count, vocab=vocab, tied_embeddings=tied)
    assert 1 <= len(shapes) <= len(DEFAULT_ASPECT_RATIOS)
    for s in shapes:
        assert abs(s.counted(count) - N) <= 6 * s.d_model**2 * (1 + 1e-9)
        assert s.n_heads * s.d_head == s.d_model and s.d_ff == 4 * s.d_model
        assert s.d_head in (64, 128) and s.n_layer >= 1 and s.vocab == vocab
    assert [s.n_layer for s in shapes] == sorted(s.n_layer for s in shapes)


@settings(deadline=None, max_examples=100)
@given(st.floats(9, 13).map(lambda x: 10.0**x), counts)
def test_shapes_of_a_billion_parameters_and_up_keep_published_aspect_ratios(N, count):
    """From 1B up, d_model / n_layer stays within the 40–205 that Chinchilla, GPT-3 and Gopher span."""
    for s in shapes_for(N, count=count):
        assert 40 <= s.aspect_ratio <= 205, s


def test_seven_billion_gives_llama_like_shapes():
    shapes = shapes_for(7e9)
    assert any(s.d_model == 4096 and s.n_heads == 32 for s in shapes)  # as Llama 2 7B (32 layers, 4096 wide)
    for s in shapes:
        assert 1.05 < hoffmann_flops_per_token(s) / (6 * s.n_params) < 1.12  # 6·N·D undercounts by 5–12% here


def test_too_few_parameters_for_the_vocabulary_is_infeasible():
    with pytest.raises(InfeasibleError, match="no transformer shape has 1e\\+06 total parameters"):
        shapes_for(1e6)


def test_unknown_count_is_rejected():
    with pytest.raises(ValueError, match="count must be one of total, non-embedding"):
        shapes_for(1e9, count="all")
