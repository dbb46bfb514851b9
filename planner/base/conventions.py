"""Every cited constant planner assumes, in one place, each with its source.

Modules take these as defaults; a law file or an option may override them where it says so
(``flops_per_param_token`` in a law's ``[conventions]``, ``--mfu``, ``--huber-delta``). Pure data: no imports.
"""

__all__ = [
    "FLOPS_PER_PARAM_TOKEN", "FLOPS_PER_PARAM_TOKEN_RANGE", "LOSS_RANGE", "INFERENCE_FLOPS_PER_PARAM_TOKEN", "DEFAULT_MFU", "DEFAULT_MFU_SOURCE",
    "HUBER_DELTA", "PARAMETRIC_GRID", "KAPLAN_GRID", "SECONDS_PER_HOUR", "SECONDS_PER_DAY",
    "UNDERTRAINED_FACTOR", "MOE_FLOPS_PER_PARAM_TOKEN", "MOE_ROUTING_FLOPS", "MOE_WIDTH_PER_BLOCK",
    "MOE_GRANULARITIES", "DISTILLATION_SCENARIOS", "COARSE_ROWS", "FULL_DATA_STARTS", "FULL_DATA_ITER",
    "DEFAULT_BOOTSTRAP_RESAMPLES", "MIN_BOOTSTRAP_RESAMPLES", "BOOTSTRAP_MAX_ROWS", "IRREDUCIBLE_MARGIN", "COMPARE_HOLDOUT_FRACTION",
    "NOPT_INTERVAL_WARNING", "EXTRAPOLATION_WARNING", "ALPHA_BETA_CORRELATION_WARNING",
    "CHANCE_ACCURACY", "GADRE_17_TASK_CHANCE", "GADRE_17_TASKS", "MMLU_CATEGORY_WEIGHTS",
    "LADDER_FINAL_CHECKPOINTS", "TASK_STEP1_POINTS", "STEP2_WINDOW", "STEP2_SKIP_FRACTION", "STEP2_ANCHOR",
    "SIGMOID_BOUNDS", "SIGMOID_GRID", "TIED_LOSS_GRID", "EXPONENTIAL_ERROR_GRID", "EMERGENCE_MARGIN",
]

#: k in C = k·N·D: a forward pass costs 2 FLOPs per parameter per token (a multiply and an add) and the backward
#: pass twice that, 2 + 4 = 6 (Kaplan et al. 2020, arXiv:2001.08361, §2.1; Hoffmann et al. 2022, App. F).
FLOPS_PER_PARAM_TOKEN = 6.0

#: planner's bounds on a law's k: the forward pass alone is 2 (a lower bound of any training count), and the terms
#: counts add to 6 (attention's 2·n_layer·n_ctx·d_attn per token, Kaplan et al. §2.1 Table 1; activation
#: recomputation's second forward pass, 8) stay within a few times it. A k outside 1..100 is a unit mistake (FLOPs
#: per parameter-token of 1e-300 plans inf parameters), refused when a law file is read.
FLOPS_PER_PARAM_TOKEN_RANGE = (1.0, 100.0)

#: planner's bounds on a loss a runs file gives for a fit, in nats per token: a model that predicts anything is below
#: ln V of a uniform guess over its vocabulary (10.4 for Chinchilla's 32k tokens, 12.5 for 256k), and a perplexity
#: e^L typed by mistake stays below V itself; 1e-6..1e6 holds both with room. The fits square and exponentiate
#: losses (least squares on L; Kaplan's [(N_c/N)^(α_N/α_D) + D_c/D]^α_D): at 1e100 nats they leave the floats.
LOSS_RANGE = (1e-6, 1e6)

#: Serving a token costs the forward pass alone, 2 FLOPs per parameter (Kaplan et al. 2020 §2.1; Sardana et al.
#: 2024, arXiv:2401.00448, §2: lifetime cost 6·N·D_tr + 2·N·D_inf).
INFERENCE_FLOPS_PER_PARAM_TOKEN = 2.0

#: Model-FLOPs utilisation when the user gives none. Llama 3 405B trained on 8,192–16,384 H100s at 38–43% BF16 MFU
#: (Llama Team 2024, arXiv:2407.21783, Table 4); 0.40 is inside that range. PaLM 540B reached 46.2% on TPU v4.
DEFAULT_MFU = 0.40
DEFAULT_MFU_SOURCE = "Llama 3 405B on H100s: 38–43% MFU, Llama Team 2024, arXiv:2407.21783, Table 4"

SECONDS_PER_HOUR = 3600.0
SECONDS_PER_DAY = 86400.0  # 24 · 3600

#: Huber threshold δ on log-loss residuals (Hoffmann et al. 2022, arXiv:2203.15556, App. D.2; Besiroglu et al. 2024,
#: arXiv:2404.10102, §2).
HUBER_DELTA = 1e-3

#: Hoffmann's and Besiroglu's initialisation grid for Approach 3 over θ = (a, b, e, α, β) with A = e^a, B = e^b,
#: E = e^e (Hoffmann et al. 2022 App. D.2; Besiroglu et al. 2024 §2): 5·5·5·6·6 = 4,500 starts.
PARAMETRIC_GRID = {
    "alpha": (0.0, 0.5, 1.0, 1.5, 2.0),
    "beta": (0.0, 0.5, 1.0, 1.5, 2.0),
    "e": (-1.0, -0.5, 0.0, 0.5, 1.0),
    "a": (0.0, 5.0, 10.0, 15.0, 20.0, 25.0),
    "b": (0.0, 5.0, 10.0, 15.0, 20.0, 25.0),
}

#: A grid for the Kaplan form over θ = (log N_c, log D_c, α_N, α_D); Kaplan's own values (log 6.4e13 ≈ 31.8,
#: log 1.8e13 ≈ 30.5, 0.076, 0.103; Kaplan et al. 2020 Table 2) lie inside it. planner's choice: 5⁴ = 625 starts.
KAPLAN_GRID = {
    "log_N_c": (15.0, 20.0, 25.0, 30.0, 35.0),
    "log_D_c": (15.0, 20.0, 25.0, 30.0, 35.0),
    "alpha_N": (0.03, 0.06, 0.12, 0.25, 0.5),
    "alpha_D": (0.03, 0.06, 0.12, 0.25, 0.5),
}

#: planner's threshold, not a paper's: a run with fewer than 1/4 of the optimum's tokens per parameter is called
#: "far below" it in a warning.
UNDERTRAINED_FACTOR = 4.0

#: Fine-grained MoE compute (Krajewski, Ludziejewski et al. 2024, arXiv:2402.07871, Eq. 10 and App. E):
#: c_f = 6 FLOPs per active parameter and token, as for a dense model (App. E, following Hoffmann et al.);
#: c_r = 14 FLOPs per routing parameter and token (App. E: seven forward/backward operations of 2 FLOPs each;
#: "between 6 and 20" by implementation); d_model = 64·n_blocks, the paper's shape assumption (§6.1).
MOE_FLOPS_PER_PARAM_TOKEN = 6.0
MOE_ROUTING_FLOPS = 14.0
MOE_WIDTH_PER_BLOCK = 64.0
#: The granularities searched for the compute-optimal G: powers of two from G = 1 (standard MoE) to 128. The
#: paper trains G = 1..16 (Tables 3, 7), reports optima of 8..64 (Table 2) and bootstrap percentiles up to 128
#: (Table 9); it does not print its search set, so planner's reaches the largest G the paper reports.
MOE_GRANULARITIES = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0)

#: Distillation compute (Busbridge et al. 2025, arXiv:2502.08606, Eq. 9 and Table 2):
#: FLOPs ≈ 3·F(N_S)·D_S + F(N_T)·(δ_Lgt·D_S + δ_Pre·3·D_T), F(N) = 2N forward FLOPs per token (the approximation
#: Eq. 9's text names; the paper's own figures use its App. H.1 refinement). Scenario → (δ_Lgt, δ_Pre):
DISTILLATION_SCENARIOS = {
    "best": (0.0, 0.0),                  # teacher fully amortised: neither its logits nor its training counted
    "inference": (1.0, 0.0),             # the teacher exists; its logits for the student are paid for
    "pretrain": (0.0, 1.0),              # the teacher is trained; its logits are stored and reused
    "pretrain+inference": (1.0, 1.0),    # the teacher is trained and serves this one student: the worst case
}

# ---------------------------------------------------------------------------------------------------------------------
# Hoffmann et al.'s Approaches 1 and 2 from a user's runs (planner.fitting.isoflop, planner.fitting.curves)

__all__ += ["BUDGET_SPREAD", "BUDGET_MISMATCH", "SAME_SIZE_RTOL", "SAME_BUDGET_RTOL", "ISOFLOP_WINDOW",
            "ISOFLOP_MIN_SIZES", "ISOFLOP_MIN_BUDGETS", "CURVES_GRID_POINTS", "LR_HORIZON_OVERSHOOT", "ISOFLOP_AUTO_SIDES",
            "ISOFLOP_AUTO_LEVEL", "ISOFLOP_METHODS", "ISOFLOP_AKIMA_DRAWS", "ISOFLOP_AGREEMENT_LEVEL"]

#: planner's tolerance, not a paper's: runs of one isoFLOP sweep at nominal budget C may have 6·N·D anywhere in
#: 0.7–1.5 × C and are still read as one budget. A budget counts what a run really did (attention, the output layer:
#: Porian et al. 2024, arXiv:2406.19146, count the last layer's FLOPs), which 6·N·D only approximates.
BUDGET_SPREAD = (0.7, 1.5)

#: planner's threshold, from the spread real sweeps show: a budget column whose runs' k·N·D lies more than this
#: factor from their budget (either way) is in other units, and a fit against it is refused unless told. Measured:
#: Chinchilla's runs as extracted from Hoffmann et al. 2022 Fig. 4 (Epoch AI's svg_extracted_data.csv, D = C/(6N)),
#: each read against the nearest of its nine nominal budgets 6e18..3e21 (§3.2), have 6·N·D from 0.23 to 4.3 × the
#: budget; OLMo's ladder (Bhagia et al. 2024, configs/final.json) counts 1.15–1.67 × 6·N FLOPs per token. A factor
#: 10 holds both with room; a column in other units (PF-days: 8.64e19 FLOPs; GFLOPs: 1e9) is far outside.
BUDGET_MISMATCH = 10.0

#: planner's choice: parameter counts within 1% of each other are one model size.
SAME_SIZE_RTOL = 0.01

#: planner's choice: runs of one size whose C agree within 5% are repeats (seeds) at one budget, not two budgets.
SAME_BUDGET_RTOL = 0.05

#: planner's default window of the per-budget parabola: the sizes within a factor 4 of the best size's N (0.6 decades
#: either side; at least its nearest size on each side). Hoffmann et al. (2022, §3.2) fit one parabola per isoFLOP
#: curve; over the whole of a wide, off-centre sweep that biases N_opt, which is why Porian et al. (2024,
#: arXiv:2406.19146) interpolate near the minimum instead. The factor 4 is planner's, chosen on simulated sweeps
#: (tests/test_fitting_isoflop.py measures it).
ISOFLOP_WINDOW = 4.0

#: How each isoFLOP budget's minimum is found: chosen per budget from the sweep (auto, the default), a parabola over a
#: window around the best size, or Akima interpolation (planner.fitting.profiles).
ISOFLOP_METHODS = ("auto", "parabola", "akima")

#: planner's rule for ``--isoflop-method auto`` (planner.fitting.profiles): Akima only where the budget has at least 2
#: sizes on each side of its best size inside the window (Akima's slope at a size uses two neighbours on each side;
#: Akima 1970, J. ACM 17(4)) and the parabola's lack of fit there is significant at 1% (an F-test of a cubic
#: term). Chosen on simulated sweeps: bench/bench_isoflop_estimators.py measures it.
ISOFLOP_AUTO_SIDES = 2
ISOFLOP_AUTO_LEVEL = 0.01
#: planner's choice: draws of the seeded Monte Carlo of an Akima minimum's standard error (about 7% relative precision).
ISOFLOP_AKIMA_DRAWS = 100
#: The level (%) of the parabola's interval of ln N_opt that the two estimators must agree within, else a warning.
ISOFLOP_AGREEMENT_LEVEL = 95.0

#: A budget needs 3 model sizes for a parabola; a power law through fewer than 3 budgets has no residual to judge it.
ISOFLOP_MIN_SIZES = 3
ISOFLOP_MIN_BUDGETS = 3

#: Approach 1's envelope is read "at 1500 logarithmically spaced FLOP values" (Hoffmann et al. 2022,
#: arXiv:2203.15556, §3.1).
CURVES_GRID_POINTS = 1500

#: "Overestimating the number of training steps beyond 25% leads to clear drops in performance" (Hoffmann et al.
#: 2022, App. B, Figure A1): a checkpoint before 1/1.25 = 80% of its run's schedule overstates its loss.
LR_HORIZON_OVERSHOOT = 1.25

#: planner's choice, not a paper's: a fit with more runs than this runs its grid on this many of them (spread evenly
#: over compute), then re-converges the best few end points on all of them (planner.fitting.multistart). Below it
#: (every published ladder planner reproduces: Besiroglu's 240, Muennighoff's 296) the fit is as before.
COARSE_ROWS = 512
#: ... and how many of the subsample's best distinct end points are re-converged on every run, with the iteration cap
#: of that stage and of the polish (planner's choice; bench/bench_fit.py measures that it finds the same optimum).
FULL_DATA_STARTS = 3
FULL_DATA_ITER = 500

#: planner's choice: `plan fit` bootstraps this many resamples unless told otherwise (Besiroglu et al. 2024,
#: arXiv:2404.10102, §4, used 4,000; 500 keeps the default fit about a second on their 240 runs).
DEFAULT_BOOTSTRAP_RESAMPLES = 500

#: Fewest resamples a 95% percentile interval is read from without a warning: its ends are the 2.5th and 97.5th
#: percentiles, and below 2 / (1 − 0.95) = 40 resamples each 2.5% tail holds under one resample, so the "interval"
#: is the extreme resamples' span, of no stated level. Efron & Tibshirani 1993 (An Introduction to the Bootstrap,
#: §19.3) ask for about 1000 for percentile intervals; 40 is the floor below which the level means nothing.
MIN_BOOTSTRAP_RESAMPLES = 40

#: planner's choice: a bootstrap of more runs than this resamples a seeded random subsample of this many and scales
#: each resample's deviation from the subsample's own fit by sqrt(m/n): the m-out-of-n bootstrap (Bickel, Götze &
#: van Zwet 1997, Statistica Sinica 7:1–31), for errors of a smooth estimator that shrink as 1/sqrt(n).
BOOTSTRAP_MAX_ROWS = 2048

#: planner's threshold: a fitted E within this fraction of the lowest observed loss (or above it) is "at or above"
#: it, and `plan fit` warns that the irreducible loss is not pinned down.
IRREDUCIBLE_MARGIN = 0.01

#: planner's choice: `plan fit --compare` back-tests every estimator on the runs in this top fraction by compute
#: (at least one) unless --holdout or --holdout-above says otherwise.
COMPARE_HOLDOUT_FRACTION = 0.1

#: planner's thresholds for `plan fit` warnings: a bootstrap interval of N_opt wider than this factor; a budget more
#: than this many times the largest run's compute (a law's plan, or a task forecast's step 1, beyond its runs:
#: Bhagia et al.'s 7B-4T target is 83× the compute of their largest ladder run, 1.3B-10xC, and 13B-5T 202×);
#: |correlation| of alpha and beta over the bootstrap above this (alpha and beta are then not separately identified
#: by the runs).
NOPT_INTERVAL_WARNING = 10.0
EXTRAPOLATION_WARNING = 100.0
ALPHA_BETA_CORRELATION_WARNING = 0.9


# ---------------------------------------------------------------------------------------------------------------------
# benchmark accuracy from scale (planner.laws.tasks, planner.fitting.tasks)

#: Chance accuracy of the ranked-classification tasks Bhagia et al. 2024 (arXiv:2412.04403, §2.3) forecast: one over
#: the number of answer options. MMLU four choices (Hendrycks et al. 2021, arXiv:2009.03300); HellaSwag four endings
#: (Zellers et al. 2019, arXiv:1905.07830); ARC four options (Clark et al. 2018, arXiv:1803.05457, most questions);
#: PIQA two solutions (Bisk et al. 2020, arXiv:1911.11641); CommonsenseQA five choices (Talmor et al. 2019,
#: arXiv:1811.00937); Social IQa three answers (Sap et al. 2019, arXiv:1904.09728); OpenBookQA four choices
#: (Mihaylov et al. 2018, arXiv:1809.02789).
CHANCE_ACCURACY = {"mmlu": 0.25, "hellaswag": 0.25, "arc_challenge": 0.25, "arc_easy": 0.25, "piqa": 0.5,
                   "csqa": 0.2, "socialiqa": 1.0 / 3.0, "openbookqa": 0.25}

#: Chance accuracy of Gadre et al. 2024's 17-task average (arXiv:2403.08540, §3.4): the mean of the random baselines
#: Table 5 lists for the 17 tasks: 0.25 for ARC-Easy, BIG-bench Novel Concepts, Commonsense QA and both HellaSwags;
#: 0.50 for BoolQ, COPA, PIQA and WinoGrand; 0.00 for the six language-modelling tasks (BIG-bench CS algorithms,
#: Dyck languages, Operators, QA WikiData; CoQA, LAMBADA, PubMed QA, SQuAD): (5·0.25 + 4·0.50)/17.
GADRE_17_TASK_CHANCE = (5 * 0.25 + 4 * 0.50) / 17
#: The 17 tasks of that average, as the LLM-foundry evaluation names them in the authors' results
#: (mlfoundations/scaling, exp_data/evals; the paper's §3.4 list, "hellaswag" being HellaSwag 10-shot).
GADRE_17_TASKS = ("arc_easy", "bigbench_cs_algorithms", "bigbench_dyck_languages", "bigbench_novel_concepts",
                  "bigbench_operators", "bigbench_qa_wikidata", "boolq", "commonsense_qa", "copa", "coqa",
                  "hellaswag_zeroshot", "hellaswag", "lambada_openai", "piqa", "pubmed_qa_labeled", "squad",
                  "winograd")

#: MMLU's four categories weighted by their share of its 14,042 test questions (STEM 3,018, humanities 4,705, social
#: sciences 3,077, other 3,242; Hendrycks et al. 2021), as Bhagia et al. 2024 average them (their repository
#: allenai/OLMo-ladder, src/scaling/utils.py, WEIGHT_BY_KEY).
MMLU_CATEGORY_WEIGHTS = {"stem": 0.215, "humanities": 0.335, "social_sciences": 0.219, "other": 0.231}

#: Bhagia et al. 2024 §3.1: step 1 is fitted on each ladder run's task loss averaged over its last 5 checkpoints.
LADDER_FINAL_CHECKPOINTS = 5
#: What step 1 of a task fit is fitted on (planner.fitting.task_points): each run's final task loss (Bhagia et al.
#: 2024 §3.1), every checkpoint as an (N, D) point, or auto: checkpoints where every run ends at one token count
#: (within SAME_SIZE_RTOL), whose final losses alone leave B, β and E unidentified, else final.
TASK_STEP1_POINTS = ("auto", "final", "checkpoints")
#: Bhagia et al. 2024 §3.2: step 2 is fitted on every checkpoint after a moving average of window 5 on task loss and
#: accuracy, with the first 10% of each run's checkpoints dropped (first, as Table 5's coefficients show) and one
#: extra point (L = 0, Acc = 1) added.
STEP2_WINDOW = 5
STEP2_SKIP_FRACTION = 0.1
STEP2_ANCHOR = (0.0, 1.0)
#: Bounds of the sigmoid's (a, L0, k, b) in step 2's least squares (Bhagia et al. 2024, App. A: a ∈ [−1, 0],
#: b ∈ [0, 1]; L0 and k ≥ 0).
SIGMOID_BOUNDS = ((-1.0, 0.0, 0.0, 0.0), (0.0, float("inf"), float("inf"), 1.0))
#: planner's grid of starts for the sigmoid (a, L0, k, b): 3·5·4·3 = 180 starts, the best kept. One start can stall
#: in a worse local minimum (the issue that asked for this grid reports it for MMLU).
SIGMOID_GRID = {"a": (-0.2, -0.5, -0.8), "L0": (0.3, 0.6, 0.9, 1.2, 1.5), "k": (1.0, 3.0, 6.0, 12.0),
                "b": (0.6, 0.8, 1.0)}
#: planner's grid of starts for Gadre et al. 2024's Eq. 4, L = E + (a·M^η + b·M^−η)·C^−η, fitted by
#: Levenberg–Marquardt as their §3.3 does (SciPy's curve_fit; they publish no starts): 3·3·3·4 = 108.
TIED_LOSS_GRID = {"E": (1.0, 1.5, 2.0), "a": (10.0, 100.0, 1000.0), "b": (10.0, 100.0, 1000.0),
                  "eta": (0.1, 0.2, 0.3, 0.5)}
#: planner's grid of starts for Gadre et al. 2024's Eq. 5, Err = ε − k·exp(−γL): 3·3·3 = 27.
EXPONENTIAL_ERROR_GRID = {"epsilon": (0.5, 0.8, 1.0), "k": (1.0, 2.0, 5.0), "gamma": (0.3, 0.7, 1.0)}

#: planner's threshold, not a paper's: a task whose accuracy is within 5 points of chance has not "emerged" (Wei et
#: al. 2022, arXiv:2206.07682): its step 2 is fitted on near-random points and extrapolates poorly.
EMERGENCE_MARGIN = 0.05
