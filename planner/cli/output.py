"""Output: results on stdout, warnings on stderr, one line each; --format and -o FILE with --force (a report or a
document written atomically, never over a file without --force); what a fitted law's file and a bootstrap add."""

from __future__ import annotations

import dataclasses
import time
from typing import Callable

import click
from rich.console import Console

from ..base.errors import PlannerError
from ..base.hints import command as suggest
from ..files.lawfile import parse_law_text
from ..report import caveats, render
from ..report.render import FORMATS
from .group import one_line
from .streams import terminal_width, write_results
from .types import noted_warnings, option

__all__ = ["format_option", "quiet_option", "output_options", "warn", "show", "show_document", "emit",
           "output_format", "command_line", "pending_file", "pending_law_file", "PendingFile", "wrote",
           "SUFFIX_FORMATS", "FILE_WIDTH", "Progress",
           "PROGRESS_DELAY", "written_law_id"]


def format_option(f=None, *, document: str | None = None, default: str | None = None, file_option: bool = True):
    """--format: every renderer's format (:data:`planner.report.render.FORMATS`), and with it -o/--output FILE and --force
    (:func:`output_options`), so every command that prints a report can write it to a file. A command whose output is
    a document in a format of its own (a law file, BibTeX) takes ``document`` too, as its default unless ``default``
    says otherwise; one whose -o means something else (plan fit's law file) takes ``file_option=False``."""
    choices = ((document,) if document else ()) + FORMATS
    decorator = option("--format", "fmt", type=click.Choice(choices), default=default or choices[0], show_default=True,
                       help="Output format [with -o FILE: from FILE's suffix].")

    def decorate(f):
        f = quiet_option(decorator(f))
        return output_options(f, document) if file_option else f

    return decorate(f) if f is not None else decorate


_QUIET = "planner.quiet"  # key of ctx.meta: --quiet was given


def quiet_option(f):
    """-q/--quiet, recorded for :func:`show` (not passed to the command): the table and the warnings that can change
    a decision, without footers (:func:`planner.report.caveats.quiet`)."""
    def remember(ctx, param, value):
        ctx.meta[_QUIET] = ctx.meta.get(_QUIET, False) or value
        return value

    quiet = option("-q", "--quiet", is_flag=True, expose_value=False, callback=remember,
                   help="Only the table and the warnings that can change a decision (an extrapolation beyond a law's "
                        "fitted range, a run far from the optimum, a constraint or target out of reach, an optimum "
                        "at the edge of its search): no footers. JSON and CSV keep their data and JSON every warning.")
    return quiet(f)


def _quiet() -> bool:
    ctx = click.get_current_context(silent=True)
    return bool(ctx is not None and ctx.meta.get(_QUIET))


def warn(messages) -> None:
    """Warnings go to stderr, one line each, so stdout stays parseable."""
    for message in dict.fromkeys(messages):
        click.echo(f"Warning: {one_line(message)}", err=True)


def show_document(fmt: str, document: str, source, report) -> None:
    """A command whose output may be a document of its own (``document``, e.g. toml): ``source()``'s text as it is
    for that format, else the report ``report()`` builds, in ``fmt``; on stdout or in the file of -o."""
    if output_format(fmt) == document:
        # a document built from a file's text (BibTeX of its citation) enters here as a report enters render():
        # its control characters escaped (lines and tabs kept)
        from ..base.text import printable

        emit(printable(source(), keep="\n\t"))
    else:
        show(report(), fmt)


def show(report, fmt: str) -> None:
    """A :class:`~planner.report.types.Report`: its warnings on stderr (folded, and with --quiet only the decisive
    ones, the report without footers), then the report on stdout in ``fmt``
    (through :func:`planner.cli.streams.write_results`, so a stream that cannot take it is one error line), or in
    the file of -o (the format from its suffix unless --format was given; its warnings listed in it as caveats)."""
    fmt = output_format(fmt)
    noted = noted_warnings(click.get_current_context(silent=True))
    if noted:   # what the options' values warned about (a bootstrap of few resamples): in every format

        report = dataclasses.replace(report, warnings=tuple(noted) + tuple(report.warnings))
    warn(caveats.shown(report, quiet=_quiet()))
    if _quiet() and fmt not in ("json", "csv"):  # machine formats keep their data (and JSON every warning)
        report = caveats.quiet(report)
    if _output_file() is not None:
        emit(render.render_report(report, fmt, width=FILE_WIDTH))
    elif fmt == "table":
        write_results(lambda: render.print_table(report, Console(width=terminal_width(), emoji=False)))
    else:
        text = render.render(report, fmt)
        write_results(lambda: click.echo(text))


def command_line(ctx: click.Context, skip: tuple[str, ...] = ()) -> str:
    """The command as the user typed it, from what click parsed: every argument and every option given on the
    command line (not defaults), but those named in ``skip``; quoted for a shell. A law file records it so that
    running it again reproduces the file."""
    words = ["plan"] + ctx.command_path.split()[1:]   # the program name, whatever the caller called it
    for param in ctx.command.params:
        if param.name in skip or ctx.get_parameter_source(param.name) is not click.core.ParameterSource.COMMANDLINE:
            continue
        if param.name not in ctx.params:   # an option that only shapes the output (-q): no part of the result
            continue
        value = ctx.params[param.name]
        values = value if getattr(param, "multiple", False) or getattr(param, "nargs", 1) == -1 else [value]
        for v in values:
            if isinstance(param, click.Argument):
                words.append(str(v))
            elif getattr(param, "is_flag", False):
                words.append(max(param.opts, key=len))
            else:
                words.append(max(param.opts, key=len))
                words += [_word(x) for x in v] if isinstance(v, tuple) else [_word(v)]
    from ..base.hints import command  # the record is a command too: it runs as printed

    return command(*words[1:])


def _word(value) -> str:
    """A parsed value as a command-line word: a float as its shortest ``%g`` form when that reads back exactly
    (``6.89e+09``, not ``6890000000.0``)."""
    if isinstance(value, float) and float(f"{value:g}") == value:
        return f"{value:g}"
    return str(value)


# ---------------------------------------------------------------------------------------------------------------------
# -o FILE: a report (or document) written to a file, atomically, never over a file without --force

#: A file's suffix → the format -o writes there when --format is not given.
SUFFIX_FORMATS = {".md": "markdown", ".markdown": "markdown", ".tex": "latex", ".csv": "csv", ".json": "json",
                  ".txt": "table", ".toml": "toml", ".bib": "bibtex"}
#: The width of a terminal table written to a file (there is no terminal to measure).
FILE_WIDTH = 100
_OUTPUT = "planner.output"  # key of ctx.meta: (path, force, document format) of -o


def output_options(f, document: str | None = None):
    """-o/--output FILE and --force, recorded for :func:`show` and :func:`emit` (not passed to the command).

    --force is eager, so -o can refuse an existing file while the options are parsed, before any work."""
    def remember(ctx, param, value):
        if value is not None and value != "-":
            # planner.files.safe imports tempfile and shutil: only -o FILE needs them
            from ..files.safe import check_output

            try:
                check_output(value, ctx.meta.get(_OUTPUT + ".force", False))
            except PlannerError as e:
                raise click.ClickException(str(e)) from None
            ctx.meta[_OUTPUT] = (value, ctx.meta.get(_OUTPUT + ".force", False), document)
        return value

    def force(ctx, param, value):
        ctx.meta[_OUTPUT + ".force"] = ctx.meta.get(_OUTPUT + ".force", False) or value
        return value

    f = option("--force", is_flag=True, is_eager=True, expose_value=False, callback=force,
                     help="Overwrite FILE of -o if it exists.")(f)
    f = option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), metavar="FILE",
                     expose_value=False, callback=remember,
                     help="Write to FILE instead of stdout (.md, .tex, .csv, .json, .txt"
                          + (f", .{_DOCUMENT_SUFFIX[document]}" if document else "") + ": the format, unless "
                          "--format says; atomically, never over a file without --force).")(f)
    return f


_DOCUMENT_SUFFIX = {"toml": "toml", "bibtex": "bib"}


def _output_file():
    ctx = click.get_current_context(silent=True)
    return ctx.meta.get(_OUTPUT) if ctx is not None else None


def output_format(fmt: str) -> str:
    """``fmt``, unless --format was left at its default and -o names a file whose suffix says another format."""
    ctx, target = click.get_current_context(silent=True), _output_file()
    if target is None or ctx is None or \
            ctx.get_parameter_source("fmt") not in (None, click.core.ParameterSource.DEFAULT):
        return fmt
    path, _, document = target
    from pathlib import PurePath   # only -o FILE needs it; pathlib (with urllib, ipaddress) is off plan --flops's path

    suffix = PurePath(path).suffix.lower()
    found = SUFFIX_FORMATS.get(suffix)
    if found in ("toml", "bibtex") and found != document:
        found = None
    if found is None:
        known = ", ".join(s for s, f in SUFFIX_FORMATS.items() if f not in ("toml", "bibtex") or f == document)
        raise click.UsageError(f"cannot tell the format of {path!r} from its suffix {suffix or '(none)'!r}: give "
                               f"--format, or a file ending {known}")
    return found


def emit(text: str) -> None:
    """``text`` on stdout, or in the file of -o: written atomically (:func:`planner.files.safe.write_atomic`), never over
    an existing file without --force; stderr says where it went."""
    target = _output_file()
    if target is None:
        write_results(lambda: click.echo(text, nl=not text.endswith("\n")))
        return
    # tempfile and shutil: only -o FILE needs them
    from ..files.safe import write_atomic

    path, force, _ = target
    write_atomic(path, text if text.endswith("\n") else text + "\n", force)
    click.echo(f"Wrote {path}", err=True)


class PendingFile:
    """A file a command writes after its report: its text already made and read back (:func:`pending_file`), so
    nothing that cannot be written is found out only after the report has been printed."""

    def __init__(self, output: str, force: bool, text: str, then: tuple[str, ...]) -> None:
        self.output, self.force, self.text, self.then = output, force, text, then

    def write(self) -> None:
        """Write the text atomically (never over a file without --force); stderr says where and what next."""
        # tempfile and shutil: only -o FILE needs them
        from ..files.safe import write_atomic

        write_atomic(self.output, self.text, self.force)
        what, *words = self.then
        wrote(self.output, what, *(self.output if w == "{output}" else w for w in words))


def pending_file(output: str | None, force: bool, make: Callable[[], str], parse: Callable[[str, str], object],
                 what: str, then: tuple[str, ...]) -> PendingFile | None:
    """The file of -o (None without it), its text made by ``make`` and parsed back by ``parse(text, output)`` now,
    before the command prints its report: a fit whose file would hold inf, or not load, is one error line (naming
    the value) and no report that claims success. Every writer of fitted laws goes through here. ``then`` is what
    stderr suggests once it is written: what the command does and its words ("{output}" for the file), built by
    :func:`wrote`."""
    if output is None:
        return None
    try:
        text = make()
        parse(text, output)
    except (PlannerError, ValueError) as e:
        raise click.ClickException(f"the fit cannot be written as {what} ({e}); nothing was written to "
                                   f"{output}") from None
    return PendingFile(output, force, text, then)


def pending_law_file(output: str | None, force: bool, fit, boot, *, law_id: str, source: str, command: str,
                     then: tuple[str, ...] = ("plan with it", "--law", "{output}", "--flops", "1e22")
                     ) -> PendingFile | None:
    """:func:`pending_file` for a fitted law (``fit``, its bootstrap ``boot`` or None): a law file that loads."""
    # only plan fit -o writes a law file
    from ..files.lawwriter import law_file_text

    return pending_file(output, force, lambda: law_file_text(fit, boot, law_id=law_id, source=source, command=command),
                        parse_law_text, "a law file", then)


def wrote(output: str, what: str, *words: str) -> None:
    """On stderr: ``output`` was written, and the command that uses it (``what``: "plan with it"), which runs as
    printed (:func:`planner.base.hints.command`)."""

    click.echo(f"Wrote {output}; {what}: {suggest(*words)}", err=True)


# ---------------------------------------------------------------------------------------------------------------------
# progress of long work, on stderr


#: A fit shows a progress bar on stderr once it has run this long (seconds) and stderr is a terminal.
PROGRESS_DELAY = 1.0


class Progress:
    """A rich progress bar on stderr that appears only once the work has taken :data:`PROGRESS_DELAY` seconds, and
    never when stderr is not a terminal (there a transient bar only leaves a stray blank line in the log).
    Call it as ``progress(stage, done, total)``."""

    def __init__(self):
        self.start = time.monotonic()
        self.bar = None
        self.task = None
        self.off = False

    def __call__(self, stage: str, done: float, total: float) -> None:
        if self.off:
            return
        if self.bar is None:
            if time.monotonic() - self.start < PROGRESS_DELAY:
                return
            # rich.progress: only once a long fit has run PROGRESS_DELAY
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            console = Console(stderr=True)
            if not console.is_terminal:
                self.off = True
                return
            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                TimeElapsedColumn(), console=console, transient=True)
            self.bar.start()
            self.task = self.bar.add_task(stage, total=total)
        assert self.task is not None
        self.bar.update(self.task, description=stage, completed=done, total=total)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()


def written_law_id(output: str | None, given: str | None) -> str:
    """The id of a written law: ``given``, else the stem of the file it is written to, else "fitted"."""
    if given:
        return given
    if output is not None:
        from pathlib import PurePath   # only a written law needs it; pathlib is off plan --flops's path

        return PurePath(output).stem or "fitted"
    return "fitted"
