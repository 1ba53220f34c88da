"""Typed models for the configuration: declared fields, validated from YAML data.

The config (:mod:`kpi_xl.config`) is a tree of models declared with this
small layer. It replaces pydantic there: importing pydantic and building the
config's models cost a tenth of a second of every ``kpi-xl`` process, a fifth
of a whole refresh, for what is a few dozen fields checked once.

Declaring a model
-----------------
A model is a subclass of :class:`Model`; its fields are class attributes
made by :func:`field` from a *kind* (the type and its constraints) and a
default. The annotation is for the reader and type checkers only (it is
never evaluated)::

    class Rag(Model):
        tolerance: float = field(number(ge=0), 0.05)
        mode: Literal["relative", "points"] = field(one_of("relative", "points"), "relative")
        labels: Labels = field(model(Labels), factory=Labels)

        @model_check
        def _fraction(self) -> None:
            if self.mode == "relative" and self.tolerance > 1:
                raise ValueError("tolerance: must be between 0 and 1")

Kinds: :func:`text`, :func:`number` (``ge``/``le``), :func:`integer`,
:func:`boolean`, :func:`one_of` (a ``Literal``), :func:`optional` (or None),
:func:`list_of`, :func:`dict_of`, :func:`model` (a nested model),
:func:`anything`, and :func:`after` (a kind followed by checks of one
value). A kind is a function of one value returning the value to keep, or
raising :class:`Invalid`; a check given to :func:`after` or marked
:func:`model_check` raises ``ValueError`` with a one-line message.

The contract
------------
- ``Rag.model_validate(mapping)`` and ``Rag(**values)`` validate: each field
  in the order declared (one not given takes its default, or is "Field
  required"), then every key that is not a field ("unknown key": models
  forbid extra keys), then the model checks, base class first. The first
  problem raises :class:`Invalid` (a ``ValueError``) whose ``path`` is the
  keys and list indexes from the model down to the value and whose
  ``message`` is one line. A model check's error is at the model's path.
- Defaults are not validated. A list or dict default is copied for each
  instance; ``factory`` is called for each (a nested model's default).
- Assigning a field validates the value and runs the model checks again; a
  refused value leaves the old one in place. A name that is not a field
  cannot be assigned (``AttributeError``).
- ``model_copy(update=...)``: a shallow copy with fields replaced, not
  validated (as pydantic's). ``model_dump()``: plain dicts and lists, without
  the fields declared ``exclude=True``. ``==`` compares the class and the
  values; instances are unhashable, iterate as ``(name, value)`` pairs, print
  as ``Rag(tolerance=0.05, mode='relative')`` and pickle (a batch sends the
  config to its worker processes).

Which values are accepted
-------------------------
What pydantic v2 accepted for these types in its lax mode for Python data,
which the config was validated with before (so no council file that was
read is refused now), with pydantic's messages (but for a model that is
not a mapping: pydantic named the model's class, which a council never sees):

- text: a ``str``; ``bytes`` decoded as UTF-8 (YAML's ``!!binary``). Not a
  number: ``council: 872`` is refused ("Input should be a valid string").
- number (a float): ``int``, ``float``, ``bool`` (as 1.0 and 0.0, as pydantic
  did), ``Decimal``/``Fraction``, and text of a number in ASCII (``" 0.1 "``,
  ``"1e3"``, ``"1_000"``). Always finite: ``.inf`` and ``.nan`` (or text of
  them) are refused: a tolerance of infinity would rate everything one
  colour and put "inf" into formulas.
- integer: ``int``, ``bool``, an integral finite float (``2.0``), text of an
  integer in ASCII, optionally with a zero fraction (``" 3 "``, ``"3.00"``).
  Unlike pydantic, an integral float above 2**63 is taken, not refused.
- boolean: ``bool``; 0 and 1 (int or float); text (or bytes) of ``true``,
  ``false``, ``yes``, ``no``, ``on``, ``off``, ``t``, ``f``, ``y``, ``n``,
  ``1`` or ``0`` in any case, without spaces around.
- one_of: exactly one of the given strings (case matters; not a number).
- list_of: a list, tuple, set, frozenset or other iterable that is neither
  text nor a mapping (e.g. a generator); dict_of: any mapping.
- model: a mapping, or an instance of the model's class (kept as it is).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from math import isfinite
from typing import Any, ClassVar

Kind = Callable[[Any], Any]


class Invalid(ValueError):
    """A value refused: ``message`` (one line), at ``path`` (the keys and list
    indexes from the model validated down to the value; empty for the model)."""

    def __init__(self, message: str, path: tuple = ()) -> None:
        super().__init__(message)
        self.message = message
        self.path = path

    def __str__(self) -> str:
        where = " -> ".join(str(p) for p in self.path)
        return f"{where}: {self.message}" if where else self.message


# --- fields and models ---------------------------------------------------------------------------

class _Required:
    def __repr__(self) -> str:
        return "<required>"


_REQUIRED: Any = _Required()  # the default of a field that must be given


class Field:
    """One declared field: its kind and default (see :func:`field`)."""

    __slots__ = ("name", "kind", "default", "factory", "exclude")

    def __init__(self, kind: Kind, default: Any, factory: Callable[[], Any] | None,
                 exclude: bool) -> None:
        self.name = ""  # set by the model's class
        self.kind, self.default, self.factory, self.exclude = kind, default, factory, exclude


def field(kind: Kind, default: Any = _REQUIRED, *, factory: Callable[[], Any] | None = None,
          exclude: bool = False) -> Any:
    """A field of ``kind``; without ``default`` or ``factory`` it must be given.
    ``exclude``: left out of :meth:`Model.model_dump`. Typed ``Any`` so that an
    annotation over it (``tolerance: float = field(...)``) type-checks."""
    if factory is None and isinstance(default, (list, dict, set)):
        factory = default.copy  # each instance its own list: one changed is not all
    return Field(kind, default, factory, exclude)


def model_check(method: Callable[[Any], None]) -> Callable[[Any], None]:
    """Marks a method run on each model validated or assigned to, after its
    fields; it raises ``ValueError`` when the fields do not fit together."""
    method._model_check = True  # type: ignore[attr-defined]
    return method


class Model:
    """Base of a typed model (see the module's docstring)."""

    model_fields: ClassVar[dict[str, Field]] = {}
    _checks: ClassVar[dict[str, Callable[[Any], None]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        fields, checks = dict(cls.model_fields), dict(cls._checks)  # the base class's first
        for name, value in list(vars(cls).items()):
            if isinstance(value, Field):
                value.name = name
                fields[name] = value
                delattr(cls, name)  # an instance always holds its own value
            elif getattr(value, "_model_check", False):
                checks[name] = value
        cls.model_fields, cls._checks = fields, checks

    def __init__(self, **values: Any) -> None:
        _fill(self, values)

    @classmethod
    def model_validate(cls, data: Any) -> Any:
        """An instance made from a mapping of its fields (an instance is kept)."""
        if isinstance(data, cls):
            return data
        if not isinstance(data, Mapping):
            # pydantic named the model's class here, which means nothing to a council
            raise Invalid("Input should be a mapping of keys and values (key: value on lines of their own)")
        made = cls.__new__(cls)
        _fill(made, data)
        return made

    def model_copy(self, *, update: Mapping[str, Any] | None = None) -> Any:
        """A shallow copy, with the fields in ``update`` replaced (not validated)."""
        values = dict(vars(self))
        for name, value in (update or {}).items():
            if name not in self.model_fields:
                raise AttributeError(f"{type(self).__name__} has no field {name!r}")
            values[name] = value
        made = type(self).__new__(type(self))
        vars(made).update(values)
        return made

    def model_dump(self) -> dict[str, Any]:
        """The fields as plain dicts, lists and values (not those declared ``exclude``)."""
        held = vars(self)
        return {name: _dumped(held[name]) for name, f in self.model_fields.items() if not f.exclude}

    def __setattr__(self, name: str, value: Any) -> None:
        declared = self.model_fields.get(name)
        if declared is None:
            raise AttributeError(f"{type(self).__name__} has no field {name!r}")
        new = _valid(declared, value)
        held = vars(self)
        old = held[name]
        held[name] = new
        try:
            _run_checks(self)
        except Invalid:
            held[name] = old
            raise

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        yield from vars(self).items()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Model):
            return NotImplemented
        return type(self) is type(other) and vars(self) == vars(other)

    __hash__ = None  # type: ignore[assignment]  # changeable, so unhashable (as a dict)

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={value!r}" for name, value in vars(self).items())
        return f"{type(self).__name__}({shown})"


def _fill(made: Model, data: Mapping) -> None:
    """Validate ``data`` into ``made``'s fields, then run its checks."""
    declared = made.model_fields
    values = {}
    given = 0
    for name, f in declared.items():
        if name in data:
            given += 1
            values[name] = _valid(f, data[name])
        elif f.factory is not None:
            values[name] = f.factory()
        elif f.default is _REQUIRED:
            raise Invalid("Field required", (name,))
        else:
            values[name] = f.default
    if given != len(data):
        _refuse_unknown_keys(data, declared)
    vars(made).update(values)
    _run_checks(made)


def _valid(f: Field, value: Any) -> Any:
    try:
        return f.kind(value)
    except Invalid as exc:
        exc.path = (f.name, *exc.path)
        raise


def _refuse_unknown_keys(data: Mapping, declared: dict[str, Field]) -> None:
    for key in data:
        if not isinstance(key, str):
            raise Invalid("Keys should be strings", (key,))
        if key not in declared:
            raise Invalid("unknown key", (key,))


def _run_checks(made: Model) -> None:
    for check in made._checks.values():
        try:
            check(made)
        except Invalid:
            raise
        except ValueError as exc:
            raise Invalid(str(exc)) from None


def _dumped(value: Any) -> Any:
    if isinstance(value, Model):
        return value.model_dump()
    if isinstance(value, list):
        return [_dumped(v) for v in value]
    if isinstance(value, dict):
        return {k: _dumped(v) for k, v in value.items()}
    return value


# --- kinds ---------------------------------------------------------------------------------------

def anything() -> Kind:
    """Any value, kept as it is."""
    return _same


def _same(value: Any) -> Any:
    return value


def text() -> Kind:
    """A string (bytes are decoded as UTF-8)."""
    return _text


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray)):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            raise Invalid("Input should be a valid string, unable to parse raw data as a unicode "
                          "string") from None
    raise Invalid("Input should be a valid string")


def number(*, ge: float | None = None, le: float | None = None) -> Kind:
    """A finite float, at least ``ge`` and at most ``le`` when given."""
    def check(value: Any) -> float:
        return _within(_float(value), ge, le)
    return check


def _within(found: Any, ge: Any, le: Any) -> Any:
    """``found``, refused when below ``ge`` or above ``le`` (each when given)."""
    if ge is not None and not found >= ge:
        raise Invalid(f"Input should be greater than or equal to {ge}")
    if le is not None and not found <= le:
        raise Invalid(f"Input should be less than or equal to {le}")
    return found


def _float(value: Any) -> float:
    if isinstance(value, float):
        found = value
    elif isinstance(value, int):  # bool too, as 1.0 and 0.0
        try:
            found = float(value)
        except OverflowError:
            raise Invalid("Input should be a valid number") from None
    elif isinstance(value, (str, bytes, bytearray)):
        found = _parsed_float(value)
    elif _is_real(value):  # Decimal, Fraction
        found = float(value)
    else:
        raise Invalid("Input should be a valid number")
    if not isfinite(found):
        raise Invalid("Input should be a finite number")
    return found


def _parsed_float(value: str | bytes | bytearray) -> float:
    try:
        if not value.isascii():  # float() reads other scripts' digits; a config is ASCII
            raise ValueError
        return float(value)
    except ValueError:
        raise Invalid("Input should be a valid number, unable to parse string as a number") from None


def _is_real(value: Any) -> bool:
    """A real number of another type: a Decimal or Fraction (given from Python
    code; YAML never makes one)."""
    import numbers  # not on the way of a YAML value

    return isinstance(value, numbers.Real) or (
        isinstance(value, numbers.Number) and not isinstance(value, numbers.Complex))  # Decimal


def integer(*, ge: int | None = None, le: int | None = None) -> Kind:
    """An int (an integral float or text of one is taken), within ``ge``/``le``."""
    def check(value: Any) -> int:
        return _within(_int(value), ge, le)
    return check


def _int(value: Any) -> int:
    if isinstance(value, int):
        return int(value)  # a bool as 1 or 0
    if isinstance(value, (str, bytes, bytearray)):
        return _parsed_int(value)
    if isinstance(value, float) or _is_real(value):
        if not isfinite(value):
            raise Invalid("Input should be a finite number")
        if value != int(value):
            raise Invalid("Input should be a valid integer, got a number with a fractional part")
        return int(value)
    raise Invalid("Input should be a valid integer")


def _parsed_int(value: str | bytes | bytearray) -> int:
    try:
        digits = (value.decode() if isinstance(value, (bytes, bytearray)) else value).strip()
        whole, point, fraction = digits.partition(".")
        if not digits.isascii() or (point and (not fraction or fraction.strip("0"))):
            raise ValueError  # "3.00" is 3; "3." and "3.5" are not integers
        return int(whole)
    except ValueError:  # UnicodeDecodeError too
        raise Invalid("Input should be a valid integer, unable to parse string as an integer") from None


_TRUE = frozenset(("1", "on", "t", "true", "y", "yes"))
_FALSE = frozenset(("0", "off", "f", "false", "n", "no"))


def boolean() -> Kind:
    """A bool (0 and 1, and words such as yes/no, are taken)."""
    return _bool


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return value == 1
    if isinstance(value, (str, bytes, bytearray)):
        word = value.decode("utf-8", "replace") if isinstance(value, (bytes, bytearray)) else value
        word = word.lower()
        if word in _TRUE or word in _FALSE:
            return word in _TRUE
    if _a_word_or_whole_number(value):
        raise Invalid("Input should be a valid boolean, unable to interpret input")
    raise Invalid("Input should be a valid boolean")


def _a_word_or_whole_number(value: Any) -> bool:
    """What pydantic said it could not interpret as a bool (other values
    are "not a valid boolean"): text, or a whole number within 64 bits."""
    if isinstance(value, float):
        return value.is_integer() and -2**63 <= value < 2**63
    return isinstance(value, (str, bytes, bytearray)) or (
        isinstance(value, int) and -2**63 <= value < 2**63)


def one_of(*choices: str) -> Kind:
    """One of ``choices`` exactly (a ``Literal``)."""
    allowed = frozenset(choices)
    quoted = [repr(c) for c in choices]
    said = quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"

    def check(value: Any) -> str:
        if isinstance(value, str) and value in allowed:
            return value
        raise Invalid(f"Input should be {said}")
    return check


def optional(kind: Kind) -> Kind:
    """None, or a value of ``kind``."""
    def check(value: Any) -> Any:
        return None if value is None else kind(value)
    return check


def list_of(kind: Kind) -> Kind:
    """A list of values of ``kind`` (from any iterable but text or a mapping)."""
    def check(value: Any) -> list:
        if not isinstance(value, (list, tuple)):
            if isinstance(value, (str, bytes, bytearray, Mapping)) or not hasattr(value, "__iter__"):
                raise Invalid("Input should be a valid list")
            value = list(value)
        found = []
        for index, item in enumerate(value):
            try:
                found.append(kind(item))
            except Invalid as exc:
                exc.path = (index, *exc.path)
                raise
        return found
    return check


def dict_of(key: Kind, value: Kind) -> Kind:
    """A dict whose keys are of kind ``key`` and values of kind ``value``; an
    error in either is at the path of the key."""
    def check(given: Any) -> dict:
        if not isinstance(given, Mapping):
            raise Invalid("Input should be a valid dictionary")
        found = {}
        for k, v in given.items():
            try:
                valid_key = key(k)  # the key first: its error is the one told
                found[valid_key] = value(v)
            except Invalid as exc:
                exc.path = (k, *exc.path)
                raise
        return found
    return check


def model(cls: type[Model]) -> Kind:
    """An instance of the model ``cls``, from a mapping of its fields."""
    return cls.model_validate


def after(kind: Kind, *checks: Callable[[Any], Any]) -> Kind:
    """A value of ``kind`` passed through ``checks`` in turn: each returns the
    value to keep or raises ``ValueError`` with its message."""
    def check(value: Any) -> Any:
        found = kind(value)
        for each in checks:
            try:
                found = each(found)
            except Invalid:
                raise
            except ValueError as exc:
                raise Invalid(str(exc)) from None
        return found
    return check
