"""The conformance kit: does a plugin's :class:`~gan_core.Variant` keep the core's contracts?

A plugin author subclasses :class:`VariantConformance` in a test file and pytest runs one test per
check; :func:`check_variant` runs the same checks in one call. Every check fails with an
:class:`AssertionError` whose message says what the variant did and what the core expects instead,
because the person reading it wrote the plugin, not the core::

    from gan_core.testing import VariantConformance

    class TestMyVariant(VariantConformance):
        variant = MY_VARIANT                  # the Variant under test
        data_shape = (1, 28, 28)              # (D,) for points, (C, H, W) for images
        num_classes = None                    # an int for conditional variants
        config_overrides = {"g_hidden": [32]} # optional: shrink the model so the checks are fast
        bad_config = {"lr": [-1.0]}           # optional: more values the config must reject
        source_shape = None                   # translation variants: one source sample's shape
        source_name = "source"                # ... and the extra data set's name they read it from
        plugins = ()                          # plugin modules whose losses the variant names

The checks train on :func:`synthetic_data` (never on a real data set) with :func:`tiny_run_config`
(two steps of batch 8), so a whole class runs in seconds on a CPU. The checkpoint check expects the
bit-for-bit resume the core guarantees on CPU; on a GPU, non-deterministic kernels may break it.
A variant that accepts images is also built for three-channel images, so that a builder that
ignores the channel count fails.

This module imports nothing from pytest: ``pytest`` is only needed to *collect*
:class:`VariantConformance` (``pip install gan-core[test]``).
"""

from __future__ import annotations

import math
import sys
import types
import typing
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import attrs
import tomli_w
import torch
from torch import Tensor, nn

from gan_core._config import UNRECORDED_KEY, RunConfig, TrainConfig, fill_unrecorded, resolve_config, unstructure
from gan_core._deprecated import reset_registry
from gan_core._game import Game, alternating_step
from gan_core._inference import generate
from gan_core._inputs import GeneratorInput, InputSampler, Noise
from gan_core._plugins import ONLY_ENV, STRICT_ENV, create_registry
from gan_core._protocols import Discriminator, Generator, Loss
from gan_core._records import DataInfo, DataKind, LoadedData
from gan_core._registry import Registry
from gan_core._rundir import load_generator, load_run
from gan_core._training.trainer import GanTrainer, TrainResult
from gan_core._variant import Variant
from gan_core.data.memory import InMemoryDataset
from gan_core.errors import ConfigError

if TYPE_CHECKING:
    import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = [
    "TINY_TRAIN",
    "VariantConformance",
    "check_checkpoint_resume",
    "check_config_class",
    "check_models",
    "check_rejects_bad_config",
    "check_sampling",
    "check_training_step",
    "check_variant",
    "isolated_plugin_settings",
    "kit_registry",
    "synthetic_data",
    "tiny_run_config",
]

#: The ``[train]`` settings of every kit run: two steps of batch 8, no progress bar, no intermediate
#: samples or checkpoints (the trainer still writes both at the last step).
TINY_TRAIN: Mapping[str, Any] = {
    "steps": 2,
    "batch_size": 8,
    "progress": False,
    "log_every": 1,
    "sample_every": 0,
    "checkpoint_every": 0,
    "grid_size": 4,
    # the checks compare runs bit for bit (resume, seeds): a thread count that follows the machine's
    # load could differ between the two runs and change the last bits
    "adaptive_threads": False,
}

#: For each scalar field type, values of another type that the config must refuse (not coerce).
_WRONG_TYPES: Mapping[type, tuple[Any, ...]] = {
    int: ("1", 1.5, True),
    float: ("0.5", True),
    bool: ("true", 1),
    str: (1, True),
}

_BATCH = 4  # samples pushed through the networks by the shape checks


# --- building blocks -----------------------------------------------------------------------------


@contextmanager
def isolated_plugin_settings(monkeypatch: pytest.MonkeyPatch, *, strict: bool = False) -> Iterator[None]:
    """Tests must not see the developer's ``GAN_PLUGINS`` / ``GAN_STRICT_PLUGINS`` or the registry that
    a 0.1 plugin's ``get_registry()`` cached: clear both (or demand strict loading), before and after.
    Use it in an autouse fixture: ``with isolated_plugin_settings(monkeypatch): yield``."""
    monkeypatch.delenv(ONLY_ENV, raising=False)
    if strict:
        monkeypatch.setenv(STRICT_ENV, "1")
    else:
        monkeypatch.delenv(STRICT_ENV, raising=False)
    reset_registry()
    try:
        yield
    finally:
        reset_registry()


def synthetic_data(shape: Sequence[int], n: int = 256, num_classes: int | None = None, seed: int = 0) -> LoadedData:
    """``n`` deterministic random samples of one-sample shape ``shape``, uniform in ``[-1, 1]``.

    A 1-D shape ``(D,)`` gives ``"points"`` data, a 3-D shape ``(C, H, W)`` gives ``"image"`` data.
    With ``num_classes``, every sample gets a label and every class occurs (as evenly as ``n`` allows),
    so a conditional variant sees all of its classes. Noise, not structure: the kit checks mechanics,
    never what a variant learns.
    """
    shape = tuple(int(size) for size in shape)
    if len(shape) not in (1, 3) or any(size <= 0 for size in shape):
        raise ValueError(f"shape must be (D,) for points or (C, H, W) for images, got {shape}")
    if n <= 0:
        raise ValueError(f"n must be > 0, got {n}")
    if num_classes is not None and num_classes <= 0:
        raise ValueError(f"num_classes must be > 0, got {num_classes}")
    generator = torch.Generator().manual_seed(seed)
    x = torch.rand((n, *shape), generator=generator) * 2 - 1
    y = None
    if num_classes is not None:
        y = (torch.arange(n) % num_classes)[torch.randperm(n, generator=generator)]
    kind: DataKind = "points" if len(shape) == 1 else "image"
    return LoadedData(InMemoryDataset(x, y), DataInfo(shape=shape, kind=kind, num_classes=num_classes))


def tiny_run_config(variant: Variant, **overrides: Any) -> RunConfig:
    """The variant's defaults with :data:`TINY_TRAIN` on top, then ``overrides``.

    A bare key names a field of the variant's config class (``g_hidden=[32]``), or, if it has no
    such field, a :class:`~gan_core.TrainConfig` field (``steps=1``); ``**{"train.steps": 1}``
    and ``**{"model.lr": 1e-3}`` say which explicitly. Values pass through the same validation as a
    config file (:func:`~gan_core.resolve_config`), so a bad override raises
    :class:`~gan_core.errors.ConfigError`.
    """
    model_fields = {f.name for f in attrs.fields(variant.config_cls)}
    train_fields = {f.name for f in attrs.fields(TrainConfig)}
    sections: dict[str, dict[str, Any]] = {"train": dict(TINY_TRAIN), "model": {}}
    for key, value in overrides.items():
        section, dot, name = key.partition(".")
        if not dot:
            section, name = ("train", key) if key in train_fields and key not in model_fields else ("model", key)
        if section not in sections:
            raise ConfigError(key, "unknown section; allowed: train, model")
        sections[section][name] = value
    return resolve_config(variant, file_data={"variant": variant.name, **sections})


# --- helpers -----------------------------------------------------------------------------------


def _fail(variant: Variant, message: str) -> AssertionError:
    return AssertionError(f"variant {variant.name!r}: {message}")


def _snapshot(module: nn.Module) -> dict[str, Tensor]:
    return {name: tensor.detach().cpu().clone() for name, tensor in module.state_dict().items()}


def kit_registry(variant: Variant, plugins: Sequence[object] = ()) -> Registry:
    """The core's built-ins, ``plugins`` (modules whose losses the variant names) and ``variant``:
    a registry that depends on nothing else installed."""
    registry = create_registry(plugins=plugins, entry_points=False, strict=True)
    if variant.name not in registry.variants:
        registry.add("variant", variant, plugin="kit")
    return registry


@attrs.frozen
class _Built:
    game: Any  # a Game (or a 0.1 plugin's GanModels)
    initial: Mapping[str, Mapping[str, Tensor]]  # "generator"/"discriminator" -> state at build time


def _recording(variant: Variant) -> tuple[Variant, list[_Built]]:
    """The variant with a builder that also keeps what it built (and the initial weights), so a
    check can look at the very modules the trainer trained: Accelerate on one process trains them
    in place, and ``load_state`` loads a checkpoint into them in place."""
    built: list[_Built] = []

    def build(config: Any, data: DataInfo) -> Any:
        made = variant.build(config, data)
        initial = {"generator": _snapshot(made.generator), "discriminator": _snapshot(made.discriminator)}
        built.append(_Built(made, initial))
        return made

    return attrs.evolve(variant, build=build), built


def _data_for(
    variant: Variant,
    data_shape: Sequence[int],
    num_classes: int | None,
    source_shape: Sequence[int] | None = None,
    source_name: str = "source",
) -> LoadedData:
    data = synthetic_data(data_shape, num_classes=num_classes)
    if data.info.kind not in variant.data_kinds:
        raise _fail(
            variant,
            f"data_shape {tuple(data_shape)} is {data.info.kind} data, but the variant declares "
            f"data_kinds={sorted(variant.data_kinds)}; set data_shape to "
            + ("(C, H, W)" if "image" in variant.data_kinds else "(D,)"),
        )
    if variant.conditional and num_classes is None:
        raise _fail(variant, "the variant is conditional (Variant.conditional=True): set num_classes in the kit")
    if source_shape is not None:
        source = synthetic_data(source_shape, num_classes=num_classes, seed=1)
        data = LoadedData(data.dataset, data.info, extra={source_name: source})
    return data


def _drawn(inputs: InputSampler, n: int, seed: int, data: LoadedData) -> GeneratorInput:
    """Fixed inputs from the game's sampler: noise (and labels), or synthetic source samples."""
    return inputs.fixed(n, seed, data)


def _fit(
    variant: Variant, config: RunConfig, out_dir: Path, data: LoadedData, registry: Registry, resume: bool = False
) -> TrainResult:
    try:
        return GanTrainer(variant, config, out_dir, data=data, registry=registry).fit(resume=resume)
    except AssertionError:
        raise
    except Exception as error:
        what = "resuming" if resume else "training"
        raise _fail(
            variant, f"{what} {config.train.steps} step(s) with GanTrainer raised {type(error).__name__}: {error}"
        ) from error


def _state_differences(expected: Mapping[str, Tensor], actual: Mapping[str, Tensor]) -> list[str]:
    problems = []
    for name in sorted(set(expected) | set(actual)):
        if name not in expected or name not in actual:
            problems.append(f"{name!r} is in only one of them")
        elif expected[name].shape != actual[name].shape or expected[name].dtype != actual[name].dtype:
            problems.append(
                f"{name!r} has shape/dtype {tuple(actual[name].shape)}/{actual[name].dtype}, "
                f"expected {tuple(expected[name].shape)}/{expected[name].dtype}"
            )
        elif not torch.equal(expected[name], actual[name]):
            gap = (expected[name].double() - actual[name].double()).abs().max().item()
            problems.append(f"{name!r} differs (max |difference| {gap:.3g})")
    return problems


def _scalar_type(annotation: Any) -> type | None:
    """``int``/``float``/``bool``/``str`` for a field annotated so, or ``X | None`` of one; else None."""
    if annotation in _WRONG_TYPES:
        return typing.cast(type, annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(members) == 1 and members[0] in _WRONG_TYPES:
            return typing.cast(type, members[0])
    return None


def _expect_rejected(variant: Variant, key: str, value: Any, why: str) -> None:
    section, _, name = key.rpartition(".")
    section = section or "model"
    try:
        resolve_config(variant, file_data={"variant": variant.name, section: {name: value}})
    except ConfigError as error:
        if name not in str(error):
            raise _fail(
                variant,
                f"{section}.{name} = {value!r} was rejected, but the message {str(error)!r} does not "
                "name the field; raise ConfigError(attribute.name, message) in custom validators",
            ) from error
        return
    except Exception as error:
        raise _fail(
            variant,
            f"{section}.{name} = {value!r} ({why}) raised {type(error).__name__}: {error}; config errors "
            "must be gan_core.errors.ConfigError (the validators in gan_core.config raise it)",
        ) from error
    raise _fail(
        variant,
        f"{section}.{name} = {value!r} ({why}) was accepted; add a validator to the config class "
        "(gan_core.config: positive, non_negative, in_range, one_of) or give the field a precise type",
    )


# --- the checks ----------------------------------------------------------------------------------


def check_config_class(variant: Variant) -> None:
    """(a) The config class is a frozen attrs class that builds from its defaults alone, the
    defaults survive the trip through ``config.toml`` that every run directory relies on, and the
    ``unrecorded`` values that older runs are read back with (if any) make a valid config."""
    cls = variant.config_cls
    if not attrs.has(cls):
        raise _fail(variant, f"config_cls {cls.__name__} is not an attrs class; decorate it with @attrs.frozen")
    try:
        config = cls()
    except Exception as error:
        raise _fail(
            variant, f"{cls.__name__}() failed ({type(error).__name__}: {error}); every field needs a valid default"
        ) from error
    fields = attrs.fields(cls)
    if fields:
        first = fields[0].name
        try:
            setattr(config, first, getattr(config, first))
        except attrs.exceptions.FrozenInstanceError:
            pass
        else:
            raise _fail(variant, f"{cls.__name__} is mutable; use @attrs.frozen so a run's config cannot drift")
    try:
        resolved = resolve_config(variant)
        text = tomli_w.dumps(
            {"variant": variant.name, "train": unstructure(resolved.train), "model": unstructure(resolved.model)}
        )
        reread = resolve_config(variant, file_data=tomllib.loads(text))
    except Exception as error:
        raise _fail(
            variant,
            f"the default config does not round-trip through config.toml ({type(error).__name__}: "
            f"{error}); use field types cattrs can structure from TOML (int, float, bool, str, tuples, lists)",
        ) from error
    if resolved.model != config:
        raise _fail(variant, f"resolve_config gives {resolved.model!r}, not the defaults {config!r}")
    if reread != resolved:
        raise _fail(variant, f"config.toml reads back as {reread.model!r}, not {resolved.model!r}")
    if any(UNRECORDED_KEY in field.metadata for field in fields):
        _check_unrecorded_values(variant)


def _check_unrecorded_values(variant: Variant) -> None:
    """The values a run written before a setting existed is read back with: never on a field that may
    be None (config.toml leaves None out, so the two would be confused), and valid together."""
    unrecorded = [f for f in attrs.fields(attrs.resolve_types(variant.config_cls)) if UNRECORDED_KEY in f.metadata]
    for field in unrecorded:
        if type(None) in typing.get_args(field.type):
            raise _fail(
                variant,
                f"{field.name} may be None and names an 'unrecorded' value: config.toml leaves None out, so a "
                "run that set it to None would read back with the unrecorded value; give the field no None",
            )
    try:
        resolve_config(variant, file_data=fill_unrecorded(variant, {"variant": variant.name}))
    except Exception as error:
        names = ", ".join(sorted(field.name for field in unrecorded))
        raise _fail(
            variant,
            f"the 'unrecorded' values of {names} do not make a valid config together "
            f"({type(error).__name__}: {error}); they must be what the variant did before each setting existed",
        ) from error


_Model = dict[str, Any]


#: the image shape every image variant is also checked on, when the kit's own shape is not an image
DEFAULT_IMAGE_SHAPE = (3, 32, 32)


def _other_shapes(variant: Variant, data_shape: Sequence[int]) -> list[tuple[int, ...]]:
    """Besides ``data_shape``, three-channel images (of the same size, or 32x32 when ``data_shape`` is
    points) for a variant that accepts images, so that a builder that ignores the channel count fails."""
    shape = tuple(int(size) for size in data_shape)
    if "image" not in variant.data_kinds or (len(shape) == 3 and shape[0] == 3):
        return []
    return [(3, *shape[1:])] if len(shape) == 3 else [DEFAULT_IMAGE_SHAPE]


def check_models(
    variant: Variant,
    *,
    data_shape: Sequence[int] = (2,),
    num_classes: int | None = None,
    config_overrides: Mapping[str, Any] | None = None,
    source_shape: Sequence[int] | None = None,
    plugins: Sequence[object] = (),
    source_name: str = "source",
) -> None:
    """(b) The builder's game satisfies the protocols, and the networks agree with the data: ``G`` maps
    its inputs to ``(n, *data_shape)`` inside ``DataInfo.value_range``, ``D(x[, y])`` is ``(n,)`` in
    the data's float dtype, and the losses are finite scalars; for image variants, for three-channel
    images too."""
    registry = kit_registry(variant, plugins)
    for shape in [tuple(data_shape), *_other_shapes(variant, data_shape)]:
        data = _data_for(variant, shape, num_classes, source_shape, source_name)
        _check_game(variant, data, registry, config_overrides)


def _check_game(
    variant: Variant, data: LoadedData, registry: Registry, config_overrides: Mapping[str, Any] | None
) -> None:
    info = data.full_info
    config = tiny_run_config(variant, **dict(config_overrides or {}))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        try:
            game = variant.build_game(config.model, info, registry)
        except Exception as error:
            hint = "" if info.extra else "; if the generator translates another data set, set source_shape in the kit"
            raise _fail(variant, f"build(config, {info!r}) raised {type(error).__name__}: {error}{hint}") from error
        G, D, loss = game.generator, game.discriminator, game.loss
        for role, obj, protocol in (("generator", G, Generator), ("discriminator", D, Discriminator)):
            if not isinstance(obj, nn.Module):
                raise _fail(variant, f"the {role} is a {type(obj).__name__}, expected a torch.nn.Module")
            if not isinstance(obj, protocol):
                raise _fail(variant, f"the {role} does not satisfy gan_core.{protocol.__name__}")
        if not isinstance(game.inputs, InputSampler):
            raise _fail(variant, f"Game.inputs is a {type(game.inputs).__name__}; use gan_core.Noise or SourceSamples")
        if not isinstance(loss, Loss):
            raise _fail(
                variant,
                f"the loss {type(loss).__name__} does not satisfy gan_core.Loss "
                "(relativistic, discriminator_loss, generator_loss)",
            )
        _check_optimizer(variant, "g_optimizer", game.g_optimizer, own=G, other=D)
        _check_optimizer(variant, "d_optimizer", game.d_optimizer, own=D, other=G)
        fake = _check_generator(variant, game, data)
        _check_scores(variant, game, data, fake)


def _check_generator(variant: Variant, game: Game, data: LoadedData) -> Tensor:
    """``G`` on fixed inputs: the data's shape, finite, inside ``DataInfo.value_range``; for images also
    on noise ten times as large, which saturates an output squashed into the wrong range. (Points have
    unbounded tails, so a point generator may be linear: only its first outputs must be in range.)"""
    info = data.info
    drawn = _drawn(game.inputs, _BATCH, 0, data)
    fake = game.generator(drawn.x, drawn.y)
    expected = (_BATCH, *info.shape)
    if not isinstance(fake, Tensor) or tuple(fake.shape) != expected:
        got = tuple(fake.shape) if isinstance(fake, Tensor) else type(fake).__name__
        raise _fail(
            variant,
            f"G(x{', y' if drawn.y is not None else ''}) has shape {got}, expected (batch, *data_shape) = "
            f"{expected}; size the generator from DataInfo.shape (channels included)",
        )
    if not bool(torch.isfinite(fake).all()):
        raise _fail(variant, "the generator's output is not finite at initialisation")
    low, high = info.value_range
    saturating = info.kind == "image" and isinstance(game.inputs, Noise)
    probes = [fake] + ([game.generator(drawn.x * 10, drawn.y)] if saturating else [])
    for out in probes:
        outside = out.detach()[(out < low - 1e-5) | (out > high + 1e-5)]
        if outside.numel():
            raise _fail(
                variant,
                f"the generator's output reaches {float(outside.abs().max()):.4g}, outside DataInfo.value_range "
                f"{info.value_range}; map it there (e.g. gan_core.backbones.ValueRange(*data.value_range).from_unit)",
            )
    return fake


def _check_scores(variant: Variant, game: Game, data: LoadedData, fake: Tensor) -> None:
    """``D`` scores each sample once, in the data's float dtype, and the losses are finite scalars."""
    D, loss = game.discriminator, game.loss
    assert not isinstance(loss, str)
    y = _drawn(game.inputs, _BATCH, 0, data).y
    real = torch.rand(fake.shape) * 2 - 1
    scores = {"real": D(real, y), "fake": D(fake, y)}
    for which, out in scores.items():
        if not isinstance(out, Tensor) or out.shape[:1] != (_BATCH,):
            got = tuple(out.shape) if isinstance(out, Tensor) else type(out).__name__
            raise _fail(variant, f"D(x) on {which} samples gave {got}: want one row of scores per sample")
        if out.dtype != real.dtype:
            raise _fail(
                variant, f"D(x) on {which} samples is {out.dtype}; scores must be {real.dtype}, the data's dtype"
            )
        if not bool(torch.isfinite(out).all()):
            raise _fail(variant, f"D(x) on {which} samples is not finite")
    if game.step is not alternating_step:
        # a variant that plays its own game (DTN's ternary discriminator) may score as it likes, one
        # row per sample; its step, not the core's, combines the scores into losses
        return
    for which, out in scores.items():
        if tuple(out.shape) != (_BATCH,):
            raise _fail(
                variant,
                f"D(x) on {which} samples has shape {tuple(out.shape)}, expected (batch,) = ({_BATCH},): "
                "one score per sample (flatten a trailing 1 with einops.rearrange(s, 'b 1 -> b'))",
            )
    values = {
        "discriminator_loss": loss.discriminator_loss(scores["real"], scores["fake"]),
        "generator_loss": loss.generator_loss(scores["real"] if loss.relativistic else None, scores["fake"]),
    }
    for name, value in values.items():
        if not isinstance(value, Tensor) or value.dim() != 0 or not bool(torch.isfinite(value)):
            raise _fail(variant, f"loss.{name} returned {value!r}; expected a finite scalar (0-dim) tensor")


def _check_optimizer(variant: Variant, name: str, optimizer: Any, *, own: nn.Module, other: nn.Module) -> None:
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise _fail(variant, f"{name} is a {type(optimizer).__name__}, expected a torch.optim.Optimizer")
    params = {id(p) for group in optimizer.param_groups for p in group["params"]}
    if not params:
        raise _fail(variant, f"{name} has no parameters")
    if params & {id(p) for p in other.parameters()}:
        raise _fail(variant, f"{name} updates the other network's parameters; are the optimizers swapped?")
    if not params <= {id(p) for p in own.parameters()}:
        raise _fail(variant, f"{name} holds parameters that are not its network's")


def check_training_step(
    variant: Variant,
    tmp_path: Path,
    *,
    data_shape: Sequence[int] = (2,),
    num_classes: int | None = None,
    config_overrides: Mapping[str, Any] | None = None,
    source_shape: Sequence[int] | None = None,
    plugins: Sequence[object] = (),
    source_name: str = "source",
) -> None:
    """(c) One step through :class:`~gan_core.GanTrainer` (the game's step, the core's alternating one
    by default) logs finite losses and changes the weights of both networks."""
    data = _data_for(variant, data_shape, num_classes, source_shape, source_name)
    config = tiny_run_config(variant, **{**dict(config_overrides or {}), "train.steps": 1})
    recording, built = _recording(variant)
    result = _fit(recording, config, Path(tmp_path) / "one-step", data, kit_registry(variant, plugins))
    if not result.last_scalars:
        raise _fail(variant, "the training step returned no scalars; return at least the losses it computed")
    bad = {k: v for k, v in result.last_scalars.items() if not math.isfinite(v)}
    if bad:
        raise _fail(variant, f"one training step gave non-finite scalars {bad}")
    for role in ("generator", "discriminator"):
        module: nn.Module = getattr(built[-1].game, role)
        before = built[-1].initial[role]
        names = [name for name, p in module.named_parameters() if p.requires_grad]
        changed = [name for name in names if not torch.equal(module.get_parameter(name).detach().cpu(), before[name])]
        if not changed:
            raise _fail(
                variant,
                f"one training step left every {role} weight unchanged; check that its loss reaches "
                f"its parameters and that its optimizer steps (losses were {dict(result.last_scalars)})",
            )
        if not all(bool(torch.isfinite(p).all()) for p in module.parameters()):
            raise _fail(variant, f"one training step made {role} weights non-finite")


def check_checkpoint_resume(
    variant: Variant,
    tmp_path: Path,
    *,
    data_shape: Sequence[int] = (2,),
    num_classes: int | None = None,
    config_overrides: Mapping[str, Any] | None = None,
    source_shape: Sequence[int] | None = None,
    plugins: Sequence[object] = (),
    source_name: str = "source",
) -> None:
    """(d) Two steps straight and one step plus ``resume`` to two give bit-identical generator and
    discriminator state dicts: the checkpoint holds everything the step depends on."""
    data = _data_for(variant, data_shape, num_classes, source_shape, source_name)
    registry = kit_registry(variant, plugins)
    overrides = dict(config_overrides or {})
    two = tiny_run_config(variant, **{**overrides, "train.steps": 2})
    one = tiny_run_config(variant, **{**overrides, "train.steps": 1})
    straight_variant, straight = _recording(variant)
    _fit(straight_variant, two, Path(tmp_path) / "straight", data, registry)
    resumed_variant, resumed = _recording(variant)
    _fit(resumed_variant, one, Path(tmp_path) / "resumed", data, registry)
    _fit(resumed_variant, two, Path(tmp_path) / "resumed", data, registry, resume=True)
    for role in ("generator", "discriminator"):
        problems = _state_differences(
            _snapshot(getattr(straight[-1].game, role)), _snapshot(getattr(resumed[-1].game, role))
        )
        if problems:
            raise _fail(
                variant,
                f"after 1 step + resume to 2, the {role}'s state dict differs from 2 uninterrupted "
                f"steps: {'; '.join(problems[:3])}. The step must draw all randomness from the global torch RNG "
                "and keep all state in the modules and optimizers that Accelerate saves",
            )


def check_sampling(
    variant: Variant,
    tmp_path: Path,
    *,
    data_shape: Sequence[int] = (2,),
    num_classes: int | None = None,
    config_overrides: Mapping[str, Any] | None = None,
    source_shape: Sequence[int] | None = None,
    plugins: Sequence[object] = (),
    source_name: str = "source",
) -> None:
    """(e) A run directory's generator, loaded with :func:`gan_core.load_generator`, holds the trained
    weights and samples deterministically under a seed (its inputs drawn by the game's sampler),
    differently across seeds."""
    data = _data_for(variant, data_shape, num_classes, source_shape, source_name)
    config = tiny_run_config(variant, **{**dict(config_overrides or {}), "train.steps": 1})
    recording, built = _recording(variant)
    run_dir = Path(tmp_path) / "run"
    registry = kit_registry(variant, plugins)
    _fit(recording, config, run_dir, data, registry)
    runs = [load_generator(run_dir, registry) for _ in range(2)]  # the weights' average, if the run keeps one
    live = load_run(run_dir, registry, average=False)
    problems = _state_differences(_snapshot(built[-1].game.generator), _snapshot(live.generator))
    if problems:
        raise _fail(
            variant, f"the generator loaded from the run directory is not the trained one: {'; '.join(problems[:3])}"
        )
    n = 16

    def draw(index: int, seed: int) -> Tensor:
        drawn = _drawn(runs[index].inputs, n, seed, data)
        return generate(runs[index].generator, drawn.x, drawn.y)

    first, again, other_load, other_seed = draw(0, 0), draw(0, 0), draw(1, 0), draw(0, 1)
    expected = (n, *tuple(data_shape))
    if tuple(first.shape) != expected:
        raise _fail(variant, f"sampling gave shape {tuple(first.shape)}, expected {expected}")
    if not bool(torch.isfinite(first).all()):
        raise _fail(variant, "samples of a loaded run are not finite")
    if not torch.equal(first, again) or not torch.equal(first, other_load):
        raise _fail(
            variant,
            "the same seed gave different samples; the generator must be deterministic in eval mode "
            "(no sampling inside forward that ignores its input, no dropout active in eval)",
        )
    if torch.equal(first, other_seed):
        raise _fail(variant, "seeds 0 and 1 gave identical samples: the generator ignores its input")


def check_rejects_bad_config(variant: Variant, *, bad_config: Mapping[str, Sequence[Any]] | None = None) -> None:
    """(f) Every int/float/bool/str field (or ``X | None`` of one) refuses a value of another type,
    and every value in ``bad_config`` (``field`` or ``"train.field"`` -> values) is refused, each
    with a :class:`~gan_core.errors.ConfigError` that names the field."""
    cls = attrs.resolve_types(variant.config_cls)
    for field in attrs.fields(cls):
        scalar = _scalar_type(field.type)
        if scalar is None:
            continue
        for value in _WRONG_TYPES[scalar]:
            _expect_rejected(variant, field.name, value, f"not a {scalar.__name__}")
    for key, values in (bad_config or {}).items():
        if isinstance(values, str | bytes) or not isinstance(values, Sequence):
            raise TypeError(f"bad_config[{key!r}] must be a list of values, got {values!r}")
        for value in values:
            _expect_rejected(variant, key, value, "listed in bad_config")


def check_variant(
    variant: Variant,
    tmp_path: Path,
    *,
    data_shape: Sequence[int] = (2,),
    num_classes: int | None = None,
    config_overrides: Mapping[str, Any] | None = None,
    bad_config: Mapping[str, Sequence[Any]] | None = None,
    source_shape: Sequence[int] | None = None,
    plugins: Sequence[object] = (),
    source_name: str = "source",
) -> None:
    """Run every check, in order (config, models, training step, resume, sampling, bad values),
    each in its own subdirectory of ``tmp_path``; the first failure raises :class:`AssertionError`."""
    model_args: dict[str, Any] = {
        "data_shape": data_shape,
        "num_classes": num_classes,
        "config_overrides": config_overrides,
        "source_shape": source_shape,
        "plugins": plugins,
        "source_name": source_name,
    }
    root = Path(tmp_path)
    check_config_class(variant)
    check_models(variant, **model_args)
    check_training_step(variant, root / "training-step", **model_args)
    check_checkpoint_resume(variant, root / "checkpoint-resume", **model_args)
    check_sampling(variant, root / "sampling", **model_args)
    check_rejects_bad_config(variant, bad_config=bad_config)


# --- the pytest face -----------------------------------------------------------------------------


class VariantConformance:
    """Subclass as ``Test...`` and set :attr:`variant`; pytest then runs one test per check.

    The class name does not start with ``Test``, so importing it into a test module does not make
    pytest collect it on its own.
    """

    variant: ClassVar[Variant]
    data_shape: ClassVar[tuple[int, ...]] = (2,)
    num_classes: ClassVar[int | None] = None
    config_overrides: ClassVar[Mapping[str, Any] | None] = None
    bad_config: ClassVar[Mapping[str, Sequence[Any]] | None] = None
    #: for translation variants (``SourceSamples`` inputs): the shape of one source sample
    source_shape: ClassVar[tuple[int, ...] | None] = None
    #: plugin modules whose registered losses the variant's game names (the core's are always there)
    plugins: ClassVar[Sequence[object]] = ()
    #: for translation variants: the name of the extra data set their ``SourceSamples`` read
    source_name: ClassVar[str] = "source"

    def _variant(self) -> Variant:
        variant = getattr(type(self), "variant", None)
        if not isinstance(variant, Variant):
            raise AssertionError(
                f"{type(self).__name__}: set the class attribute 'variant' to the Variant to check, got {variant!r}"
            )
        return variant

    def _model_args(self) -> dict[str, Any]:
        return {
            "data_shape": tuple(self.data_shape),
            "num_classes": self.num_classes,
            "config_overrides": self.config_overrides,
            "source_shape": self.source_shape,
            "plugins": tuple(self.plugins),
            "source_name": self.source_name,
        }

    def test_config_class(self) -> None:
        check_config_class(self._variant())

    def test_models(self) -> None:
        check_models(self._variant(), **self._model_args())

    def test_training_step(self, tmp_path: Path) -> None:
        check_training_step(self._variant(), tmp_path, **self._model_args())

    def test_checkpoint_resume(self, tmp_path: Path) -> None:
        check_checkpoint_resume(self._variant(), tmp_path, **self._model_args())

    def test_sampling(self, tmp_path: Path) -> None:
        check_sampling(self._variant(), tmp_path, **self._model_args())

    def test_rejects_bad_config(self) -> None:
        check_rejects_bad_config(self._variant(), bad_config=self.bad_config)
