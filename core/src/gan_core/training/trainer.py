"""The Accelerate training loop: one run directory, steps as the unit, exact resume."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import torch
from accelerate import Accelerator
from accelerate.state import AcceleratorState
from accelerate.utils import DistributedType, set_seed
from torch import Tensor
from torch.optim import Optimizer
from tqdm.auto import tqdm

from gan_core.config import CONFIG_FILE_NAME, RunConfig, dump_config
from gan_core.data.registry import DataOptions, LoadedData
from gan_core.errors import ConfigError, RunDirectoryError
from gan_core.registry import Registry
from gan_core.sampling import (
    generate,
    grid_labels,
    sample_latent,
    save_samples,
    save_translation_grid,
    write_data_info,
)
from gan_core.training.checkpoint import checkpoint_step, latest_checkpoint, save_checkpoint
from gan_core.training.evaluation import EvalContext, MetricEvaluator, metric_specs, real_subset, run_evaluators
from gan_core.training.logs import LOG_FILE, PLOT_FILE, JsonlLog, format_scalar, plot_losses, truncate_log
from gan_core.training.step import StepContext, alternating_step
from gan_core.training.stream import BatchStream
from gan_core.variant import Evaluator, Variant

SAMPLES_DIR = "samples"


@attrs.define
class _Progress:
    """The loop's own state, saved in every checkpoint through ``register_for_checkpointing``."""

    step: int = 0
    batches: int = 0
    extra: dict[str, int] = attrs.field(factory=dict)  # batches consumed from each extra data set

    def state_dict(self) -> dict[str, object]:
        return {"step": self.step, "batches": self.batches, "extra": dict(self.extra)}

    def load_state_dict(self, state: Mapping[str, object]) -> None:
        self.step, self.batches = int(state["step"]), int(state["batches"])  # type: ignore[call-overload]
        self.extra = {str(k): int(v) for k, v in dict(state.get("extra", {})).items()}  # type: ignore[call-overload]


@attrs.frozen
class TrainResult:
    """What a finished run left behind, and how long its steps took (setup and final I/O excluded)."""

    out_dir: Path
    steps: int
    start_step: int
    checkpoint: Path | None
    last_scalars: Mapping[str, float]
    loop_seconds: float


class _LinearDecay:
    """Sets each parameter group's learning rate to its configured value times a factor.

    Groups are looked up on every call: loading a checkpoint replaces an optimizer's group dicts.
    """

    def __init__(self, *optimizers: Optimizer) -> None:
        self._optimizers = optimizers
        self._base = [[float(group["lr"]) for group in opt.param_groups] for opt in optimizers]

    def set(self, factor: float) -> None:
        for opt, bases in zip(self._optimizers, self._base, strict=True):
            for group, base in zip(opt.param_groups, bases, strict=True):
                group["lr"] = base * factor


def _wrappers_add_nothing(accelerator: Accelerator) -> bool:
    """Whether ``loss.backward()`` and the bare optimizers do exactly what Accelerate's wrappers do.

    Without a gradient scaler (fp16) or gradient accumulation, on plain, DDP or multi-CPU setups,
    the wrappers only add per-call bookkeeping; DDP's gradient reduction lives in the module hooks.
    """
    return (
        accelerator.scaler is None
        and accelerator.gradient_accumulation_steps == 1
        and accelerator.distributed_type in {DistributedType.NO, DistributedType.MULTI_CPU, DistributedType.MULTI_GPU}
    )


def _is_run_dir(path: Path) -> bool:
    # config.toml alone is written before the data loads and the models build; if either fails, the
    # directory holds no results and the corrected command must be able to reuse it
    return (path / LOG_FILE).exists() or (path / "checkpoints").exists()


class GanTrainer:
    """Trains ``variant`` under ``config``, writing everything into ``out_dir``.

    ``data`` may be given directly (the conformance kit and benchmarks do); otherwise the variant's
    ``load_data`` makes it, or it is loaded from the registry by ``config.train.dataset``.
    ``evaluators`` run beside the variant's own ``evaluate`` and the metrics named in
    ``train.eval_metrics``, every ``train.eval_every`` steps.
    """

    def __init__(
        self,
        variant: Variant,
        config: RunConfig,
        out_dir: Path | str,
        *,
        registry: Registry | None = None,
        data: LoadedData | None = None,
        accelerator: Accelerator | None = None,
        evaluators: Sequence[Evaluator] = (),
    ) -> None:
        self.variant = variant
        self.config = config
        self.out_dir = Path(out_dir)
        self.registry = registry
        self._data = data
        self._accelerator = accelerator
        self.evaluators = list(evaluators)

    # -- setup -----------------------------------------------------------------------------------

    def _make_accelerator(self) -> Accelerator:
        if self._accelerator is not None:
            return self._accelerator
        # Accelerate picks MULTI_CPU (gloo) under torchrun only when told it runs on the CPU.
        launched = int(os.environ.get("WORLD_SIZE", "1")) > 1
        # Accelerate keeps its settings process-wide and refuses an Accelerator with other ones; each
        # run sets them afresh (the process group, held by PartialState, is kept)
        AcceleratorState._reset_state()
        precision = self.config.train.mixed_precision
        try:
            accelerator = Accelerator(mixed_precision=precision, cpu=launched and not torch.cuda.is_available())
        except ValueError as error:
            raise ConfigError("train.mixed_precision", str(error).splitlines()[0]) from None
        if precision == "fp16" and accelerator.device.type == "cpu":
            # Accelerate would quietly train in fp32 while config.toml says fp16
            raise ConfigError("train.mixed_precision", "'fp16' needs a GPU; on the CPU use 'bf16' or 'no'")
        return accelerator

    def _registry(self) -> Registry:
        if self.registry is None:
            from gan_core.plugins import get_registry

            self.registry = get_registry()
        return self.registry

    def load_data(self) -> LoadedData:
        if self._data is not None:
            return self._data
        options = DataOptions(
            root=Path(self.config.train.data_root).expanduser(), image_size=self.config.train.image_size
        )
        if self.variant.load_data is not None:
            return self.variant.load_data(self.config, options, self._registry())
        return self._registry().dataset(self.config.train.dataset).load(options)

    def _all_evaluators(self) -> list[Evaluator]:
        """The variant's measure, the caller's evaluators and the configured metrics (checked now,
        before anything is written, so that a misspelled metric costs no training)."""
        train = self.config.train
        found: list[Evaluator] = [self.variant.evaluate] if self.variant.evaluate is not None else []
        found += self.evaluators
        names = train.eval_metric_names
        if names:
            found.append(MetricEvaluator(metric_specs(self._registry(), names), train.eval_samples, train.seed + 1))
        if found and not train.eval_every:
            return []
        return found

    def _prepare_directory(self, accelerator: Accelerator, resume: bool) -> Path | None:
        checkpoint = latest_checkpoint(self.out_dir) if resume else None
        if resume and checkpoint is None:
            raise RunDirectoryError(f"--resume: no checkpoint in {self.out_dir}")
        if not resume and _is_run_dir(self.out_dir):
            raise RunDirectoryError(
                f"--out {self.out_dir} already holds a run; pass --resume to continue it or choose another directory"
            )
        if checkpoint is not None and checkpoint_step(checkpoint) > self.config.train.steps:
            raise ConfigError(
                "train.steps",
                f"must be >= the checkpoint's step ({checkpoint_step(checkpoint)}), got {self.config.train.steps}",
            )
        accelerator.wait_for_everyone()  # every process checks the directory before the main one writes
        if accelerator.is_main_process:
            (self.out_dir / SAMPLES_DIR).mkdir(parents=True, exist_ok=True)
            dump_config(self.config, self.out_dir / CONFIG_FILE_NAME)
            if checkpoint is not None:
                truncate_log(self.out_dir / LOG_FILE, checkpoint_step(checkpoint))
        accelerator.wait_for_everyone()
        return checkpoint

    # -- the loop --------------------------------------------------------------------------------

    def fit(self, resume: bool = False) -> TrainResult:
        train = self.config.train
        evaluators = self._all_evaluators()
        accelerator = self._make_accelerator()
        checkpoint = self._prepare_directory(accelerator, resume)
        set_seed(train.seed, device_specific=True)
        data = self.load_data()
        if data.info.kind not in self.variant.data_kinds:
            raise ConfigError(
                "train.dataset",
                f"{self.variant.name} trains on {' or '.join(sorted(self.variant.data_kinds))} data; "
                f"{train.dataset!r} is {data.info.kind} data",
            )
        if self.variant.conditional and data.info.num_classes is None:
            raise ConfigError("train.dataset", f"{self.variant.name} is conditional and needs a labelled data set")
        source = self.variant.source
        if source is not None and source not in data.extra:
            raise ConfigError("train.dataset", f"{self.variant.name} translates a {source!r} data set; none was loaded")
        info = data.full_info
        models = self.variant.build(self.config.model, info)
        generator, discriminator, g_opt, d_opt = accelerator.prepare(
            models.generator, models.discriminator, models.g_optimizer, models.d_optimizer
        )
        # the configured rates, before a checkpoint's (possibly decayed) ones replace them
        schedule = _LinearDecay(models.g_optimizer, models.d_optimizer) if train.lr_decay == "linear" else None
        progress = _Progress()
        accelerator.register_for_checkpointing(progress)
        if checkpoint is not None:
            accelerator.load_state(str(checkpoint))
        start_step = progress.step
        stream = BatchStream(
            data.dataset,
            batch_size=train.batch_size,
            seed=train.seed,
            device=accelerator.device,
            start=progress.batches,
            rank=accelerator.process_index,
            world=accelerator.num_processes,
        )
        streams = {
            name: BatchStream(
                extra.dataset,
                batch_size=train.batch_size,
                seed=train.seed,
                device=accelerator.device,
                start=progress.extra.get(name, 0),
                rank=accelerator.process_index,
                world=accelerator.num_processes,
                key=name,
            )
            for name, extra in data.extra.items()
        }
        # a translation variant's generator reads source samples, not noise
        latent_dim = 0 if source is not None else int(accelerator.unwrap_model(generator).latent_dim)
        plain = _wrappers_add_nothing(accelerator)
        ctx = StepContext(
            accelerator=accelerator,
            generator=generator,
            discriminator=discriminator,
            discriminator_module=accelerator.unwrap_model(discriminator),
            loss=models.loss,
            g_optimizer=g_opt.optimizer if plain else g_opt,
            d_optimizer=d_opt.optimizer if plain else d_opt,
            plain_backward=plain,
            batches=stream,
            latent_dim=latent_dim,
            d_steps=train.d_steps,
            conditional=self.variant.conditional,
            streams=streams,
        )
        step_fn = self.variant.step or alternating_step
        if source is None:
            fixed_z = sample_latent(train.grid_size, latent_dim, seed=train.seed, device=accelerator.device)
        else:  # the grid shows the same source samples, each beside its translation, throughout
            fixed_z = real_subset(data.extra[source], train.grid_size, train.seed)[0].to(accelerator.device)
        fixed_y = grid_labels(train.grid_size, data.info.num_classes if self.variant.conditional else None)
        real_points = (
            data.dataset.get_batch(torch.arange(min(2000, len(data.dataset))))[0]
            # type: ignore[attr-defined]
            if (data.info.kind == "points" and hasattr(data.dataset, "get_batch"))
            else None
        )

        main = accelerator.is_main_process
        log = JsonlLog(self.out_dir / LOG_FILE) if main else None
        if main:
            write_data_info(info, self.out_dir)
        bar = tqdm(
            total=train.steps,
            initial=start_step,
            disable=not (main and train.progress),
            desc=self.variant.name,
            dynamic_ncols=True,
        )
        sums: dict[str, Tensor] = {}
        count = 0
        last: dict[str, float] = {}
        saved: Path | None = checkpoint
        started = time.perf_counter()
        loop_seconds = 0.0

        def write_grid(step: int) -> None:
            if not main:
                return
            samples = generate(accelerator.unwrap_model(generator), fixed_z, fixed_y)
            path = self.out_dir / SAMPLES_DIR / f"step_{step:08d}.png"
            if source is not None:
                save_translation_grid(fixed_z.cpu(), samples, info.extra[source], info, path)
            else:
                save_samples(samples, data.info, path, real=real_points)

        def evaluate(step: int) -> dict[str, float]:
            ctx = EvalContext(
                step=step,
                generator=accelerator.unwrap_model(generator),
                accelerator=accelerator,
                data=data,
                config=self.config,
                out_dir=self.out_dir,
                registry=self.registry,
                latent_dim=latent_dim,
                conditional=self.variant.conditional,
            )
            return run_evaluators(evaluators, ctx)

        for step in range(start_step, train.steps):
            ctx.step = step
            if schedule is not None:
                schedule.set(1.0 - step / train.steps)
            scalars = step_fn(ctx)
            for name, value in scalars.items():
                sums[name] = sums[name] + value if name in sums else value.clone()
            count += 1
            progress.step, progress.batches = step + 1, stream.consumed
            if streams:
                progress.extra = {name: extra_stream.consumed for name, extra_stream in streams.items()}
            done = step + 1
            final = done == train.steps
            bar.update(1)
            if done % train.log_every == 0 or final:
                means = accelerator.reduce({k: v / count for k, v in sums.items()}, reduction="mean")
                last = {k: float(v) for k, v in means.items()}
                if log is not None:
                    log.write({"step": done, **last, "elapsed_s": round(time.perf_counter() - started, 3)})
                bar.set_postfix({k: format_scalar(v) for k, v in last.items()}, refresh=False)
                sums, count = {}, 0
            if final:
                loop_seconds = time.perf_counter() - started
            if evaluators and (done % train.eval_every == 0 or final):
                results = evaluate(done)
                last.update(results)
                if log is not None:
                    log.write({"step": done, **results})
            if (train.sample_every and done % train.sample_every == 0) or final:
                write_grid(done)
            if (train.checkpoint_every and done % train.checkpoint_every == 0) or final:
                saved = save_checkpoint(accelerator, self.out_dir, done, generator, train.keep_checkpoints)
        bar.close()
        if log is not None:
            log.close()
            plot_losses(self.out_dir / LOG_FILE, self.out_dir / PLOT_FILE)
        accelerator.wait_for_everyone()
        return TrainResult(self.out_dir, train.steps, start_step, saved, last, loop_seconds)


def train(variant: Variant, config: RunConfig, out_dir: Path | str, **kwargs: Any) -> TrainResult:
    """Convenience: ``GanTrainer(variant, config, out_dir, **kwargs).fit()``."""
    resume = kwargs.pop("resume", False)
    return GanTrainer(variant, config, out_dir, **kwargs).fit(resume=resume)
