"""planner.files.taskfile's task-law format (form = "tasks"): every table validated at load, one line naming the key, the
table and the file (with the closest key where one is misspelt); written files read back unchanged."""

import pytest

from planner.base.errors import LawFileError, PresetError
from planner.files.taskfile import load_task_law_file, parse_task_law_text
from planner.files.taskwriter import task_law_file_text

VALID = {
    "head": 'id = "mine"\ntitle = "My tasks"\nform = "tasks"\naliases = ["mt"]\nnotes = ["n"]',
    "citation": '[citation]\nauthors = "Me"\nyear = 2025\ntitle = "My ladder"',
    "conventions": '[conventions]\nparameters = "non-embedding"\nflops_per_param_token = 6.0',
    "task": '[tasks.mmlu]\nname = "MMLU"\nmetric = "accuracy"\nchance = 0.25\ntask_loss = "bpb"',
    "step1": "step1 = { E = 0.45, A = 38.07, B = 100.09, alpha = 0.23, beta = 0.24 }",
    "step2": 'step2 = { form = "sigmoid", a = -0.74, b = 1.0, k = 4.83, L0 = 0.62 }',
    "range": "fitted_range = { n_params = [1.9e8, 1.3e9], flops = [4e18, 2e21], task_loss = [0.9, 2.7] }",
    "unc": "[tasks.mmlu.uncertainty]\nmethod = \"bootstrap\"\nseed = 1\n"
           "samples = [[0.45, 38.0, 100.0, 0.23, 0.24, -0.74, 1.0, 4.83, 0.62],"
           " [0.46, 39.0, 101.0, 0.231, 0.241, -0.75, 1.0, 4.9, 0.61]]",
}


def text(**changes):
    parts = dict(VALID, **changes)
    return "\n".join(v for v in parts.values() if v is not None) + "\n"


def test_a_valid_file_loads_and_round_trips():
    laws = parse_task_law_text(text(), "mine.toml")
    t = laws.task("mmlu")
    assert laws.aliases == ("mt",) and laws.parameters == "non-embedding" and t.name == "MMLU"
    assert t.loss_law.A == 38.07 and t.accuracy_law.L0 == 0.62 and len(t.samples) == 2
    assert t.sample_names == ("E", "A", "B", "alpha", "beta", "a", "b", "k", "L0")
    again = parse_task_law_text(task_law_file_text(laws), "mine.toml")
    assert again == laws


@pytest.mark.parametrize("changes, message", [
    ({"head": 'idd = "mine"\ntitle = "x"\nform = "tasks"'}, "unknown key 'idd' in the top level of bad.toml; did you "
                                                           "mean 'id'?"),
    ({"head": 'id = "mine"\ntitle = "x"\nform = "task"'}, "'form' must be 'tasks' in a task-law file (got 'task')"),
    ({"citation": '[citation]\nauthors = "Me"\ntitle = "t"'}, "missing key 'year' in [citation] of bad.toml"),
    ({"task": '[tasks.mmlu]\nmetrc = "accuracy"\nchance = 0.25'},
     "unknown key 'metrc' in [tasks.mmlu] of bad.toml; did you mean 'metric'?"),
    ({"task": '[tasks.mmlu]\nmetric = "acc"\nchance = 0.25'}, "'metric' must be one of 'accuracy', 'top-1 error'"),
    ({"task": '[tasks.mmlu]\nmetric = "accuracy"\nchance = 1.2'}, "'chance' must be an accuracy from 0 to below 1"),
    ({"task": '[tasks.MMLU]\nmetric = "accuracy"\nchance = 0.25', "unc": None}, "task ids are lower case"),
    ({"step1": "step1 = { E = 0.45, A = 38.07, B = 100.09, alpah = 0.23, beta = 0.24 }"},
     "unknown coefficient 'alpah' in step1 of [tasks.mmlu] of bad.toml; did you mean 'alpha'?"),
    ({"step1": "step1 = { E = 0.45, A = 38.07, B = 100.09, beta = 0.24 }"}, "missing coefficient 'alpha' in step1"),
    ({"step1": "step1 = { E = 0.45, A = -38.07, B = 100.09, alpha = 0.23, beta = 0.24 }"}, "'A' must be > 0"),
    ({"step2": 'step2 = { form = "sigmod", a = -0.74, b = 1.0, k = 4.83, L0 = 0.62 }'},
     "'form' must be one of 'sigmoid', 'exponential' (got 'sigmod') in step2 of [tasks.mmlu]"),
    ({"step2": 'step2 = { form = "sigmoid", a = -0.74, b = 1.0, kk = 4.83, L0 = 0.62 }'},
     "unknown key 'kk' in step2 of [tasks.mmlu] of bad.toml; did you mean 'k'?"),
    ({"step2": 'step2 = { form = "sigmoid", a = 0.74, b = 1.0, k = 4.83, L0 = 0.62 }'}, "'a' must be from -1 to below 0"),
    ({"step2": 'step2 = { form = "sigmoid", a = -0.74, b = 1.2, k = 4.83, L0 = 0.62 }'}, "'b' must be above 0 and at "
                                                                                          "most 1"),
    ({"step2": 'step2 = { form = "sigmoid", a = -0.74, b = 1.0, k = 0, L0 = 0.62 }'}, "'k' must be > 0"),
    ({"step2": 'step2 = { form = "exponential", epsilon = 0.8, k = 2.0, gamma = 0.7 }', "unc": None},
     "step 2 of form 'exponential' predicts top-1 error, but 'metric' is 'accuracy'"),
    ({"range": "fitted_range = { n_param = [1.0, 2.0] }"}, "unknown key 'n_param' in fitted_range of [tasks.mmlu] of "
                                                           "bad.toml; did you mean 'n_params'?"),
    ({"range": "fitted_range = { n_params = [2.0, 1.0] }"}, "'n_params' must be [low, high] with 0 < low <= high"),
    ({"unc": "[tasks.mmlu.uncertainty]\nsamples = [[1.0, 2.0]]"}, "'samples' must be a list of rows of 9 finite "
                                                                   "numbers in uncertainty of [tasks.mmlu]"),
    ({"unc": "[tasks.mmlu.uncertainty]\nsample_names = ['E', 'q']\nsamples = [[1.0, 2.0], [1.0, 2.0]]"},
     "'sample_names' must name distinct coefficients of the two steps"),
    ({"unc": "[tasks.mmlu.uncertainty]\nseeds = 3"}, "unknown key 'seeds' in uncertainty of [tasks.mmlu] of bad.toml; "
                                                     "did you mean 'seed'?"),
])
def test_bad_files_name_the_problem_and_the_file(changes, message):
    with pytest.raises(PresetError) as e:
        parse_task_law_text(text(**changes), "bad.toml")
    assert message in str(e.value) and "\n" not in str(e.value)


def test_no_tasks_and_not_toml(tmp_path):
    with pytest.raises(PresetError, match=r"missing key 'tasks' in bad.toml"):
        parse_task_law_text(text(task=None, step1=None, step2=None, range=None, unc=None), "bad.toml")
    p = tmp_path / "x.toml"
    p.write_text("id = \n")
    with pytest.raises(LawFileError, match="is not valid TOML"):
        load_task_law_file(str(p))
    with pytest.raises(LawFileError, match="not found"):
        load_task_law_file(str(tmp_path / "none.toml"))
