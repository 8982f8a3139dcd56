"""What ``gan config VARIANT`` prints: every setting of ``[train]`` and ``[model]`` with its effective
default, its type, the values it accepts and one line of meaning.

The meaning is the field's ``metadata={"help": "..."}``; what it accepts is read from its validators
(:func:`~gan_core.one_of` choices, :func:`~gan_core.in_range` bounds, :func:`~gan_core.positive`, ...)
unless the field says it itself with ``metadata={"allowed": "..."}`` (a plugin's own validator, which
cannot be read). The defaults are a resolved :class:`RunConfig`'s, so a variant's ``train_defaults``
show as the defaults they are; the TOML text reads back through ``--config`` to that same config.
"""

from __future__ import annotations

import contextlib
import types
import typing
from collections import abc
from collections.abc import Callable
from typing import Any

import attrs
import tomli_w

from gan_core._config import (
    AUGMENTATIONS,
    TRACKERS,
    RunConfig,
    _augment_policy,
    _finite_non_negative,
    _InRange,
    _metric_names,
    _OneOf,
    _trackers,
    layer_sizes,
    non_negative,
    positive,
    unstructure,
)

#: the ``attrs.field(metadata=...)`` keys that ``gan config`` reads
HELP_KEY = "help"
ALLOWED_KEY = "allowed"
NO_DESCRIPTION = "(no description)"

_DESCRIBED: dict[Callable[..., Any], str] = {
    positive: "> 0",
    non_negative: ">= 0",
    _finite_non_negative: ">= 0",
    layer_sizes: "non-empty list of positive sizes",
    _augment_policy: f"comma-separated from {', '.join(AUGMENTATIONS)}; empty: off",
    _metric_names: "comma-separated metric names",
    _trackers: f"a list of {', '.join(TRACKERS)}",
}


@attrs.frozen
class Setting:
    """One setting as ``gan config`` shows it. ``default`` is plain TOML/JSON data (lists, not
    tuples); ``None`` means unset, which TOML cannot write: the key is left out and the field's own
    default (``None``) restores it."""

    name: str
    section: str
    default: Any
    type: str
    allowed: str | None
    help: str

    def as_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


def _one_line(text: str) -> str:
    """One printable line (a TOML comment may hold no line break or control character)."""
    return " ".join("".join(c if c.isprintable() else " " for c in str(text)).split())


def _literal(value: object) -> str:
    """A value as TOML writes it (``"none"``, ``0.5``, ``true``)."""
    return tomli_w.dumps({"v": value})[len("v = ") :].strip()


def describe_validator(validator: Any) -> str | None:
    """What a validator accepts, in words; ``None`` for one this cannot read."""
    if validator is None:
        return None
    if isinstance(validator, _OneOf):
        return "one of " + ", ".join(_literal(choice) for choice in validator.choices)
    if isinstance(validator, _InRange):
        return f"in {validator.describe()}"
    inner = getattr(validator, "validator", None)  # attrs.validators.optional
    if inner is not None and type(validator).__name__ == "_OptionalValidator":
        return describe_validator(inner)  # the type says "optional"
    parts = getattr(validator, "_validators", None)  # attrs.validators.and_ (a list of validators)
    if parts is not None and type(validator).__name__ == "_AndValidator":
        shown = [text for text in (describe_validator(part) for part in parts) if text]
        return "; ".join(shown) or None
    try:
        return _DESCRIBED.get(validator)
    except TypeError:  # an unhashable validator
        return None


def _type_name(kind: Any) -> str:
    """A field's type in a config file's words: ``int``, ``list of int``, ``float, optional``."""
    if kind is None:
        return "any"
    if isinstance(kind, str):
        return kind
    args = typing.get_args(kind)
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        rest = [arg for arg in args if arg is not type(None)]
        shown = " or ".join(_type_name(arg) for arg in rest)
        return f"{shown}, optional" if len(rest) < len(args) else shown
    if origin in (list, tuple, abc.Sequence, abc.MutableSequence):
        items = [arg for arg in args if arg is not Ellipsis]
        if len(set(items)) == 1:
            return f"list of {_type_name(items[0])}"
        return "list"
    if origin in (dict, abc.Mapping, abc.MutableMapping) or kind is dict or attrs.has(kind):
        return "table"
    return getattr(kind, "__name__", None) or str(kind).replace("typing.", "")


def _fields(cls: type) -> tuple[attrs.Attribute, ...]:  # type: ignore[type-arg]
    with contextlib.suppress(Exception):  # a type that does not resolve is shown as its annotation text
        attrs.resolve_types(cls)
    return attrs.fields(cls)


def describe_section(section: str, config: Any) -> list[Setting]:
    """Every field of one resolved section (``config`` is a :class:`TrainConfig` or a model config)."""
    values = attrs.asdict(config, recurse=False)
    settings = []
    for field in _fields(type(config)):
        default = unstructure({"v": values[field.name]}).get("v") if values[field.name] is not None else None
        allowed = field.metadata.get(ALLOWED_KEY) or describe_validator(field.validator)
        settings.append(
            Setting(
                name=field.name,
                section=section,
                default=default,
                type=_type_name(field.type),
                allowed=_one_line(allowed) if allowed else None,
                help=_one_line(field.metadata.get(HELP_KEY) or NO_DESCRIPTION),
            )
        )
    return settings


def describe_settings(config: RunConfig) -> list[Setting]:
    """Every setting of a resolved run: ``[train]``'s, then the variant's ``[model]``."""
    return describe_section("train", config.train) + describe_section("model", config.model)


def _comment(setting: Setting) -> str:
    inside = setting.type if setting.allowed is None else f"{setting.type}; {setting.allowed}"
    return f"# {setting.help} ({inside})"


def _section_toml(section: str, settings: list[Setting]) -> list[str]:
    lines = [f"[{section}]"]
    tables = []
    for setting in settings:
        if isinstance(setting.default, dict):  # a nested table: after the section's own keys
            tables.append(setting)
            continue
        lines.append(_comment(setting))
        if setting.default is None:
            lines.append(f"# {_key(setting.name)}: unset by default (TOML has no null); write a value to set it")
        else:
            lines.append(f"{_key(setting.name)} = {_value(setting.default)}")
    for setting in tables:
        lines += ["", _comment(setting), tomli_w.dumps({section: {setting.name: setting.default}}).rstrip("\n")]
    return lines


def _key(name: str) -> str:
    """A key as TOML writes it: bare when it can be, quoted otherwise."""
    return tomli_w.dumps({name: 0}).partition(" = ")[0]


def _value(value: Any) -> str:
    """A value on one line where it fits: a list of scalars inline (``[256, 512]``), not one item a line."""
    if isinstance(value, list | tuple) and not any(isinstance(item, list | tuple | dict) for item in value):
        return "[" + ", ".join(_literal(item) for item in value) + "]"
    return _literal(value)


def settings_to_toml(config: RunConfig, settings: list[Setting] | None = None, *, name: str | None = None) -> str:
    """The documented config file: ``variant``, then ``[train]`` and ``[model]``, each key under a
    ``# meaning (type; allowed values)`` comment. ``--config`` reads it back to ``config``.

    ``name`` is the variant as the file names it (the bare name where it is unambiguous); by default
    the config's own, ``PLUGIN:NAME``.
    """
    settings = describe_settings(config) if settings is None else settings
    name = name or config.variant
    lines = [
        f"# every setting of {name}, at its defaults; `gan train {name} --config FILE` reads this file as it is.",
        "# Keep only what you change: a key left out keeps its default.",
        f"variant = {_literal(name)}",
    ]
    for section in ("train", "model"):
        lines += ["", *_section_toml(section, [s for s in settings if s.section == section])]
    return "\n".join(lines) + "\n"


def settings_to_data(
    config: RunConfig, settings: list[Setting] | None = None, *, name: str | None = None
) -> dict[str, Any]:
    """The same as JSON-ready data: ``{"variant": ..., "settings": [{name, section, default, type,
    allowed, help}, ...]}``."""
    settings = describe_settings(config) if settings is None else settings
    return {"variant": name or config.variant, "settings": [setting.as_dict() for setting in settings]}


__all__ = [
    "ALLOWED_KEY",
    "HELP_KEY",
    "NO_DESCRIPTION",
    "Setting",
    "describe_section",
    "describe_settings",
    "describe_validator",
    "settings_to_data",
    "settings_to_toml",
]
