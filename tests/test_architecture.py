"""The layout of planner/ is its architecture: each folder is a layer and imports point one way (cli → plots → report
→ files → core → laws → base), no module imports upward, there are no import cycles, and nothing below files opens a
file.

Every ``import`` and ``from ... import`` in planner/ (at module level or inside a function) is read from the source
with :mod:`ast`, so a late import cannot hide an upward dependency. At run time, the law's path through the layers
for a few ``plan`` commands is bounded (tests/law_path.py).
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "planner"

#: Each folder of planner/ is a layer, lowest first; a module may import from its own layer or below. The first entry
#: that is a prefix of the module's dotted name (relative to planner) decides. compute, planning and fitting are one
#: layer, the core.
LAYERS = [
    ("base", ("base",)),
    ("laws", ("laws",)),
    ("core", ("compute", "planning", "fitting")),
    ("files", ("files",)),
    ("report", ("report",)),
    ("plots", ("plots",)),
    ("cli", ("cli", "__main__")),
    ("api", ("__init__",)),
]
RANK = {name: i for i, (name, _) in enumerate(LAYERS)}


def modules() -> dict[str, Path]:
    """Dotted name (relative to planner, '' parts joined by '.') → source file."""
    out = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" and len(rel.parts) > 1 else rel.parts
        out[".".join(parts)] = path
    return out


MODULES = modules()


def layer(module: str) -> str:
    for name, prefixes in LAYERS:
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return name
    raise AssertionError(f"planner.{module} has no layer in tests/test_architecture.py: add it to LAYERS")


def imports(module: str) -> set[str]:
    """The planner modules ``module`` imports (resolved to entries of MODULES)."""
    path = MODULES[module]
    is_package = path.name == "__init__.py"
    here = module.split(".") if module else []
    package = here if is_package else here[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
                target = base + (node.module.split(".") if node.module else [])
            elif node.module and node.module.split(".")[0] == "planner":
                target = node.module.split(".")[1:]
            else:
                continue
            names = [".".join(target + [a.name]) for a in node.names]
            for name in names + [".".join(target)]:
                if name in MODULES and name != module:
                    found.add(name)
                    break
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == "planner":
                    name = ".".join(a.name.split(".")[1:])
                    if name in MODULES and name != module:
                        found.add(name)
    return found


GRAPH = {m: imports(m) for m in MODULES}


def test_every_module_has_a_layer():
    for module in MODULES:
        layer(module)


def test_every_module_lives_in_the_folder_of_its_layer():
    """Only the package's own __init__ and __main__ sit at the top of planner/; everything else is in a layer's
    folder."""
    loose = sorted(p.name for p in PACKAGE.glob("*.py") if p.name not in ("__init__.py", "__main__.py"))
    assert loose == [], f"modules outside a layer folder: {loose}; move each into the folder of its layer"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m))
def test_no_module_imports_upward(module):
    for target in GRAPH[module]:
        if layer(target) == "api":
            continue   # the package's __version__ (the writer of law files and --version print it)
        assert RANK[layer(target)] <= RANK[layer(module)], \
            f"planner.{module} ({layer(module)}) imports planner.{target} ({layer(target)})"


def test_there_are_no_import_cycles():
    """Depth-first search over every import (late ones included) finds no cycle between modules."""
    state, stack = {}, []

    def visit(m):
        state[m] = "open"
        stack.append(m)
        for t in sorted(GRAPH[m]):
            if t in ("",):
                continue
            if state.get(t) == "open":
                cycle = stack[stack.index(t):] + [t]
                raise AssertionError("import cycle: " + " → ".join(f"planner.{c}" for c in cycle))
            if t not in state:
                visit(t)
        stack.pop()
        state[m] = "done"

    for m in sorted(MODULES):
        if m and m not in state:
            visit(m)


CORE = [m for m in MODULES if m and layer(m) in ("base", "laws", "core")]


@pytest.mark.parametrize("module", sorted(CORE))
def test_the_core_opens_no_file(module):
    """The base, the laws and the core take values and laws: no open(), no file reading, no preset loading, no
    printing. (The readers of law files, presets, runs and ladders are in planner.files.)"""
    source = MODULES[module].read_text()
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
            assert name not in ("open", "print", "read_text", "read_bytes", "write_text", "load_preset",
                                "load_law_file", "read_runs"), f"planner.{module} calls {name}()"
    for target in GRAPH[module]:
        assert layer(target) != "files", f"planner.{module} imports planner.{target}"


# ---------------------------------------------------------------------------------------------------------------------
# Nothing outside planner/laws asks a law which family it is: it asks the law the question
# (planner.laws.questions), and the family answers or refuses.

#: The law families and laws of planner.laws, by class name.
FAMILY_CLASSES = {"ParametricLaw", "KaplanLaw", "BusbridgeLaw", "FineGrainedMoE", "AllocationRule", "RepeatedData",
                  "EnvelopeLaw", "SigmoidAccuracy", "ExponentialError"}
#: Names that used to branch on a family, gone for good.
FAMILY_BRANCHES = {"require_dense", "model_of", "loss_model"}
#: Attributes that name a family (or a kind of family) rather than ask a question.
FAMILY_ATTRIBUTES = {"routed", "moe", "form"}
#: The reader of law files builds the family a file's form names (and refuses tables a form does not take); the
#: writer writes the form a fit was asked for, and the table that form takes.
READS_FORMS = ("files.lawfile", "files.lawwriter")
#: Where a form string is a choice, not a question asked of a law: a fit is asked for a form. (The fit engine's forms
#: are left to the FitResult rework of issue 20.)
CHOOSES_A_FORM = ("fitting", "report.fit", "cli.plot", "cli.fit")


def _asks_a_family(source: str, module: str) -> list[str]:
    tree = ast.parse(source)
    found = []
    for node in ast.walk(tree):
        where = f"planner.{module}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Name) and node.id in FAMILY_BRANCHES:
            found.append(f"{where} uses {node.id}")
        elif isinstance(node, ast.alias) and node.name in FAMILY_BRANCHES:
            found.append(f"{where} imports {node.name}")
        elif isinstance(node, ast.Attribute) and node.attr == "routed":
            found.append(f"{where} reads .routed")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id in ("getattr", "hasattr") and len(node.args) >= 2 and \
                    isinstance(node.args[1], ast.Constant) and node.args[1].value in FAMILY_ATTRIBUTES:
                found.append(f"{where} calls {node.func.id}(…, {node.args[1].value!r})")
            if node.func.id in ("isinstance", "issubclass") and len(node.args) == 2:
                names = {n.id if isinstance(n, ast.Name) else n.attr if isinstance(n, ast.Attribute) else ""
                         for n in ast.walk(node.args[1])}
                if names & FAMILY_CLASSES:
                    found.append(f"{where} calls {node.func.id} on {sorted(names & FAMILY_CLASSES)}")
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            named = any((isinstance(s, ast.Attribute) and s.attr == "form") or (isinstance(s, ast.Name) and
                        s.id == "form") for s in sides)
            if named and any(isinstance(s, ast.Constant) and isinstance(s.value, str) for s in sides):
                found.append(f"{where} compares a form with a string")
    return found


OUTSIDE_LAWS = sorted(m for m in MODULES if m and layer(m) != "laws")


@pytest.mark.parametrize("module", OUTSIDE_LAWS)
def test_nothing_outside_laws_asks_a_law_its_family(module):
    if module in READS_FORMS:
        return
    found = _asks_a_family(MODULES[module].read_text(), module)
    if any(module == m or module.startswith(m + ".") for m in CHOOSES_A_FORM):
        found = [f for f in found if "compares a form" not in f]
    assert not found, "; ".join(found) + ": ask the law the question (planner.laws.questions) instead"


def test_the_family_check_finds_what_it_forbids():
    """The check above is not vacuous: each pattern it forbids, written out, is found."""
    import textwrap

    source = textwrap.dedent('''
        from planner.planning.plan import require_dense
        require_dense(law, "a question")
        if getattr(model, "routed", False) or law.routed: pass
        if isinstance(m, KaplanLaw): pass
        if law.form == "parametric": pass
    ''')
    found = _asks_a_family(source, "probe")
    assert len(found) == 6, found   # import, call of require_dense, getattr(…, 'routed'), .routed, isinstance, form


CORE_PACKAGES = sorted(m for m in MODULES if m.split(".")[0] in ("laws", "compute", "planning", "fitting"))


@pytest.mark.parametrize("module", CORE_PACKAGES)
def test_the_laws_and_the_planning_core_name_no_command_line_flag(module):
    """Errors and warnings of laws/, compute/, planning/ and fitting/ speak of arguments and values; the command line
    words them with its flags through one table (planner.cli.errors). No string of these modules but a docstring
    names a flag."""
    import re

    tree = ast.parse(MODULES[module].read_text())
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    flags = [(node.lineno, node.value) for node in ast.walk(tree)
             if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
             and re.search(r"(^|[\s(])--[a-z]", node.value)]
    assert not flags, f"planner.{module} names command-line flags: {flags}"


#: The longest a module of planner/ may be (HOUSE_STYLE: small modules, one concept each).
MAX_MODULE_LINES = 400


@pytest.mark.parametrize("module", sorted(MODULES, key=str))
def test_no_module_is_over_400_lines(module):
    """Every module of planner/, with no exemption: one that grows past the limit packs several concepts; split it."""
    n = len(MODULES[module].read_text().splitlines())
    assert n <= MAX_MODULE_LINES, f"planner.{module or '__init__'} has {n} lines (at most {MAX_MODULE_LINES}): split it"


#: Private names imported across modules: none may be (an entry here needs a reason and a date to go).
PENDING_PRIVATE: set[tuple[str, str, str]] = set()


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m))
def test_no_module_imports_another_modules_private_names(module):
    """A name with a leading underscore is its module's own: another module that needs it needs it public, in its
    right home (``from .lawfile import _toml`` was how presets reached the TOML parser)."""
    path = MODULES[module]
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
            target = ".".join(base + (node.module.split(".") if node.module else []))
        elif node.module and node.module.split(".")[0] == "planner":
            target = ".".join(node.module.split(".")[1:])
        else:
            continue
        for alias in node.names:
            if target == "" and alias.name == "_presets":
                continue   # planner._presets: the package of the shipped TOML files, not a name of a module
            private = alias.name.startswith("_") and not alias.name.startswith("__")
            if private and (module, target, alias.name) not in PENDING_PRIVATE:
                raise AssertionError(f"planner.{module} imports the private name {alias.name} from planner.{target}")


#: Imports a function may make without a word: the numerical and plotting libraries, which the plan --flops path
#: never loads.
HEAVY_LIBRARIES = ("numpy", "scipy", "matplotlib")

#: The folders whose function-local imports have been reviewed: each is either a heavy library or says why.
REVIEWED_LOCAL_IMPORTS = ("base", "laws", "compute", "planning", "fitting", "files", "report", "plots", "cli")


#: A module whose late imports all have one reason says it once, in a top-level comment starting with this.
MODULE_REASON = "# Late imports: "


def local_imports_without_reason(source: str) -> list[tuple[int, str]]:
    """(line, text) of each import inside a function that is neither of a heavy library nor explained by a comment
    on its line or above its block of imports (a cycle it breaks, the fast path it stays off), in a module that does
    not give one reason for all of them (:data:`MODULE_REASON`)."""
    lines = source.splitlines()
    if any(line.startswith(MODULE_REASON) and len(line) > len(MODULE_REASON) + 10 for line in lines):
        return []
    tree = ast.parse(source)
    import_lines = {n for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
                    for n in range(node.lineno - 1, (node.end_lineno or node.lineno))}   # 0-based, continuations too
    found = set()
    for fn in ast.walk(tree):
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(fn):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            relative = isinstance(node, ast.ImportFrom) and node.level > 0
            if not relative and all(name.split(".")[0] in HEAVY_LIBRARIES for name in names):
                continue
            if "#" in lines[node.lineno - 1]:
                continue
            above = node.lineno - 2       # up over the block of imports (and blank lines between them) it is part of
            while above >= 0 and (lines[above].strip() == "" or above in import_lines):
                above -= 1
            if above < 0 or not lines[above].strip().startswith("#"):
                found.add((node.lineno, lines[node.lineno - 1].strip()))
    return sorted(found)


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.split(".")[0] in REVIEWED_LOCAL_IMPORTS))
def test_a_function_local_import_says_why(module):
    """An import inside a function hides a dependency from the reader and from the cycle check above; it is worth
    it only to keep a module off the plan --flops path or to break a cycle, and then a comment says so."""
    assert not local_imports_without_reason(MODULES[module].read_text()), \
        f"planner.{module}: move these imports to the top, or say why they are local"


def test_the_local_import_check_finds_what_it_forbids():
    source = ("def f():\n    import numpy as np\n    from .law import short_citation\n"
              "    # off the plan --flops path\n    from .solve import argmin_log\n    from .frontier import Frontier\n\n"
              "    import json  # json output only\n    x = 1\n    from .late import y\n")
    assert local_imports_without_reason(source) == [(3, "from .law import short_citation"), (10, "from .late import y")]
    assert local_imports_without_reason(MODULE_REASON + "each command's own machinery, loaded when it runs\n"
                                        + source) == []
    assert local_imports_without_reason(MODULE_REASON + "\n" + source), "a marker without its reason says nothing"


def stdlib_dataclasses(source: str) -> list[str]:
    """The classes in ``source`` decorated with the stdlib's ``dataclass`` (bare, called, or as
    ``dataclasses.dataclass``)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ClassDef):
            for decorator in node.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
                if name == "dataclass":
                    found.append(node.name)
    return found


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m != "base.records"))
def test_every_value_type_is_a_record(module):
    """planner's frozen dataclasses are records (planner.base.records): the same protocol, without compiling methods
    for every class when its module loads."""
    assert not stdlib_dataclasses(MODULES[module].read_text()), \
        f"planner.{module}: declare these with @record (planner.base.records), not @dataclass"


def test_the_dataclass_check_finds_what_it_forbids():
    source = ("@dataclass(frozen=True)\nclass A:\n    x: int\n\n@dataclasses.dataclass\nclass B:\n    y: int\n\n"
              "@record\nclass C(Record):\n    z: int\n")
    assert stdlib_dataclasses(source) == ["A", "B"]


#: (plan's arguments, the most times the law may climb back up a layer) from report/answers.plan on
#: (tests/law_path.py counts them; issue 20 counted 30 climbs for the constrained plan before the families answered
#: for themselves). The counts when they were last lowered: lower one when a change shortens its path; raise one
#: only with the reason in the commit.
LAW_PATHS = [
    (["--flops", "1e21"], 12),
    (["--flops", "1e21", "--unique-tokens", "1e11", "--max-params", "5e9"], 14),
    (["--flops", "1e21", "--params", "7B"], 19),
    (["--target-loss", "2.1"], 13),
    (["--flops", "1e23", "--ci", "80"], 17),
]


@pytest.mark.parametrize("args, most_climbs", LAW_PATHS, ids=[" ".join(a) for a, _ in LAW_PATHS])
def test_the_law_stays_below_the_files_and_climbs_no_more_than_it_did(args, most_climbs):
    """A law handed to the answer goes down to the families and back to the report, never into the files, figures or
    command line, and a change that sends it back up the layers more often than before is caught."""
    from .law_path import law_path, layer_of

    path = law_path(args)
    assert len(path.calls) > 10, "the law's calls were not seen: tests/law_path.py no longer matches the code"
    assert {layer_of(m) for m in path.modules} <= {"laws", "core", "report"}, sorted(path.modules)
    assert path.climbs <= most_climbs, \
        f"plan {' '.join(args)}: the law climbs back up {path.climbs} times (at most {most_climbs}): " + \
        " → ".join(s.removeprefix("planner.") for s in path.stays)
