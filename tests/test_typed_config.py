"""kpi_xl.typed_config, the models the config is declared with: each kind of
value takes what pydantic's lax mode took and refuses the rest in pydantic's
words, at the key path; models refuse unknown keys and non-finite numbers."""
from __future__ import annotations

import copy
import pickle
from decimal import Decimal
from fractions import Fraction

import pytest

from kpi_xl.config import config_from_dict
from kpi_xl.errors import ConfigError
from kpi_xl.typed_config import (Invalid, Model, after, anything, boolean, dict_of, field, integer,
                                 list_of, model, model_check, number, one_of, optional, text)


def _loud(word: str) -> str:
    if word != word.upper():
        raise ValueError("must be in capitals")
    return word


class Point(Model):
    x: float = field(number(ge=-10, le=10), 0)
    y: float = field(number(), 0.5)


class Shape(Model):
    name: str = field(after(text(), _loud))
    corners: int | None = field(optional(integer(ge=0)), None)
    filled: bool = field(boolean(), False)
    kind: str = field(one_of("line", "area"), "line")
    points: list[Point] = field(list_of(model(Point)), [])
    tags: dict[str, int] = field(dict_of(after(text(), _loud), integer()), {})
    origin: Point = field(model(Point), factory=Point)
    extra: object = field(anything(), None)
    note: str | None = field(optional(text()), None, exclude=True)

    @model_check
    def _an_area_has_corners(self) -> None:
        if self.kind == "area" and not self.corners:
            raise ValueError("corners: an area needs corners")


class Square(Shape):
    @model_check
    def _four_corners(self) -> None:
        if self.corners not in (None, 4):
            raise ValueError("a square has four corners")


def refused(kind, value) -> Invalid:
    with pytest.raises(Invalid) as err:
        kind(value)
    return err.value


# --- each kind: what it takes, what it refuses, in which words -----------------------------------

@pytest.mark.parametrize("given, kept", [
    (2, 2.0), (0.25, 0.25), (True, 1.0), (" 1.5 ", 1.5), ("1e3", 1000.0), ("1_000", 1000.0),
    (b"2.5", 2.5), (Decimal("1.5"), 1.5), (Fraction(1, 4), 0.25)])
def test_a_number_is_a_float_from_numbers_and_their_text(given, kept):
    found = number()(given)
    assert found == kept and type(found) is float


@pytest.mark.parametrize("given, message", [
    (float("inf"), "Input should be a finite number"),
    (float("-inf"), "Input should be a finite number"),
    (float("nan"), "Input should be a finite number"),
    (".inf", "Input should be a valid number, unable to parse string as a number"),  # YAML's word, as text
    ("inf", "Input should be a finite number"),
    ("nan", "Input should be a finite number"),
    ("1e400", "Input should be a finite number"),
    (10 ** 400, "Input should be a valid number"),
    ("١٢", "Input should be a valid number, unable to parse string as a number"),  # not ASCII digits
    ("0x10", "Input should be a valid number, unable to parse string as a number"),
    ("", "Input should be a valid number, unable to parse string as a number"),
    (None, "Input should be a valid number"),
    ([1], "Input should be a valid number"),
])
def test_a_number_must_be_finite_and_a_number(given, message):
    assert refused(number(), given).message == message


def test_a_number_within_its_bounds():
    within = number(ge=0, le=3600)
    assert within(0) == 0 and within(3600) == 3600
    assert refused(within, -0.5).message == "Input should be greater than or equal to 0"
    assert refused(within, 3600.5).message == "Input should be less than or equal to 3600"


@pytest.mark.parametrize("given, kept", [
    (3, 3), (True, 1), (2.0, 2), (" +3 ", 3), ("3.00", 3), ("1_000", 1000), (b"4", 4), (Decimal("5"), 5)])
def test_an_integer_from_whole_numbers_and_their_text(given, kept):
    found = integer()(given)
    assert found == kept and type(found) is int


@pytest.mark.parametrize("given, message", [
    (2.5, "Input should be a valid integer, got a number with a fractional part"),
    (float("nan"), "Input should be a finite number"),
    ("3.5", "Input should be a valid integer, unable to parse string as an integer"),
    ("3.", "Input should be a valid integer, unable to parse string as an integer"),
    ("1e3", "Input should be a valid integer, unable to parse string as an integer"),
    ("٣", "Input should be a valid integer, unable to parse string as an integer"),
    (None, "Input should be a valid integer"),
])
def test_an_integer_refuses_fractions_and_other_text(given, message):
    assert refused(integer(), given).message == message


def test_an_integer_within_its_bounds():
    assert refused(integer(ge=1), 0).message == "Input should be greater than or equal to 1"
    assert refused(integer(le=9), 10).message == "Input should be less than or equal to 9"


@pytest.mark.parametrize("given, kept", [
    (True, True), (False, False), (1, True), (0, False), (1.0, True), ("yes", True), ("NO", False),
    ("on", True), ("off", False), ("t", True), ("f", False), ("1", True), ("0", False), (b"true", True)])
def test_a_boolean_from_bools_zero_one_and_words(given, kept):
    assert boolean()(given) is kept


@pytest.mark.parametrize("given, message", [
    (2, "Input should be a valid boolean, unable to interpret input"),
    ("maybe", "Input should be a valid boolean, unable to interpret input"),
    (" true", "Input should be a valid boolean, unable to interpret input"),
    (1.5, "Input should be a valid boolean"),
    (None, "Input should be a valid boolean"),
])
def test_a_boolean_refuses_other_numbers_and_words(given, message):
    assert refused(boolean(), given).message == message


def test_text_is_a_string_or_utf8_bytes_never_a_number():
    assert text()("A") == "A" and text()(b"caf\xc3\xa9") == "café"
    for number_given in (872, 1.5, True, None, ["A"]):
        assert refused(text(), number_given).message == "Input should be a valid string"
    assert "unable to parse raw data" in refused(text(), b"\xff").message


def test_one_of_is_exact_and_names_the_choices():
    severity = one_of("error", "warning", "info")
    assert severity("info") == "info"
    for wrong in ("Info", "critical", 1, None, b"info"):
        assert refused(severity, wrong).message == "Input should be 'error', 'warning' or 'info'"
    assert refused(one_of("a", "b"), "c").message == "Input should be 'a' or 'b'"
    assert refused(one_of("a"), "c").message == "Input should be 'a'"


def test_optional_takes_none_and_else_the_kind():
    assert optional(number())(None) is None and optional(number())("2") == 2.0
    assert refused(optional(number()), "x").message.startswith("Input should be a valid number")


def test_a_list_from_any_iterable_but_text_or_a_mapping_with_the_index_in_the_path():
    numbers = list_of(integer())
    assert numbers([1, "2"]) == [1, 2] and numbers((3,)) == [3] and numbers(x for x in [4]) == [4]
    for wrong in ("12", {"a": 1}, 5, None):
        assert refused(numbers, wrong).message == "Input should be a valid list"
    err = refused(numbers, [1, 2, "x"])
    assert err.path == (2,) and "valid integer" in err.message


def test_a_dict_checks_keys_before_values_at_the_key():
    tags = dict_of(after(text(), _loud), integer())
    assert tags({"A": "1"}) == {"A": 1}
    assert refused(tags, [("A", 1)]).message == "Input should be a valid dictionary"
    err = refused(tags, {"A": 1, "b": "not a number"})
    assert (err.path, err.message) == (("b",), "must be in capitals")  # the key's error, first
    err = refused(tags, {"A": 1, "B": "x"})
    assert err.path == ("B",) and "valid integer" in err.message


def test_after_checks_keep_what_they_return_and_say_their_message():
    upper = after(text(), str.upper)
    assert upper("a:e") == "A:E"
    assert refused(after(text(), _loud), "quiet").message == "must be in capitals"
    assert refused(after(text(), _loud), 5).message == "Input should be a valid string"  # kind first


# --- models -------------------------------------------------------------------------------------

def test_a_model_from_a_mapping_with_defaults_for_what_is_not_given():
    shape = Shape.model_validate({"name": "TRI", "points": [{"x": 1}, {"y": "2"}], "tags": {"A": 1}})
    assert shape.points == [Point(x=1.0, y=0.5), Point(x=0, y=2.0)]
    assert (shape.corners, shape.filled, shape.kind, shape.origin) == (None, False, "line", Point())
    assert Shape(name="TRI") == Shape.model_validate({"name": "TRI"})
    kept = Point(x=2)
    assert Shape(name="A", origin=kept).origin is kept  # an instance is taken as it is


@pytest.mark.parametrize("data, path, message", [
    ({}, ("name",), "Field required"),
    ({"name": "A", "colour": "red"}, ("colour",), "unknown key"),
    ({"name": "A", 3: "red"}, (3,), "Keys should be strings"),
    # the fields are checked before unknown keys are looked for
    ({"colour": "red", "name": "A", "corners": -1}, ("corners",),
     "Input should be greater than or equal to 0"),
    ({"name": "A", "points": [{"x": 1}, {"x": 11}]}, ("points", 1, "x"),
     "Input should be less than or equal to 10"),
    ({"name": "A", "points": [{"x": 1, "z": 0}]}, ("points", 0, "z"), "unknown key"),
    ({"name": "A", "origin": {"y": float("nan")}}, ("origin", "y"), "Input should be a finite number"),
    ({"name": "A", "origin": 5}, ("origin",), "Input should be a mapping of keys and values (key: value on lines of their own)"),
    ({"name": "A", "kind": "area"}, (), "corners: an area needs corners"),  # a model check
])
def test_a_model_refuses_with_the_path_to_the_value(data, path, message):
    with pytest.raises(Invalid) as err:
        Shape.model_validate(data)
    assert (err.value.path, err.value.message) == (path, message)
    assert isinstance(err.value, ValueError)


def test_model_checks_run_base_class_first_after_the_fields():
    with pytest.raises(Invalid, match="an area needs corners"):
        Square(name="A", kind="area")
    with pytest.raises(Invalid, match="a square has four corners"):
        Square(name="A", corners=3)
    assert Square(name="A", kind="area", corners=4).corners == 4
    with pytest.raises(Invalid) as err:
        Square(name="A", corners="x")  # a field refused: no check is run on it
    assert err.value.path == ("corners",)


def test_defaults_are_not_shared_between_instances():
    one, two = Shape(name="A"), Shape(name="B")
    one.points.append(Point())
    one.tags["A"] = 1
    assert two.points == [] and two.tags == {} and one.origin is not two.origin


def test_assignment_is_validated_and_a_refused_value_leaves_the_old_one():
    shape = Shape(name="A", kind="area", corners=3)
    shape.corners = "4"
    assert shape.corners == 4
    with pytest.raises(Invalid) as err:
        shape.corners = -1
    assert err.value.path == ("corners",) and shape.corners == 4
    with pytest.raises(Invalid, match="an area needs corners"):
        shape.corners = None  # the model's checks run again
    assert shape.corners == 4
    with pytest.raises(AttributeError):
        shape.colour = "red"


def test_copy_dump_equality_repr_and_pickle():
    shape = Shape(name="A", points=[{"x": 1}], note="mine")
    changed = shape.model_copy(update={"corners": -5})  # as pydantic's: not validated
    assert changed.corners == -5 and shape.corners is None and changed.points is shape.points
    with pytest.raises(AttributeError):
        shape.model_copy(update={"colour": "red"})
    dumped = shape.model_dump()
    assert "note" not in dumped  # declared exclude=True
    assert dumped["points"] == [{"x": 1.0, "y": 0.5}] and dumped["origin"] == {"x": 0, "y": 0.5}
    assert shape != changed and shape == copy.deepcopy(shape) and shape != Square(name="A")
    assert pickle.loads(pickle.dumps(shape)) == shape
    assert repr(Point(x=1)) == "Point(x=1.0, y=0.5)"
    assert dict(Point(x=1)) == {"x": 1.0, "y": 0.5}
    with pytest.raises(TypeError):
        hash(Point())
    assert bool(Point())  # an entry with nothing set is still an entry (Config.for_indicator)


# --- through the config: one line naming the file and the key path ------------------------------

@pytest.mark.parametrize("data, message", [
    ({"layout": [{"sheet": "S", "header_rows": [2, "x"]}]},
     "layout -> 0 -> header_rows -> 1: Input should be a valid integer, unable to parse string"),
    ({"layout": [{"sheet": "S", "skip": "perhaps"}]},
     "layout -> 0 -> skip: Input should be a valid boolean, unable to interpret input"),
    ({"layout": [{"header_rows": [2]}]}, "layout -> 0 -> sheet: Field required"),
    ({"layout": [{"sheet": "S", "span": "E:A"}]}, "layout -> 0 -> span: 'E:A' is not a span of columns"),
    ({"indicators": {"CSC07": {"tolerance": -0.1}}},
     "indicators -> CSC07 -> tolerance: Input should be greater than or equal to 0"),
    ({"indicators": {"CSC07": {"target": float("nan")}}},
     "indicators -> CSC07 -> target: Input should be a finite number"),
    ({"indicators": {101: {"target": 5}}}, "indicators -> 101: Input should be a valid string"),
    ({"workbook": {"lock_wait": 4000}}, "workbook -> lock_wait: Input should be less than or equal to 3600"),
    ({"workbook": {"council": 872}}, "workbook -> council: Input should be a valid string"),
    ({"exceptions": {"categories": [{"name": "Reds, all", "rag": ["RED"]}]}},
     "exceptions -> categories -> 0 -> name: must not contain a comma"),
    ({"exceptions": {"categories": [{"name": "Reds", "rag": ["PURPLE"]}]}},
     "exceptions -> categories -> 0 -> rag -> 0: Input should be 'GREEN', 'AMBER' or 'RED'"),
    ({"direction": {"compare_with_outturn": ["percent", "weekly"]}},
     "direction -> compare_with_outturn -> 1: Input should be 'percent', 'rate', 'average' or 'count'"),
    ({"rag": {"labels": "GREEN"}}, "rag -> labels: Input should be a mapping of keys and values (key: value on lines of their own)"),
    ({"rag": {"tolerance": 2, "tolerence": 1}}, "rag -> tolerence: unknown key"),
    ({"colour": "red"}, "colour: unknown key"),
])
def test_config_refusals_name_the_file_and_the_key_path(data, message):
    with pytest.raises(ConfigError) as err:
        config_from_dict(data, "council.yaml")
    assert str(err.value).startswith(f"council.yaml: {message}"), str(err.value)


def test_config_takes_what_pydantic_took():
    config = config_from_dict({"rag": {"tolerance": "0.1"}, "workbook": {"sparklines": "no", "lock_wait": 5},
                               "layout": [{"sheet": "S", "header_rows": [2.0], "span": " b : d "}],
                               "indicators": {"CSC07": {"target": 80, "polarity": "higher"}}})
    assert config.rag.tolerance == 0.1 and config.workbook.sparklines is False
    assert config.workbook.lock_wait == 5.0 and type(config.workbook.lock_wait) is float
    assert config.layout[0].header_rows == [2] and config.layout[0].span == "B:D"
    assert config.for_indicator("CSC07").target == 80.0
