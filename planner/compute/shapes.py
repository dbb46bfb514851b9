"""Decoder-only transformer shapes for a parameter count, with exact counts and FLOPs per token.

A parameter count is not a model. :func:`shapes_for` turns a planned N into a few trainable shapes
(n_layer, d_model, n_heads, d_ff, vocab, context) whose aspect ratios d_model / n_layer lie in the
range published families use, and :func:`hoffmann_flops_per_token` / :func:`kaplan_flops_per_token`
say what one training token really costs on each, next to the 6·N of C = 6·N·D.

Why a few shapes and not one: Kaplan et al. 2020 (arXiv:2001.08361, §3.1 and Fig. 5) found the loss
depends only weakly on shape at fixed N: it moves by a few percent over aspect ratios from about 20
to 200. Published families sit well inside that range:

- Chinchilla's scaling runs, d_model / n_layer from 40 (640 / 16) to 109 (5120 / 47); Chinchilla
  itself 8192 / 80 = 102 (Hoffmann et al. 2022, arXiv:2203.15556, Table A9 and Table 4);
- GPT-3, from 43 (1024 / 24) to 128 (12288 / 96) (Brown et al. 2020, arXiv:2005.14165, Table 2.1);
- Gopher, from 64 (512 / 8) to 205 (16384 / 80) (Rae et al. 2021, arXiv:2112.11446, Table 1).

So the default shapes use aspect ratios 64, 96 and 128, with d_ff = 4·d_model and attention width
d_attn = n_heads·d_head = d_model (as in those families), heads of 64 below d_model = 1024 and of
128 from there (Chinchilla Table A9's kv_size), and the 32,000-token vocabulary and 2,048-token
context of Chinchilla's models. Pure Python; no numpy.
"""

from __future__ import annotations


from ..base.errors import InfeasibleError
from ..base.records import Record, record
from ..base.units import check_positive

__all__ = [
    "Shape", "shapes_for", "hoffmann_flops_per_token", "kaplan_flops_per_token", "COUNTS",
    "DEFAULT_ASPECT_RATIOS", "DEFAULT_VOCAB", "DEFAULT_CONTEXT",
]

#: d_model / n_layer of the shapes offered (see the module docstring for the published range).
DEFAULT_ASPECT_RATIOS = (64.0, 96.0, 128.0)
#: Chinchilla's vocabulary and sequence length (Hoffmann et al. 2022, App. F / Table A4).
DEFAULT_VOCAB = 32_000
DEFAULT_CONTEXT = 2_048
#: Which parameters a target N counts: all of them (Hoffmann, Besiroglu) or the non-embedding ones (Kaplan).
COUNTS = ("total", "non-embedding")


@record
class Shape(Record):
    """A decoder-only transformer.

    n_layer : number of blocks L.
    d_model : residual width d.
    n_heads, d_head : attention heads h and their key/value size k (d_attn = h·k).
    d_ff : feed-forward width f.
    vocab : vocabulary size V.
    n_ctx : training context (sequence length) S.
    tied_embeddings : whether the output projection shares the input embedding matrix.

    Parameters are counted as Kaplan et al. 2020 (Table 1): weight matrices only, biases and
    norms (a few·d per layer) left out, no learned position embeddings (rotary or relative).
    """

    n_layer: int
    d_model: int
    n_heads: int
    d_head: int
    d_ff: int
    vocab: int = DEFAULT_VOCAB
    n_ctx: int = DEFAULT_CONTEXT
    tied_embeddings: bool = False

    @property
    def d_attn(self) -> int:
        """Attention width h·k."""
        return self.n_heads * self.d_head

    @property
    def aspect_ratio(self) -> float:
        """d_model / n_layer."""
        return self.d_model / self.n_layer

    @property
    def n_params_non_embedding(self) -> int:
        """N = 2·d·L·(2·d_attn + f): QKV and output projections 4·d·d_attn, MLP 2·d·f per layer (Kaplan Table 1)."""
        return 2 * self.d_model * self.n_layer * (2 * self.d_attn + self.d_ff)

    @property
    def n_params_embedding(self) -> int:
        """V·d for the input embedding, and V·d again for an untied output projection."""
        return self.vocab * self.d_model * (1 if self.tied_embeddings else 2)

    @property
    def n_params(self) -> int:
        """Total parameters, embeddings included (Hoffmann's convention)."""
        return self.n_params_non_embedding + self.n_params_embedding

    def counted(self, count: str) -> int:
        """The parameter count under ``count`` ("total" or "non-embedding")."""
        return self.n_params if count == "total" else self.n_params_non_embedding


def hoffmann_flops_per_token(shape: Shape, embeddings: bool = True) -> float:
    """Training FLOPs per token under Hoffmann et al. 2022, Appendix F (forward + backward = 3 × forward).

    Forward FLOPs per sequence of S tokens (multiply-add = 2 FLOPs), with d = d_model, a = d_attn,
    h = n_heads, f = d_ff, V = vocab::

        embeddings        2·S·V·d
        per layer:  QKV   2·3·S·d·a       logits  2·S²·a       softmax  3·h·S²
                    A·V   2·S²·a          output  2·S·a·d      MLP      2·S·(2·d·f)
        final logits      2·S·d·V

    divided by S for one token. ``embeddings=False`` leaves out the embedding and final-logit terms:
    the paper's Table A4 ratios (1.03 … 0.99) are only reproduced that way, which Karpathy's nanoGPT
    ``scaling_laws.ipynb`` reports the authors confirmed (the text of App. F lists the terms, the
    table did not use them).
    """
    S, V, d, a, h, f, L = shape.n_ctx, shape.vocab, shape.d_model, shape.d_attn, shape.n_heads, shape.d_ff, shape.n_layer
    per_layer = 2 * 3 * d * a + 2 * S * a + 3 * h * S + 2 * S * a + 2 * a * d + 2 * 2 * d * f
    forward = L * per_layer + (2 * V * d + 2 * d * V if embeddings else 0)
    return 3.0 * forward


def kaplan_flops_per_token(shape: Shape) -> float:
    """Training FLOPs per token under Kaplan et al. 2020 (Table 1): 3 × (2·N + 2·n_layer·n_ctx·d_attn).

    N is the non-embedding parameter count; the second term is the attention over the context.
    """
    return 3.0 * (2 * shape.n_params_non_embedding + 2 * shape.n_layer * shape.n_ctx * shape.d_attn)


def shapes_for(n_params: float, count: str = "total", vocab: int = DEFAULT_VOCAB, n_ctx: int = DEFAULT_CONTEXT,
               aspect_ratios: tuple[float, ...] = DEFAULT_ASPECT_RATIOS, tied_embeddings: bool = False
               ) -> tuple[Shape, ...]:
    """A few shapes with about ``n_params`` parameters (counted as ``count``), one per aspect ratio.

    For aspect ratio r = d/L with d_attn = d and f = 4d, a layer holds 12·d² parameters, so
    N = 12·d³/r (+ the embeddings e·V·d for a total count, e = 1 tied, 2 untied). Solve for d, round it
    to a multiple of the head size (64 below 1024, else 128), then choose the whole number of layers
    L = round((N − e·V·d) / (12·d²)) that comes closest. From d = 4096 up, d is rounded so the head count is a
    multiple of 4 (to split heads over GPUs with tensor parallelism). The count is off by at most 6·d² (half a
    layer), a relative error of at most 1 / (2·L) of the non-embedding part. Duplicate shapes are
    dropped; the result is sorted by depth.

    Raises InfeasibleError when even one layer of the narrowest width would exceed ``n_params``
    (the embeddings of a large vocabulary alone can).
    """
    N = float(check_positive(float(n_params), "n_params"))
    if count not in COUNTS:
        raise ValueError(f"count must be one of {', '.join(COUNTS)} (got {count!r})")
    e = (1 if tied_embeddings else 2) * vocab if count == "total" else 0
    shapes = {}
    for r in aspect_ratios:
        d_star = _width(N, r, e)
        d_head = 64 if d_star < 1024 else 128
        q = d_head * (4 if d_star >= 4096 else 1)  # wide models: heads in fours, to split over GPUs
        d = max(q, round(d_star / q) * q)
        L = round((N - e * d) / (12 * d * d))
        if L < 1:
            continue
        shape = Shape(n_layer=L, d_model=d, n_heads=d // d_head, d_head=d_head, d_ff=4 * d, vocab=vocab,
                      n_ctx=n_ctx, tied_embeddings=tied_embeddings)
        shapes[(L, d)] = shape
    if not shapes:
        raise InfeasibleError(
            f"no transformer shape has {N:.3g} {count} parameters with a vocabulary of {vocab:,}: one layer of width "
            f"64 and its embeddings already hold {12 * 64 * 64 + e * 64:,}; ask for more parameters or a smaller vocabulary")
    return tuple(sorted(shapes.values(), key=lambda s: (s.n_layer, s.d_model)))


def _width(N: float, r: float, e: float) -> float:
    """The d > 0 with 12·d³/r + e·d = N (increasing in d, so bisection on [0, (N·r/12)^(1/3)])."""
    hi: float = (N * r / 12.0) ** (1.0 / 3.0)
    lo = 0.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if 12.0 * mid**3 / r + e * mid < N:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-9 * hi:
            break
    return 0.5 * (lo + hi)
