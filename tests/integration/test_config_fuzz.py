"""Property-based fuzzing of every installed variant's config class, and of ``[train]``.

For each field, values drawn from what its type and validator declare must build a config (or be
refused only by a rule that spans several fields, ``__attrs_post_init__``), survive the round trip
through ``config.toml``, and come back unchanged; values of a wrong type, out of range, non-finite,
outside a closed set, and unknown keys must be refused with a :class:`~gan_core.GanError` whose
message is one line naming the field. ``--set`` texts of any kind give a config or such an error.

The validators gan-core exports are read (:func:`gan_core.in_range` bounds, :func:`gan_core.one_of`
choices, ...); a plugin's own validator, which this test cannot read, is only fed its default as a
valid value, and the wrong types, non-finite numbers and unknown keys as invalid ones.
"""

from __future__ import annotations

import contextlib
import math
import sys
import types
import typing
from collections.abc import Iterator
from importlib import metadata
from typing import Any

import attrs
import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gan_core import GanError, TrainConfig, Variant, create_registry, layer_sizes, non_negative, positive
from gan_core import _plugins as plugins
from gan_core._config import (
    AUGMENTATIONS,
    _augment_policy,
    _finite_non_negative,
    _InRange,
    _metric_names,
    _OneOf,
    resolve_config,
    structure_section,
    unstructure,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

#: derandomized (the same examples on every run, so CI never flakes) and without an example database
#: (nothing written beside the tests); raise max_examples locally to search harder
FUZZ = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True, database=None
)
FINITE: dict[str, Any] = {"allow_nan": False, "allow_infinity": False}
INT64 = (-(2**63), 2**63 - 1)  # what TOML integers hold


def _installed_registry() -> Any:
    """Every installed plugin (whatever ``GAN_PLUGINS`` says), strictly: a broken one fails collection."""
    names = {ep.name for ep in metadata.entry_points(group=plugins.ENTRY_POINT_GROUP)}
    return create_registry(strict=True, only=names)


REGISTRY = _installed_registry()


def _sections() -> list[tuple[str, type, Variant | None]]:
    """``("train", TrainConfig, None)`` and ``("model", cls, variant)`` for each distinct variant config class."""
    found: list[tuple[str, type, Variant | None]] = [("train", TrainConfig, None)]
    seen: set[type] = set()
    for qualified in REGISTRY.variants:
        variant = REGISTRY.variants[qualified]
        if variant.config_cls not in seen:
            seen.add(variant.config_cls)
            found.append(("model", variant.config_cls, variant))
    return found


SECTIONS = _sections()
FIELDS = [
    pytest.param(section, cls, field, id=f"{cls.__name__}.{field.name}")
    for section, cls, _ in SECTIONS
    for field in attrs.fields(cls)
]
CLASSES = [pytest.param(section, cls, variant, id=cls.__name__) for section, cls, variant in SECTIONS]


def test_every_installed_variant_is_fuzzed() -> None:
    """The fuzzing covers the plugins this repository ships, not just whatever happened to load."""
    names = {cls.__name__ for _, cls, _ in SECTIONS}
    assert {"TrainConfig", "VanillaConfig", "WganConfig", "DTNConfig", "LSGANConfig"} <= names


# --- what a field declares --------------------------------------------------------------------------


def _type_of(cls: type, name: str) -> tuple[Any, bool]:
    """The field's type without ``| None``, and whether ``None`` is allowed."""
    hint = typing.get_type_hints(cls)[name]
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(members) == 1:
            return members[0], True
    return hint, False


def _rule_of(field: Any) -> Any:
    """The field's validator, unwrapped from attrs' ``optional``."""
    rule = field.validator
    inner = getattr(rule, "validator", None)
    if type(rule).__name__ == "_OptionalValidator" and inner is not None:
        return inner
    return rule


def _sequence_of(tp: Any) -> Any | None:
    """``int`` for ``tuple[int, ...]`` or ``list[int]``; ``None`` for a scalar type."""
    if typing.get_origin(tp) in (tuple, list):
        args = [a for a in typing.get_args(tp) if a is not Ellipsis]
        return args[0] if args else Any
    return None


def _floats(low: float, high: float, low_open: bool = False, high_open: bool = False) -> st.SearchStrategy[float]:
    return st.floats(min_value=low, max_value=high, exclude_min=low_open, exclude_max=high_open, **FINITE)


def _valid(tp: Any, rule: Any, default: Any) -> st.SearchStrategy[Any]:
    """Values the field's type and (readable) validator accept."""
    element = _sequence_of(tp)
    if element is not None:
        if rule is layer_sizes:
            return st.lists(st.integers(1, 4096), min_size=1, max_size=4)
        if rule is None and element is int:
            return st.lists(st.integers(*INT64), max_size=4)
        if rule is None and element is float:
            return st.lists(st.floats(**FINITE), max_size=4)
        return st.just(list(default))
    if rule is None:
        return {
            int: st.integers(*INT64),
            float: st.floats(**FINITE) | st.integers(-(10**6), 10**6),
            bool: st.booleans(),
            str: st.text(max_size=30),
        }.get(tp, st.just(default))
    if rule is positive:
        return st.integers(1, INT64[1]) if tp is int else _floats(0.0, 1e300, low_open=True) | st.integers(1, 10**6)
    if rule in (non_negative, _finite_non_negative):
        return st.integers(0, INT64[1]) if tp is int else _floats(0.0, 1e300) | st.integers(0, 10**6)
    if isinstance(rule, _InRange):
        if tp is int:
            return st.integers(math.ceil(rule.low) + rule.low_open, math.floor(rule.high) - rule.high_open)
        return _floats(rule.low, rule.high, rule.low_open, rule.high_open)
    if isinstance(rule, _OneOf):
        return st.sampled_from(rule.choices)
    if rule is _augment_policy:
        return st.lists(st.sampled_from(AUGMENTATIONS), max_size=3).map(",".join)
    if rule is _metric_names:
        return st.lists(st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True), max_size=3).map(",".join)
    return st.just(default)  # a rule this test cannot read: its default, at least, must pass


def _wrong_type(tp: Any) -> st.SearchStrategy[Any]:
    """Values of another type than the field's (``None`` excluded: some fields allow it)."""
    element = _sequence_of(tp)
    if element is not None:
        bad_element = (st.text(min_size=1) | st.booleans()) if element is float else (st.floats() | st.booleans())
        return st.integers() | st.booleans() | st.lists(bad_element, min_size=1, max_size=3)
    return {
        int: st.text() | st.floats() | st.booleans() | st.lists(st.integers(), max_size=2),
        float: st.text() | st.booleans() | st.lists(st.floats(), max_size=2),
        bool: st.integers() | st.text() | st.floats(),
        str: st.integers() | st.floats() | st.booleans() | st.lists(st.text(), max_size=2),
    }[tp]


def _outside(tp: Any, rule: Any) -> st.SearchStrategy[Any] | None:
    """Values of the right type that the (readable) validator refuses; ``None`` when there are none to draw."""
    number = st.integers(*INT64) if tp is int else st.floats(**FINITE)
    if _sequence_of(tp) is not None:
        if rule is layer_sizes:
            return st.just([]) | st.lists(st.integers(1, 64), max_size=2).flatmap(
                lambda good: st.integers(max_value=0).map(lambda bad: [*good, bad])
            )
        return None
    if rule is positive:
        return number.filter(lambda x: not x > 0)
    if rule in (non_negative, _finite_non_negative):
        return number.filter(lambda x: not x >= 0)
    if isinstance(rule, _InRange):
        wide = st.integers(-(2**40), 2**40) if tp is int else st.floats(**FINITE)
        return wide.filter(lambda x: not _inside(rule, x))
    if isinstance(rule, _OneOf):
        return st.text(max_size=20).filter(lambda text: text not in rule.choices)
    if rule is _augment_policy:
        known = set(AUGMENTATIONS)
        return st.text(max_size=20).filter(lambda t: any(n.strip() and n.strip() not in known for n in t.split(",")))
    if rule is _metric_names:
        return st.sampled_from(["fid,", ",fid", "fid,,pr", " , "])
    return None


def _inside(rule: Any, value: float) -> bool:
    """What ``in_range`` promises, written out here rather than asked of the validator under test."""
    above = value > rule.low if rule.low_open else value >= rule.low
    below = value < rule.high if rule.high_open else value <= rule.high
    return above and below


def _default(field: Any) -> Any:
    return field.default.factory() if isinstance(field.default, attrs.Factory) else field.default  # type: ignore[misc]


def _normal(value: Any) -> Any:
    """A value as the config class holds it: TOML lists become tuples where the field is a tuple."""
    return tuple(value) if isinstance(value, list) else value


@contextlib.contextmanager
def _without_cross_field_rules(cls: type) -> Iterator[None]:
    """``cls`` without its ``__attrs_post_init__`` (attrs' ``__init__`` looks it up on the instance)."""
    rule = cls.__dict__.get("__attrs_post_init__")
    if rule is None:
        yield
        return
    type.__setattr__(cls, "__attrs_post_init__", lambda self: None)
    try:
        yield
    finally:
        type.__setattr__(cls, "__attrs_post_init__", rule)


def _one_line(error: BaseException) -> str:
    assert isinstance(error, GanError), f"{type(error).__name__}: {error}"
    text = str(error)
    assert text and "\n" not in text and "\r" not in text, repr(text)
    return text


def _build(section: str, cls: type, data: dict[str, Any]) -> Any | None:
    """The config ``data`` builds, or ``None`` when only a rule across fields refused it (after checking
    that the refusal is one line, and that the fields' own validators accept every value)."""
    try:
        return structure_section(section, data, cls)
    except GanError as error:
        _one_line(error)
        with _without_cross_field_rules(cls):
            structure_section(section, data, cls)  # raises if a field validator or the type refused it
        return None


def _round_trip(section: str, cls: type, config: Any) -> Any:
    text = tomli_w.dumps({section: unstructure(config)})
    return structure_section(section, tomllib.loads(text)[section], cls)


# --- the properties ----------------------------------------------------------------------------


@pytest.mark.parametrize(("section", "cls", "field"), FIELDS)
@FUZZ
@given(data=st.data())
def test_valid_values_build(section: str, cls: type, field: Any, data: st.DataObject) -> None:
    tp, optional = _type_of(cls, field.name)
    strategy = _valid(tp, _rule_of(field), _default(field))
    value = data.draw(st.none() | strategy if optional else strategy, label=field.name)
    config = _build(section, cls, {field.name: value})
    if config is None:
        return
    assert getattr(config, field.name) == _normal(value)
    assert _round_trip(section, cls, config) == config


@pytest.mark.parametrize(("section", "cls", "variant"), CLASSES)
@FUZZ
@given(data=st.data())
def test_valid_tables_build(section: str, cls: type, variant: Variant | None, data: st.DataObject) -> None:
    """Several fields at once, as a config file sets them; through ``resolve_config`` too."""
    fields = {}
    for field in attrs.fields(cls):
        tp, optional = _type_of(cls, field.name)
        strategy = _valid(tp, _rule_of(field), _default(field))
        fields[field.name] = st.none() | strategy if optional else strategy
    table = data.draw(st.fixed_dictionaries({}, optional=fields), label="table")
    config = _build(section, cls, table)
    if config is None or variant is None:
        return
    assert _round_trip(section, cls, config) == config
    assert resolve_config(variant, file_data={"model": table}).model == config


@pytest.mark.parametrize(("section", "cls", "field"), FIELDS)
@FUZZ
@given(data=st.data())
def test_invalid_values_are_one_line_errors(section: str, cls: type, field: Any, data: st.DataObject) -> None:
    tp, _ = _type_of(cls, field.name)
    rule = _rule_of(field)
    choices = [_wrong_type(tp)]
    if tp is float:
        choices.append(st.sampled_from([math.inf, -math.inf, math.nan]))
    outside = _outside(tp, rule)
    if outside is not None:
        choices.append(outside)
    value = data.draw(st.one_of(*choices), label=field.name)
    with pytest.raises(GanError) as refused:
        structure_section(section, {field.name: value}, cls)
    assert _one_line(refused.value).startswith(f"{section}.{field.name}")


@pytest.mark.parametrize(("section", "cls", "variant"), CLASSES)
@FUZZ
@given(key=st.text(min_size=1, max_size=30), value=st.integers() | st.text(max_size=10))
def test_unknown_keys_are_one_line_errors(
    section: str, cls: type, variant: Variant | None, key: str, value: Any
) -> None:
    if key in {f.name for f in attrs.fields(cls)}:
        return
    with pytest.raises(GanError) as refused:
        structure_section(section, {key: value}, cls)
    assert _one_line(refused.value).startswith(f"{section}.")
    assert "unknown key" in str(refused.value)


VARIANTS = [pytest.param(v, id=v.name) for _, _, v in SECTIONS if v is not None]


def _keys(variant: Variant) -> list[str]:
    """Every key ``--set`` takes for ``variant``, qualified and bare, and a few it does not."""
    qualified = [f"train.{f.name}" for f in attrs.fields(TrainConfig)]
    qualified += [f"model.{f.name}" for f in attrs.fields(variant.config_cls)]
    return [*qualified, *(key.partition(".")[2] for key in qualified), "train.nope", "optim.lr", "."]


@pytest.mark.parametrize("variant", VARIANTS)
@FUZZ
@given(data=st.data())
def test_any_set_text_builds_or_is_one_line(variant: Variant, data: st.DataObject) -> None:
    """``gan train VARIANT --set KEY=TEXT ...`` with any text: a config, or one line (never a traceback)."""
    values = st.text(max_size=30) | st.from_regex(r"\[?[-+0-9.e,\[\] \"a-z]{0,20}\]?", fullmatch=True)
    assignment = st.tuples(st.sampled_from(_keys(variant)), values).map("=".join)
    overrides = data.draw(st.lists(assignment | st.text(max_size=30), min_size=1, max_size=3), label="--set")
    try:
        resolve_config(variant, overrides=overrides)
    except GanError as error:
        _one_line(error)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("text", ["inf", "-inf", "nan", "+inf", "1e999", "-1e999"])
def test_no_float_setting_takes_a_non_finite_value(variant: Variant, text: str) -> None:
    """``--set FIELD=inf`` for every float field of ``[train]`` and ``[model]``: refused, naming the field."""
    floats = [
        f"{section}.{f.name}"
        for section, cls in (("train", TrainConfig), ("model", variant.config_cls))
        for f in attrs.fields(cls)
        if _type_of(cls, f.name)[0] is float
    ]
    assert floats
    for key in floats:
        with pytest.raises(GanError) as refused:
            resolve_config(variant, overrides=[f"{key}={text}"])
        assert _one_line(refused.value).startswith(f"{key}: must be a finite number, got "), key
