"""Records: frozen dataclasses whose methods are written once, not compiled for every class.

``@dataclass(frozen=True)`` writes the source of an ``__init__``, ``__eq__``, ``__hash__``, ``__repr__``,
``__setattr__`` and ``__delattr__`` for its class and compiles each when the class is made: on Python 3.11, 0.4 to
0.6 ms a class, paid on every run by every class a command imports (eight on ``plan --flops``'s path, which
``bench/bench_cli.py`` times against importing click and rich). planner's value types (laws, plans, fits, reports)
are records instead, every one of them (tests/test_architecture.py).

A record is a dataclass all the same: :func:`record` declares its fields with ``dataclass(init=False, repr=False,
eq=False)``, which compiles nothing, so ``dataclasses.fields``, ``replace``, ``asdict`` and ``astuple`` read it, and
type checkers see a frozen dataclass. :class:`Record` gives it what ``@dataclass(frozen=True)`` would have generated,
written here once over the fields:

- the constructor: arguments by position or keyword in field order, defaults and default factories, then
  ``__post_init__`` if the class has one; the same signature (``inspect.signature``, ``help``, the API docs) and the
  same ``TypeError`` for a missing, unknown or repeated argument;
- equality between records of the same class, over the fields compared (``field(compare=False)`` leaves one out),
  and the hash of those fields (a class whose fields hold dicts says ``__hash__ = None``, as a dataclass's would fail);
- ``Name(field=value, ...)`` as its repr, over the fields shown;
- ``dataclasses.FrozenInstanceError`` on assigning or deleting an attribute (``object.__setattr__`` still works, for
  ``__post_init__``).

``tests/test_base_records.py`` holds every behaviour to a stdlib dataclass declared with the same fields.
"""

import dataclasses
import inspect
from dataclasses import MISSING, FrozenInstanceError, dataclass
from typing import Any, Callable, ClassVar, TypeVar, dataclass_transform

__all__ = ["Record", "record"]

_R = TypeVar("_R", bound="Record")


class _Factory:
    """The default a field with a default factory shows in a signature (as a dataclass's does)."""

    def __repr__(self) -> str:
        return "<factory>"


_FACTORY = _Factory()


class _Signature:
    """``Record.__signature__``: the constructor's signature, made when asked (``inspect.signature`` and Sphinx read
    it from the class), not when the class is."""

    def __get__(self, instance: object, owner: type) -> Any:
        P = inspect.Parameter
        return inspect.Signature(
            [P(f.name, P.POSITIONAL_OR_KEYWORD, annotation=f.type,
               default=_FACTORY if f.default_factory is not MISSING else f.default if f.default is not MISSING
               else P.empty) for f in dataclasses.fields(owner)],
            return_annotation=None)


class Record:
    """The methods every :func:`record` shares (see the module docstring)."""

    __slots__ = ()
    __signature__ = _Signature()
    __dataclass_fields__: ClassVar[dict[str, "dataclasses.Field[Any]"]]   # what makes it a dataclass to mypy

    #: (name, default, default factory) of each field, in order (set by :func:`record`).
    _record_fields: ClassVar[tuple[tuple[str, Any, Any], ...]] = ()
    #: The field names, for the keyword arguments.
    _record_names: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        cls = type(self)
        specs = cls._record_fields
        if len(args) > len(specs):
            raise TypeError(f"{cls.__qualname__}.__init__() takes at most {len(specs) + 1} positional arguments "
                            f"but {len(args) + 1} were given")
        values = dict(zip([name for name, _, _ in specs], args))
        names = cls._record_names
        for name, value in kwargs.items():
            if name not in names:
                raise TypeError(f"{cls.__qualname__}.__init__() got an unexpected keyword argument {name!r}")
            if name in values:
                raise TypeError(f"{cls.__qualname__}.__init__() got multiple values for argument {name!r}")
            values[name] = value
        state = self.__dict__
        missing = []
        for name, default, factory in specs:
            if name in values:
                state[name] = values[name]
            elif factory is not MISSING:
                state[name] = factory()
            elif default is not MISSING:
                state[name] = default
            else:
                missing.append(name)
        if missing:
            quoted = [repr(m) for m in missing]
            listed = (" and ".join(quoted) if len(quoted) < 3 else ", ".join(quoted[:-1]) + ", and " + quoted[-1])
            raise TypeError(f"{cls.__qualname__}.__init__() missing {len(missing)} required positional "
                            f"argument{'s' if len(missing) > 1 else ''}: {listed}")
        post_init: Callable[[], None] | None = getattr(self, "__post_init__", None)
        if post_init is not None:
            post_init()

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        compared = [f.name for f in dataclasses.fields(self) if f.compare]
        return tuple(getattr(self, n) for n in compared) == tuple(getattr(other, n) for n in compared)

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, f.name) for f in dataclasses.fields(self)
                          if (f.compare if f.hash is None else f.hash)))

    def __repr__(self) -> str:
        shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in dataclasses.fields(self) if f.repr)
        return f"{type(self).__qualname__}({shown})"

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field, dataclasses.Field))
def record(cls: type[_R]) -> type[_R]:
    """Make ``cls``, a subclass of :class:`Record`, a frozen dataclass without generating code (the module
    docstring). Use it as ``@dataclass(frozen=True)``; fields are declared the same way, ``init=False`` and
    ``kw_only`` fields excepted."""
    if not issubclass(cls, Record):
        raise TypeError(f"@record: {cls.__qualname__} must derive from planner.base.records.Record")
    for name in ("__init__", "__setattr__", "__delattr__"):
        if name in cls.__dict__:
            raise TypeError(f"@record: {cls.__qualname__} defines {name}, which a record takes from Record")
    dataclass(init=False, repr=False, eq=False)(cls)
    fields = dataclasses.fields(cls)
    defaulted = False
    for f in fields:
        if not f.init or f.kw_only is True:
            raise TypeError(f"@record: {cls.__qualname__}.{f.name} is an init=False or kw_only field, which a "
                            "record does not take; declare it as a plain field")
        has_default = f.default is not MISSING or f.default_factory is not MISSING
        if defaulted and not has_default:   # what dataclass's generated __init__ would refuse
            raise TypeError(f"non-default argument {f.name!r} follows default argument")
        defaulted = defaulted or has_default
    cls._record_fields = tuple((f.name, f.default, f.default_factory) for f in fields)
    cls._record_names = frozenset(f.name for f in fields)
    return cls
