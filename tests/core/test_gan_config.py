"""``gan config VARIANT``: every setting with its effective default, type, allowed values and meaning,
as a TOML file that ``--config`` reads back unchanged, or as JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import attrs
import core_tiny
import pytest
from core_helpers import run_cli

from gan_core import (
    Registry,
    TrainConfig,
    Variant,
    create_registry,
    hookimpl,
    in_range,
    one_of,
    positive,
    resolve_config,
)
from gan_core._config import read_toml
from gan_core._config_help import NO_DESCRIPTION, describe_settings, describe_validator, settings_to_toml

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@attrs.frozen(kw_only=True)
class _Undocumented:
    """A plugin's config written before ``gan config``: no help, an optional field, a plugin's own validator."""

    width: int = attrs.field(default=8, validator=positive)
    scale: float | None = attrs.field(default=None, validator=attrs.validators.optional(in_range(0.0, 1.0)))
    mode: str = attrs.field(default="a", validator=[one_of("a", "b"), lambda *_: None])
    sizes: tuple[int, ...] = (4, 4)
    tag: str = attrs.field(default="x", validator=lambda *_: None, metadata={"allowed": "any short tag"})


UNDOCUMENTED = attrs.evolve(core_tiny.TINY, name="undocumented", config_cls=_Undocumented)


class _Plugin:
    @hookimpl
    def gan_register_variants(self, register: Any) -> None:
        register(UNDOCUMENTED)


def _registry() -> Registry:
    return create_registry(plugins=[core_tiny, _Plugin()], entry_points=False, strict=False)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Any:
    registry = _registry()
    return lambda *argv: run_cli([str(a) for a in argv], capsys, registry)


def _settings(cli: Any, variant: str) -> dict[str, dict[str, Any]]:
    result = cli("config", variant, "--json")
    assert result.code == 0, result
    data = json.loads(result.out)
    assert data["variant"] == variant
    return {f"{row['section']}.{row['name']}": row for row in data["settings"]}


@pytest.mark.parametrize("variant", [core_tiny.TINY, UNDOCUMENTED], ids=["tiny", "undocumented"])
def test_the_printed_file_resolves_to_the_default_config(cli: Any, tmp_path: Path, variant: Variant) -> None:
    result = cli("config", variant.name)
    assert result.code == 0 and result.err == ""
    data = tomllib.loads(result.out)
    assert data["variant"] == variant.name and set(data) == {"variant", "train", "model"}
    path = tmp_path / "my.toml"
    path.write_text(result.out)
    qualified = _registry().variants.qualify(variant.name)
    from_file = resolve_config(variant, file_data=read_toml(path), qualified_name=qualified)
    assert from_file == resolve_config(variant, qualified_name=qualified)


def test_every_setting_is_shown_with_the_variants_own_train_defaults(cli: Any) -> None:
    shown = _settings(cli, "tiny")
    expected = [f"train.{f.name}" for f in attrs.fields(TrainConfig)] + [
        f"model.{f.name}" for f in attrs.fields(core_tiny.TinyConfig)
    ]
    assert list(shown) == expected
    assert shown["train.steps"]["default"] == core_tiny.TRAIN_DEFAULTS["steps"] == 4  # not TrainConfig's 5000
    assert shown["train.dataset"]["default"] == "ring8"
    assert shown["train.steps"] == {
        "name": "steps",
        "section": "train",
        "default": 4,
        "type": "int",
        "allowed": "> 0",
        "help": "total generator updates (the unit of training; no epochs)",
    }
    assert shown["train.lr_decay"]["allowed"] == 'one of "none", "linear"'
    assert shown["train.seed"]["allowed"] == "in [0, 4294967295]"
    assert shown["train.progress"]["type"] == "bool" and shown["train.progress"]["allowed"] is None
    assert shown["model.betas"]["type"] == "list of float" and shown["model.betas"]["default"] == [0.5, 0.999]
    assert all(row["help"] != NO_DESCRIPTION for row in shown.values())  # the core and tiny document every field


def test_a_field_without_help_is_still_shown(cli: Any) -> None:
    shown = _settings(cli, "undocumented")
    assert shown["model.width"]["help"] == NO_DESCRIPTION and shown["model.width"]["allowed"] == "> 0"
    assert shown["model.scale"]["type"] == "float, optional" and shown["model.scale"]["default"] is None
    assert shown["model.scale"]["allowed"] == "in [0.0, 1.0]"
    assert shown["model.mode"]["allowed"] == 'one of "a", "b"'  # the readable part of a list of validators
    assert shown["model.sizes"]["type"] == "list of int" and shown["model.sizes"]["allowed"] is None
    assert shown["model.tag"]["allowed"] == "any short tag"  # the field's own word beats an unreadable validator


def test_the_toml_comments_every_key_and_leaves_unset_ones_out(cli: Any) -> None:
    out = cli("config", "undocumented").out
    lines = out.splitlines()
    for key in ("steps = 4", "width = 8", 'mode = "a"', "sizes = [4, 4]"):
        at = lines.index(key)
        assert lines[at - 1].startswith("# ") and lines[at - 1].endswith(")")
    assert lines[lines.index("width = 8") - 1] == f"# {NO_DESCRIPTION} (int; > 0)"
    assert "# scale: unset by default" in out and "\nscale =" not in out
    assert (
        lines[lines.index("steps = 4") - 1] == "# total generator updates (the unit of training; no epochs) (int; > 0)"
    )


def test_unknown_variant_is_a_one_line_error(cli: Any) -> None:
    result = cli("config", "nope")
    assert result.code == 2 and result.out == ""
    assert result.err_lines == [result.err.strip()] and "unknown variant 'nope'" in result.err
    assert result.err.startswith("gan config: error:")


def test_help_describes_the_command(cli: Any) -> None:
    assert "config" in cli("--help").out
    out = cli("config", "--help").out
    assert "--json" in out and "VARIANT" in out


def test_the_train_command_accepts_the_printed_file(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "my.toml"
    path.write_text(cli("config", "tiny").out)
    result = cli("train", "tiny", "--config", path, "--out", tmp_path / "run", "--steps", 2)
    assert result.code == 0, result.err
    saved = read_toml(tmp_path / "run" / "config.toml")
    assert saved["train"]["steps"] == 2 and saved["model"] == read_toml(path)["model"]


def test_describe_validator_reads_the_cores_validators() -> None:
    assert describe_validator(positive) == "> 0"
    assert describe_validator(in_range(0.0, 1.0, high_open=True)) == "in [0.0, 1.0)"
    assert describe_validator(one_of(1, 2)) == "one of 1, 2"
    assert describe_validator(attrs.validators.optional(positive)) == "> 0"
    assert describe_validator(lambda *_: None) is None


@attrs.frozen
class Inner:
    a: int = attrs.field(default=1, metadata={"help": "a"})


@attrs.frozen
class Outer:
    inner: Inner = attrs.field(factory=Inner, metadata={"help": "a nested table"})
    b: int = attrs.field(default=2, metadata={"help": "b"})


def test_settings_to_toml_writes_a_nested_table_after_the_sections_keys() -> None:
    variant = attrs.evolve(core_tiny.TINY, name="nested", config_cls=Outer)
    config = resolve_config(variant)
    text = settings_to_toml(config, describe_settings(config))
    assert resolve_config(variant, file_data=tomllib.loads(text)) == config
    assert text.rstrip().endswith("# a nested table (table)\n[model.inner]\na = 1")
