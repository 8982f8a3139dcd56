"""Configuration: precedence of the sources, strict types, one clear error naming the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import core_tiny
import pytest
import tomli_w

from gan_core import ConfigError, TrainConfig, Variant, resolve_config
from gan_core._config import dump_config, fill_unrecorded, load_run_config, parse_override, read_toml, unstructure

TINY = core_tiny.TINY


def write_toml(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(tomli_w.dumps(data))
    return path


def resolve_error(**kwargs: Any) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        resolve_config(TINY, **kwargs)
    return info.value


# --- precedence -----------------------------------------------------------------------------------


def test_defaults_then_variant_defaults() -> None:
    config = resolve_config(TINY)
    assert config.variant == "tiny"
    assert config.train.steps == 4 and config.train.dataset == "ring8"  # the variant's train_defaults
    assert config.train.d_steps == TrainConfig().d_steps == 1  # the core's default
    assert config.model == core_tiny.TinyConfig()


def test_file_then_flags_then_set(tmp_path: Path) -> None:
    path = write_toml(
        tmp_path / "run.toml",
        {
            "variant": "tiny",
            "train": {"steps": 10, "batch_size": 8, "seed": 5, "d_steps": 3},
            "model": {"hidden": 7, "lr": 0.5},
        },
    )
    config = resolve_config(
        TINY,
        file_data=read_toml(path),
        flags={"steps": 20, "seed": None, "batch_size": 12},  # None: the flag was not given
        overrides=["batch_size=14", "model.lr=0.25", "d_steps=2", "d_steps=5"],
    )
    assert config.train.steps == 20  # flag beats file
    assert config.train.seed == 5  # file, since the flag was not given
    assert config.train.batch_size == 14  # --set beats flag
    assert config.train.d_steps == 5  # the last --set wins
    assert config.model.hidden == 7 and config.model.lr == 0.25
    assert config.train.dataset == "ring8"  # untouched: the variant's default


def test_file_without_variant_key_is_accepted() -> None:
    config = resolve_config(TINY, file_data={"train": {"steps": 3}})
    assert config.train.steps == 3


def test_file_for_another_variant_is_rejected() -> None:
    error = resolve_error(file_data={"variant": "dcgan", "train": {}})
    assert str(error) == "variant: the config file is for 'dcgan', not 'tiny'"


def test_read_toml_errors_are_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        read_toml(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[train\nsteps = 1\n")
    with pytest.raises(ConfigError) as info:
        read_toml(bad)
    assert info.value.field == "--config" and "\n" not in str(info.value)


# --- --set value parsing -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a=3", ("a", 3)),
        ("a=-2", ("a", -2)),
        ("a=1.5", ("a", 1.5)),
        ("a=1e-4", ("a", 1e-4)),
        ("a=true", ("a", True)),
        ("a=false", ("a", False)),
        ("a=[1, 2.5]", ("a", [1, 2.5])),
        ('a=["x", "y"]', ("a", ["x", "y"])),
        ("a=hello", ("a", "hello")),
        ('a="3"', ("a", "3")),  # quoted: a string even if it looks like a number
        ("a=mnist-5k", ("a", "mnist-5k")),
        ("a=/data/my images", ("a", "/data/my images")),
        ("a=x=y", ("a", "x=y")),  # only the first '=' splits
        (" model.lr = 0.1 ", ("model.lr", 0.1)),
    ],
)
def test_parse_override(text: str, expected: tuple[str, Any]) -> None:
    key, value = parse_override(text)
    assert (key, value) == expected
    assert type(value) is type(expected[1])


@pytest.mark.parametrize("text", ["steps", "=3", "  =x"])
def test_malformed_override(text: str) -> None:
    with pytest.raises(ConfigError, match="expected KEY=VALUE"):
        parse_override(text)


def test_set_reaches_every_field_type() -> None:
    config = resolve_config(
        TINY,
        overrides=[
            "steps=7",
            "lr=0.01",
            "progress=true",
            "activation=tanh",
            "betas=[0.0, 0.9]",
            "model.bias=false",
            "mixed_precision=bf16",
            "dataset=grid25",
        ],
    )
    assert config.train.steps == 7 and config.train.progress is True and config.train.mixed_precision == "bf16"
    assert config.train.dataset == "grid25"
    assert config.model.lr == 0.01 and config.model.activation == "tanh"
    assert config.model.betas == [0.0, 0.9] and config.model.bias is False


def test_int_is_accepted_for_a_float_field() -> None:
    config = resolve_config(TINY, overrides=["lr=1"])
    assert config.model.lr == 1.0 and isinstance(config.model.lr, float)


# --- strict types --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("override", "field", "message"),
    [
        ("steps=1.5", "train.steps", "expected an integer, got 1.5"),
        ('steps="x"', "train.steps", "expected an integer, got 'x'"),
        ("steps=abc", "train.steps", "expected an integer, got 'abc'"),
        ("steps=true", "train.steps", "expected an integer, got True"),
        ("hidden=1e3", "model.hidden", "expected an integer, got 1000.0"),
        ("progress=1", "train.progress", "expected true or false, got 1"),
        ('progress="yes"', "train.progress", "expected true or false, got 'yes'"),
        ("lr=true", "model.lr", "expected a number, got True"),
        ("dataset=3", "train.dataset", "expected a string, got 3"),
        ('betas=[0.5, "a"]', "model.betas[1]", "expected a number, got 'a'"),
    ],
)
def test_wrong_types_are_rejected(override: str, field: str, message: str) -> None:
    error = resolve_error(overrides=[override])
    assert (error.field, error.message) == (field, message)
    assert str(error) == f"{field}: {message}"


def test_wrong_types_in_a_file_are_rejected() -> None:
    assert str(resolve_error(file_data={"train": {"steps": 1.5}})) == "train.steps: expected an integer, got 1.5"
    assert str(resolve_error(file_data={"model": {"lr": "fast"}})) == "model.lr: expected a number, got 'fast'"


# --- unknown keys and sections -------------------------------------------------------------------


def test_unknown_qualified_key_lists_its_section() -> None:
    error = resolve_error(overrides=["train.stpes=3"])
    assert error.field == "train.stpes"
    assert error.message == "unknown key; allowed: " + ", ".join(f.name for f in attrs.fields(TrainConfig))


def test_unknown_bare_key_lists_every_qualified_key() -> None:
    error = resolve_error(overrides=["stpes=3"])
    assert error.field == "stpes"
    assert (
        "train.steps" in error.message and "model.hidden" in error.message and error.message.startswith("unknown key")
    )


def test_unknown_section() -> None:
    assert str(resolve_error(overrides=["optim.lr=3"])) == "optim.lr: unknown section 'optim'; allowed: train, model"


def test_unknown_key_in_file() -> None:
    error = resolve_error(file_data={"model": {"hiden": 3}})
    assert error.field == "model.hiden"
    assert error.message == "unknown key; allowed: latent_dim, hidden, lr, betas, activation, bias, seed"


@pytest.mark.parametrize("file_data", [{"optim": {"lr": 1}}, {"steps": 3}])
def test_unknown_top_level_key_in_file(file_data: dict[str, Any]) -> None:
    error = resolve_error(file_data=file_data)
    assert error.message == "unknown top-level key; allowed: variant, train, model"


def test_a_section_that_is_not_a_table() -> None:
    assert str(resolve_error(file_data={"train": 3})) == "train: must be a table ([train] in TOML), got 3"


def test_ambiguous_bare_key() -> None:
    error = resolve_error(overrides=["seed=3"])
    assert str(error) == "seed: ambiguous key; write one of train.seed, model.seed"
    config = resolve_config(TINY, overrides=["train.seed=3", "model.seed=4"])
    assert (config.train.seed, config.model.seed) == (3, 4)


# --- validators ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("steps=-5", "train.steps: must be > 0, got -5"),
        ("steps=0", "train.steps: must be > 0, got 0"),
        ("train.seed=-1", "train.seed: must be in [0, 4294967295], got -1"),
        ("train.seed=4294967296", "train.seed: must be in [0, 4294967295], got 4294967296"),
        ("sample_every=-1", "train.sample_every: must be >= 0, got -1"),
        ("mixed_precision=fp8", "train.mixed_precision: must be 'no', 'fp16' or 'bf16', got 'fp8'"),
        ("lr_decay=cosine", "train.lr_decay: must be 'none' or 'linear', got 'cosine'"),
        ("hidden=0", "model.hidden: must be > 0, got 0"),
        ("lr=-0.1", "model.lr: must be > 0, got -0.1"),
    ],
)
def test_validators_name_the_field_and_the_rule(override: str, expected: str) -> None:
    error = resolve_error(overrides=[override])
    assert str(error) == expected
    assert error.field == expected.partition(":")[0]


def test_nan_fails_the_validators() -> None:
    """NaN compares false with everything, so 'not > 0' must be how 'must be > 0' is checked (a config
    class built in Python never meets the converter, which refuses NaN first)."""
    from gan_core import in_range, non_negative, positive

    @attrs.frozen
    class Custom:
        p: float = attrs.field(default=0.5, validator=in_range(0.0, 1.0))
        q: float = attrs.field(default=0.0, validator=non_negative)
        r: float = attrs.field(default=1.0, validator=positive)

    nan = float("nan")
    with pytest.raises(ConfigError, match=r"^p: must be in \[0\.0, 1\.0\], got nan$"):
        Custom(p=nan)
    with pytest.raises(ConfigError, match=r"^q: must be >= 0, got nan$"):
        Custom(q=nan)
    with pytest.raises(ConfigError, match=r"^r: must be > 0, got nan$"):
        Custom(r=nan)


@pytest.mark.parametrize("text", ["inf", "-inf", "nan", "+inf", "-nan"])
@pytest.mark.parametrize("key", ["model.lr", "train.ema", "train.r1", "lr"])
def test_float_settings_refuse_non_finite_values(key: str, text: str) -> None:
    error = resolve_error(overrides=[f"{key}={text}"])
    field = key if "." in key else f"model.{key}"
    assert str(error) == f"{field}: must be a finite number, got {float(text)!r}"


def test_non_finite_values_are_refused_in_files_and_lists() -> None:
    assert str(resolve_error(file_data={"model": {"lr": float("inf")}})) == "model.lr: must be a finite number, got inf"
    error = resolve_error(overrides=["betas=[0.5, nan]"])
    assert error.field.startswith("model.betas") and error.message == "must be a finite number, got nan"
    with pytest.raises(ConfigError, match="finite"):  # an integer too large for a float is no better
        resolve_config(TINY, file_data={"model": {"lr": 10**400}})


def test_large_finite_floats_and_ints_for_floats_are_still_accepted() -> None:
    config = resolve_config(TINY, overrides=["lr=1e300", "train.ema=0.999"], file_data={"train": {"r1": 10}})
    assert (config.model.lr, config.train.ema, config.train.r1) == (1e300, 0.999, 10.0)


def test_seed_bounds_are_numpys() -> None:
    assert resolve_config(TINY, overrides=["train.seed=4294967295"]).train.seed == 2**32 - 1
    assert resolve_config(TINY, flags={"seed": 0}).train.seed == 0
    error = resolve_error(flags={"seed": 2**32})
    assert str(error) == "train.seed: must be in [0, 4294967295], got 4294967296"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"overrides": ["train.bad\nkey=1"]}, "--set"),
        ({"file_data": {"train": {"bad\nkey": 1}}}, "train.'bad\\nkey'"),
        ({"file_data": {"bad key": {}}}, "'bad key'"),
    ],
)
def test_keys_with_line_breaks_do_not_break_the_one_line(kwargs: dict[str, Any], field: str) -> None:
    error = resolve_error(**kwargs)
    assert "\n" not in str(error) and error.field == field


def test_validators_in_a_file_name_the_field() -> None:
    assert str(resolve_error(file_data={"train": {"batch_size": 0}})) == "train.batch_size: must be > 0, got 0"


def test_in_range_and_one_of_validators() -> None:
    from gan_core import in_range, one_of

    @attrs.frozen
    class Custom:
        p: float = attrs.field(default=0.5, validator=in_range(0.0, 1.0, high_open=True))
        mode: str = attrs.field(default="a", validator=one_of("a", "b"))

    variant = Variant(name="custom", config_cls=Custom, build=core_tiny.build)
    assert resolve_config(variant, overrides=["p=0"]).model.p == 0.0
    with pytest.raises(ConfigError, match=r"^model\.p: must be in \[0\.0, 1\.0\), got 1\.0$"):
        resolve_config(variant, overrides=["p=1.0"])
    with pytest.raises(ConfigError, match=r"^model\.mode: must be 'a' or 'b', got 'c'$"):
        resolve_config(variant, overrides=["mode=c"])


def test_configs_are_frozen() -> None:
    config = resolve_config(TINY)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        config.train.steps = 3  # type: ignore[misc]


# --- round trip ----------------------------------------------------------------------------------


def test_dump_then_resolve_round_trips(tmp_path: Path) -> None:
    config = resolve_config(
        TINY,
        flags={"steps": 9, "dataset": "grid25"},
        overrides=[
            "lr=0.003",
            "betas=[0.1, 0.2]",
            "activation=gelu",
            "bias=false",
            "progress=true",
            "image_size=16",
            "data_root=/tmp/some where",
        ],
    )
    path = tmp_path / "config.toml"
    dump_config(config, path)
    assert load_run_config(TINY, path) == config
    assert read_toml(path)["variant"] == "tiny"


def test_dumped_config_is_complete(tmp_path: Path) -> None:
    """Every field is written, so a later change of defaults cannot change a saved run."""
    path = tmp_path / "config.toml"
    dump_config(resolve_config(TINY), path)
    data = read_toml(path)
    assert set(data["train"]) == {f.name for f in attrs.fields(TrainConfig)}
    assert set(data["model"]) == {f.name for f in attrs.fields(core_tiny.TinyConfig)}


def test_set_values_that_smuggle_toml_or_nest_too_deep() -> None:
    assert parse_override("a=1\nx = 2") == ("a", "1\nx = 2")  # not 1: the line break starts another key
    with pytest.raises(ConfigError, match=r"^a: the value is nested too deeply to read"):
        parse_override("a=" + "[" * 5000)


def test_read_toml_refuses_brackets_nested_thousands_deep(tmp_path: Path) -> None:
    deep = tmp_path / "deep.toml"
    deep.write_text("a = " + "[" * 5000)
    with pytest.raises(ConfigError, match="nested thousands deep") as info:
        read_toml(deep)
    assert info.value.field == "--config" and "\n" not in str(info.value)


# --- settings newer than a run ---------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class _GrownConfig:
    """A config class after a release that added ``stem`` with a new default: runs written before
    it were built the ``"old"`` way, which the field names as its unrecorded value."""

    width: int = attrs.field(default=8)
    stem: str = attrs.field(default="new", metadata={"unrecorded": "old"})
    depth: int = attrs.field(default=2)  # added too, its default what runs did before it: no unrecorded value


GROWN = Variant(name="grown", config_cls=_GrownConfig, build=core_tiny.build)


def _older_run_file(tmp_path: Path, **model: Any) -> Path:
    """A run's config.toml as a release before ``stem`` and ``depth`` wrote it."""
    train = unstructure(TrainConfig())
    return write_toml(tmp_path / "config.toml", {"variant": "grown", "train": train, "model": {"width": 8, **model}})


def test_a_run_older_than_a_setting_reads_back_with_its_unrecorded_value(tmp_path: Path) -> None:
    config = load_run_config(GROWN, _older_run_file(tmp_path))
    assert config.model == _GrownConfig(stem="old", depth=2)


def test_a_recorded_setting_wins_over_its_unrecorded_value(tmp_path: Path) -> None:
    assert load_run_config(GROWN, _older_run_file(tmp_path, stem="new")).model.stem == "new"


def test_a_config_file_the_user_writes_takes_the_default_for_what_it_leaves_out(tmp_path: Path) -> None:
    """``--config`` files are partial by design: a missing setting there means the default, not an old run."""
    assert resolve_config(GROWN, file_data=read_toml(_older_run_file(tmp_path))).model.stem == "new"


def test_fill_unrecorded_leaves_the_data_alone_and_malformed_sections_to_resolve_config() -> None:
    data = {"variant": "grown", "model": {"width": 3}}
    assert fill_unrecorded(GROWN, data) == {"variant": "grown", "model": {"stem": "old", "width": 3}}
    assert data == {"variant": "grown", "model": {"width": 3}}  # not changed in place
    assert fill_unrecorded(GROWN, {"model": 5}) == {"model": 5}
    with pytest.raises(ConfigError, match=r"^model: must be a table"):
        resolve_config(GROWN, file_data=fill_unrecorded(GROWN, {"variant": "grown", "model": 5}))
