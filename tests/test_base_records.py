"""planner.base.records: a record behaves as the stdlib frozen dataclass declared with the same fields, its oracle.

Each test builds that twin with :func:`dataclasses.make_dataclass` and holds the record to it: construction (values,
defaults, factories, the TypeError of a bad call), signature, equality, hash, repr, frozenness, replace. Hypothesis
draws the classes and the calls; the records planner ships are checked against their twins too.
"""

import copy
import dataclasses
import importlib
import inspect
import pickle
import pkgutil
from dataclasses import MISSING, FrozenInstanceError, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import planner
from planner.base.records import Record, record


def twin_of(cls: type) -> type:
    """The stdlib ``@dataclass(frozen=True)`` with the fields of record ``cls`` (and no hash, if it has none)."""
    specs = []
    for f in dataclasses.fields(cls):
        kw = {"repr": f.repr, "compare": f.compare, "hash": f.hash}
        if f.default is not MISSING:
            kw["default"] = f.default
        if f.default_factory is not MISSING:
            kw["default_factory"] = f.default_factory
        specs.append((f.name, f.type, field(**kw)))
    namespace = {"__hash__": None} if cls.__hash__ is None else {}
    if hasattr(cls, "__post_init__"):
        namespace["__post_init__"] = cls.__post_init__
    return dataclasses.make_dataclass(cls.__qualname__, specs, frozen=True, namespace=namespace)


def outcome(make):
    """What calling ``make()`` gives: the value, or the type of the exception it raised."""
    try:
        return make()
    except Exception as e:   # noqa: BLE001 - the oracle comparison is over any exception
        return type(e)


def values(obj) -> tuple:
    return tuple(getattr(obj, f.name) for f in dataclasses.fields(obj))


# A field: a name, then required / a default / a default factory, and its repr, compare and hash flags.
_KINDS = st.sampled_from(["required", "default", "factory"])
_FIELD = st.tuples(_KINDS, st.booleans(), st.booleans(), st.sampled_from([None, True, False]))


def declare(specs, base=Record, name="Drawn"):
    """A record class and a plain class body for its twin, from drawn field specs."""
    annotations, namespace = {}, {}
    for i, (kind, shown, compared, hashed) in enumerate(specs):
        name_i = f"f{i}"
        annotations[name_i] = int
        kw = {"repr": shown, "compare": compared, "hash": hashed}
        if kind == "default":
            kw["default"] = 10 + i
        elif kind == "factory":
            kw["default_factory"] = list
        namespace[name_i] = field(**kw)
    namespace["__annotations__"] = annotations
    namespace["__qualname__"] = name
    namespace["__module__"] = __name__
    return type(name, (base,), namespace)


@settings(max_examples=300, deadline=None)
@given(specs=st.lists(_FIELD, max_size=5), n_args=st.integers(0, 6),
       keywords=st.lists(st.integers(0, 6), max_size=4), unknown=st.booleans(), data=st.data())
def test_a_record_is_made_as_its_dataclass_twin_is(specs, n_args, keywords, unknown, data):
    """Any fields (in any order: a required field after a default is refused by both) and any call (too many
    positional arguments, a repeated or unknown keyword, a missing one): the same values or the same error."""
    made = outcome(lambda: record(declare(specs)))
    twin = outcome(lambda: twin_of(dataclasses.dataclass(init=False, repr=False, eq=False)(declare(specs))))
    if made is TypeError or twin is TypeError:   # only the field order can make a declaration fail
        assert made is twin is TypeError
        return
    assert isinstance(made, type) and isinstance(twin, type)
    args = list(range(100, 100 + n_args))
    kwargs = {f"f{i}": 200 + i for i in keywords}
    if unknown:
        kwargs["nope"] = 0
    mine, theirs = outcome(lambda: made(*args, **kwargs)), outcome(lambda: twin(*args, **kwargs))
    if isinstance(theirs, type):
        assert mine is theirs is TypeError
        return
    assert values(mine) == values(theirs)
    assert repr(mine) == repr(theirs)
    again_mine, again_theirs = made(*args, **kwargs), twin(*args, **kwargs)
    assert (mine == again_mine) == (theirs == again_theirs)
    assert outcome(lambda: hash(mine)) == outcome(lambda: hash(theirs))
    if dataclasses.fields(made):
        name = data.draw(st.sampled_from([f.name for f in dataclasses.fields(made)]))
        changed_mine, changed_theirs = (dataclasses.replace(x, **{name: -1}) for x in (mine, theirs))
        assert values(changed_mine) == values(changed_theirs)
        assert (mine == changed_mine) == (theirs == changed_theirs)


@given(specs=st.lists(_FIELD, max_size=5).map(lambda s: sorted(s, key=lambda f: f[0] != "required")))
def test_a_record_has_the_signature_of_its_twin(specs):
    made = record(declare(specs))
    assert str(inspect.signature(made)) == str(inspect.signature(twin_of(made)))


def test_a_record_is_frozen_and_its_factories_make_a_fresh_value_each_time():
    @record
    class Point(Record):
        x: int
        tags: list = field(default_factory=list)

    p, q = Point(1), Point(1)
    assert p.tags is not q.tags and p == q
    for attempt in (lambda: setattr(p, "x", 2), lambda: setattr(p, "new", 2), lambda: delattr(p, "x")):
        with pytest.raises(FrozenInstanceError):
            attempt()
    assert p.x == 1 and dataclasses.is_dataclass(Point) and dataclasses.asdict(p) == {"x": 1, "tags": []}
    assert copy.deepcopy(p) == p and copy.copy(p) is not p


def test_a_record_pickles_and_copies():
    from planner import Plan   # a shipped record: a class made inside a test cannot be pickled

    plan = Plan(flops=1e21, n_params=2e9, n_tokens=8e10, tokens_per_param=40.0, loss=2.1)
    for again in (pickle.loads(pickle.dumps(plan)), copy.copy(plan), copy.deepcopy(plan)):
        assert again == plan and again is not plan and values(again) == values(plan)


def test_post_init_runs_after_the_fields_are_set_and_may_set_more():
    @record
    class Span(Record):
        low: float
        high: float

        def __post_init__(self):
            if self.high < self.low:
                raise ValueError("high < low")
            object.__setattr__(self, "width", self.high - self.low)

    assert Span(1.0, 3.0).width == 2.0
    with pytest.raises(ValueError):
        Span(3.0, 1.0)


def test_a_subclass_adds_fields_after_its_parents():
    @record
    class Base(Record):
        a: int
        b: int = 2

    @record
    class Child(Base):
        c: int = 3

    assert values(Child(1, c=5)) == (1, 2, 5) and Child(1) != Base(1)
    assert str(inspect.signature(Child)) == "(a: int, b: int = 2, c: int = 3) -> None"


@pytest.mark.parametrize("declaration, says", [
    ("class Plain:\n    x: int", "must derive from"),
    ("class Own(Record):\n    x: int\n    def __init__(self, x):\n        pass", "__init__"),
    ("class Late(Record):\n    x: int = field(default=1, init=False)", "init=False"),
    ("class Keyword(Record):\n    x: int = field(default=1, kw_only=True)", "kw_only"),
])
def test_record_refuses_what_it_does_not_reproduce(declaration, says):
    namespace = {"Record": Record, "field": field}
    exec(declaration, namespace)   # noqa: S102 - a class body under test
    cls = next(v for k, v in namespace.items() if isinstance(v, type) and k not in ("Record",))
    with pytest.raises(TypeError, match=says):
        record(cls)


def _shipped_records() -> list[type]:
    for info in pkgutil.walk_packages(planner.__path__, "planner."):
        if not info.name.startswith(("planner.plots", "planner.__main__")):
            importlib.import_module(info.name)
    found, stack = [], list(Record.__subclasses__())
    while stack:
        cls = stack.pop()
        if cls.__module__.startswith("planner."):
            found.append(cls)
        stack.extend(cls.__subclasses__())
    return sorted(found, key=lambda c: c.__qualname__)


SHIPPED = _shipped_records()


def test_the_types_plan_makes_on_every_run_are_records():
    names = {cls.__qualname__ for cls in SHIPPED}
    assert {"Law", "Uncertainty", "ParametricLaw", "Plan", "MoEPlan", "Report", "Block", "Column"} <= names


@pytest.mark.parametrize("cls", SHIPPED, ids=[c.__qualname__ for c in SHIPPED])
def test_every_shipped_record_matches_its_twin(cls):
    """Same signature, same values from the same arguments (a distinct object per required field), same hash
    behaviour, and the twin's repr where the record does not write its own."""
    twin = twin_of(cls)
    assert str(inspect.signature(cls)) == str(inspect.signature(twin))
    required = {f.name: object() for f in dataclasses.fields(cls)
                if f.default is MISSING and f.default_factory is MISSING}
    made, theirs = outcome(lambda: cls(**required)), outcome(lambda: twin(**required))
    assert (cls.__hash__ is None) == (twin.__hash__ is None)
    if isinstance(theirs, type):   # a __post_init__ that checks its values refuses these placeholders in both
        assert made is theirs
        return
    assert values(made) == values(theirs)
    if cls.__repr__ is Record.__repr__:
        assert repr(made) == repr(theirs)
