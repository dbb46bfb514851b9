"""planner.base.hints: every command planner suggests (in an error, a footer, after writing a file) runs as printed.

Issue 21: 'plan fit-tasks ladder.csv -o mytasks.json' suggested 'plan ... --tasks mytasks.json', which was refused.
Here a corpus of commands that make suggestions (mistakes, listings, footers, files written, names with a space) runs
while :func:`planner.base.hints.recording` collects each suggestion; each must appear in its command's output as
printed, every 'plan ...' in the outputs must be one of them (no hand-written hint), and each is then run: exit 0.
"""

import re
import shlex

import numpy as np
import pytest
from click.testing import CliRunner

from planner.base.hints import command, recording
from planner.cli import cli
from planner.cli.group import SUBCOMMANDS
from planner.laws import ParametricLaw

#: Wide enough that no footer wraps a suggestion over two lines.
WIDE = {"COLUMNS": "2000"}

#: The law the synthetic isoFLOP runs are drawn from (Besiroglu et al. 2024's refit of Hoffmann Eq. 2, rounded).
TRUTH = ParametricLaw(E=1.82, A=482.0, B=2085.0, alpha=0.348, beta=0.366)


def _isoflop_runs(path):
    """Three isoFLOP sweeps (1e18, 1e19, 1e20 FLOPs), 7 sizes each over a factor 30 around the optimum, D = C/(6N),
    losses from TRUTH with 0.3% deterministic wiggle: a file both the parametric and the isoFLOP fits take."""
    rows = ["n_params,tokens,loss,budget"]
    for C in (1e18, 1e19, 1e20):
        N_opt = (C / 6) ** 0.5 / 10
        for i, N in enumerate(N_opt * np.logspace(-0.75, 0.75, 7)):
            D = C / (6 * N)
            L = float(TRUTH.loss(N, D) * (1 + 0.003 * np.sin(7 * i + C / 1e18)))
            rows.append(f"{float(N)!r},{float(D)!r},{L!r},{C!r}")
    path.write_text("\n".join(rows) + "\n")


#: Commands that suggest others: (args, expected exit code). Files they need are made in the fixture.
CORPUS = [
    (["fit", "runs.csv", "--errors", "asymptotic", "-o", "mylaw.toml"], 0),
    (["fit", "runs.csv", "--errors", "asymptotic", "-o", "my law.toml"], 0),
    (["fit", "runs.csv", "--envelope", "--fix", "E=1.6", "--errors", "asymptotic", "-o", "base.toml"], 0),
    (["fit-tasks", "ladder.csv", "--bootstrap", "0", "-o", "mytasks.json"], 0),
    (["fit-tasks", "ladder.csv", "--bootstrap", "0", "-o", "my tasks.toml"], 0),
    (["fit-hparams", "sweep.csv", "--bootstrap", "0", "-o", "myhp.toml"], 0),
    (["presets"], 0), (["tasks"], 0), (["hparams", "--list"], 0), (["design", "--flops", "1e20"], 0),
    (["compare", "--flops", "1e21"], 0), (["compare", "--flops", "1e21", "--law", "mylaw.toml"], 0),
    (["--flops", "1e21", "--hparams"], 0),
    (["--flops", "1e21", "-p", "nosuch"], 1), (["--flops", "1e21", "-p", ""], 2),
    (["--params", "7B", "--tokens", "4T", "--tasks", "nosuch"], 1), (["--flops", "1e21", "--gpu", "nosuch"], 1),
    (["--flops", "1e21", "--gpus", "8"], 2), (["--task", "mmlu", "--params", "7B", "--tokens", "4T"], 2),
    (["--format", "json"], 2), (["--flops", "1e21", "--hparams", "nosuch"], 1),
    (["--flops", "1e21", "--law", "latin1.toml"], 1), (["--params", "7B", "--tokens", "4T", "--tasks", "latin1.toml"], 1),
    (["hparams", "--params", "7B", "--tokens", "1T", "--hparams", "latin1.toml"], 1),
]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    from .test_fitting_hparams import synthetic
    from .test_fitting_tasks import synthetic_rows, write_ladder

    where = tmp_path_factory.mktemp("hints")
    _isoflop_runs(where / "runs.csv")
    write_ladder(where / "ladder.csv", synthetic_rows(checkpoints=8))
    s = synthetic(step=0.3)
    (where / "sweep.csv").write_text("\n".join(["n_params,tokens,learning_rate,batch_tokens,loss"] + [
        ",".join(repr(float(x)) for x in row)
        for row in zip(s.n_params, s.tokens, s.learning_rate, s.batch_tokens, s.loss)]) + "\n")
    (where / "latin1.toml").write_bytes("title = 'caf\xe9'\n".encode("latin-1"))
    return where


@pytest.fixture(scope="module")
def suggestions(workdir):
    """Each corpus command run in ``workdir`` (in order: later ones read files earlier ones wrote), with what it
    suggested and what it printed."""
    import os

    here = os.getcwd()
    os.chdir(workdir)
    try:
        out = []
        for args, code in CORPUS:
            with recording() as said:
                r = CliRunner(env=WIDE).invoke(cli, args)
            assert r.exit_code == code, (args, r.output)
            out.append((args, [command(*words) for words in said], r.stdout + r.stderr))
        return out
    finally:
        os.chdir(here)


def test_the_corpus_makes_suggestions_of_every_kind(suggestions):
    said = [s for _, made, _ in suggestions for s in made]
    assert len(said) >= len(CORPUS)
    assert "plan --params 7B --tokens 4T --tasks mytasks.json" in said          # the issue's own case
    assert "plan --params 7B --tokens 4T --tasks 'my tasks.toml'" in said      # quoted for the shell
    assert "plan --law 'my law.toml' --flops 1e22" in said


def test_every_suggestion_is_printed_as_made_and_nothing_else_names_a_command(suggestions, workdir):
    """Each suggestion appears verbatim in its command's output (or, the command line a fitted file records, in
    the file), and every 'plan <subcommand or option>' in the outputs is the start of a recorded suggestion: no hint
    is written by hand, where it could drift."""
    starts = re.compile(r"(?<![\w/-])plan (?=-|(?:%s)\b)" % "|".join(map(re.escape, SUBCOMMANDS)))
    written = "".join(p.read_text() for p in workdir.iterdir() if p.suffix in (".toml", ".json") and p.stem != "latin1")
    for args, made, text in suggestions:
        for s in made:
            assert s in text or s.replace("\\", "\\\\") in written or s in written, (args, s)
        for m in starts.finditer(text):
            assert any(text.startswith(s, m.start()) for s in made), (args, text[m.start():m.start() + 80])


def test_every_suggestion_runs_as_printed(suggestions, workdir, monkeypatch):
    monkeypatch.chdir(workdir)
    tried = set()
    for args, made, _ in suggestions:
        for s in made:
            if s in tried:
                continue
            tried.add(s)
            words = shlex.split(s)
            assert words[0] == "plan"
            r = CliRunner(env=WIDE).invoke(cli, words[1:])
            assert r.exit_code == 0, (args, s, r.output)
    assert len(tried) >= 12
