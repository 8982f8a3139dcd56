"""The Accelerate training loop: one run directory, steps as the unit, exact resume.

:meth:`GanTrainer.fit` reads top to bottom: check what was asked and build the game
(:meth:`GanTrainer._start`), then a :class:`_Session` plays one step at a time and does what each
step's number calls for (log, evaluate, draw the grid, save a checkpoint), then finishes.
The trainer never asks what kind of variant it runs: the game says what the generator reads.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import time
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import torch
from accelerate import Accelerator
from accelerate.state import AcceleratorState
from accelerate.utils import DistributedType, set_seed
from safetensors import safe_open
from safetensors.torch import load_model
from torch import Tensor, nn
from torch.optim import Optimizer
from tqdm.auto import tqdm

from gan_core._config import RunConfig
from gan_core._ema import GeneratorAverage, ema_decay
from gan_core._game import Game, StepContext
from gan_core._inference import generate
from gan_core._inputs import GeneratorInput
from gan_core._monitor import Event, Monitor, default_detectors, scores_are_probabilities
from gan_core._probes import PROBE_PREFIX, Probes
from gan_core._protocols import Regularizer
from gan_core._records import LoadedData, LossSpec
from gan_core._registry import Registry
from gan_core._rundir import Role, RunDir, checkpoint_step
from gan_core._sample_files import save_samples
from gan_core._stream import BatchStream
from gan_core._threads import ThreadGovernor
from gan_core._toolkit import discriminator_options, make_game
from gan_core._training.checkpoint import load_checkpoint, save_checkpoint, saved_processes
from gan_core._training.evaluation import MetricEvaluator, metric_specs, run_evaluators
from gan_core._training.logs import PlainProgress, format_scalar, plot_losses
from gan_core._training.trackers import Trackers, accelerator_options, check_trackers
from gan_core._variant import EvalContext, Evaluator, Variant, check_data
from gan_core.augment import DiffAugment
from gan_core.errors import ConfigError, DivergenceError, GanWarning, RunDirectoryError
from gan_core.losses import CORE_LOSSES
from gan_core.regularizers import R1, R2


@attrs.define
class _Progress:
    """The loop's own state, saved in every checkpoint as ``progress.json``."""

    step: int = 0
    batches: int = 0
    extra: dict[str, int] = attrs.field(factory=dict)  # batches consumed from each extra data set
    d_updates: int = 0  # discriminator updates made (lazy regularisers count them)
    processes: int = 1  # how many processes trained: another count draws other noise
    averages: dict[str, Any] = attrs.field(factory=dict)  # the log's running sums since its last line

    def state_dict(self) -> dict[str, object]:
        return {
            "step": self.step,
            "batches": self.batches,
            "extra": dict(self.extra),
            "d_updates": self.d_updates,
            "processes": self.processes,
            "averages": self.averages,
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        try:
            self.step, self.batches = int(state["step"]), int(state["batches"])
            self.extra = {str(k): int(v) for k, v in dict(state.get("extra", {})).items()}
            self.d_updates = int(state.get("d_updates", 0))
            self.processes = int(state.get("processes", 0))  # 0: not recorded (gan-core 0.1, 0.2.0)
            self.averages = dict(state.get("averages", {}))
        except (KeyError, TypeError, ValueError) as error:
            raise RunDirectoryError(f"the checkpoint's progress is damaged ({error})") from None


@attrs.frozen
class TrainResult:
    """What a finished run left behind, and how long its steps took (setup and final I/O excluded)."""

    out_dir: Path
    steps: int
    start_step: int
    checkpoint: Path | None
    last_scalars: Mapping[str, float]
    loop_seconds: float
    #: the failure modes the monitor reported during this call (gan_core._monitor), in order
    events: tuple[Event, ...] = ()


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


def cosine_factor(progress: float, final: float) -> float:
    """The fraction of a setting's value at ``progress`` (0: the first step, 1: the last) of a cosine
    from 1 to ``final``: R3GAN's schedule of gamma (its ``cosine_decay_with_warmup``, without warm-up)."""
    return final + (1.0 - final) * 0.5 * (1.0 + math.cos(math.pi * progress))


class _PenaltyDecay:
    """The game's regularisers with every R1's and R2's gamma at the schedule's fraction
    (``train.penalty_final``); the others (WGAN-GP's penalty, weight clipping) as built."""

    def __init__(self, regularizers: Sequence[Regularizer], final: float) -> None:
        self._built = tuple(regularizers)
        self._final = final

    def at(self, progress: float) -> tuple[Regularizer, ...]:
        factor = cosine_factor(progress, self._final)
        return tuple(attrs.evolve(r, gamma=r.gamma * factor) if isinstance(r, (R1, R2)) else r for r in self._built)


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


class _NoRegistry:
    """What a trainer made without ``registry=`` can look up: the core's own losses; anything else is a
    clear error."""

    def dataset(self, name: str) -> Any:
        raise TypeError(f"GanTrainer needs registry= to load the data set {name!r}")

    def loss(self, name: str) -> LossSpec:
        for spec in CORE_LOSSES:
            if spec.name == name:
                return spec
        raise TypeError(f"GanTrainer needs registry= to look up the loss {name!r}")


class _Averages:
    """Sums of each scalar since the last log line, averaged per scalar: a scalar that a step logs only
    now and then (a lazy penalty) is averaged over the steps that logged it."""

    def __init__(self) -> None:
        self.sums: dict[str, Tensor] = {}
        self.counts: dict[str, int] = {}

    def add(self, scalars: Mapping[str, Tensor]) -> None:
        for name, value in scalars.items():
            self.sums[name] = self.sums[name] + value if name in self.sums else value.clone()
            self.counts[name] = self.counts.get(name, 0) + 1

    def take(self) -> dict[str, Tensor]:
        means = {name: total / self.counts[name] for name, total in self.sums.items()}
        self.sums, self.counts = {}, {}
        return means

    def state(self) -> dict[str, Any]:
        """The sums as plain numbers (exact: a float32 is a double without rounding), for a checkpoint
        saved between two log steps: the resumed run's first line then averages every step it says."""
        return {
            name: {"sum": total.tolist(), "dtype": str(total.dtype).removeprefix("torch."), "count": self.counts[name]}
            for name, total in self.sums.items()
        }

    def restore(self, state: Mapping[str, Any], device: torch.device) -> None:
        self.sums = {
            name: torch.tensor(entry["sum"], dtype=getattr(torch, entry["dtype"]), device=device)
            for name, entry in state.items()
        }
        self.counts = {name: int(entry["count"]) for name, entry in state.items()}


class GanTrainer:
    """Trains ``variant`` under ``config``, writing everything into ``out_dir``.

    ``registry`` is where the trainer looks up data sets, a loss named by the game and the metrics of
    ``train.eval_metrics``; the command line passes the one it built. ``data`` may be given directly
    (the conformance kit and benchmarks do); otherwise the variant's ``load_data`` makes it, or it
    is loaded from the registry by ``config.train.dataset``. ``evaluators`` run beside the variant's
    own ``evaluate`` and the configured metrics, every ``train.eval_every`` steps.
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

    def fit(self, resume: bool = False) -> TrainResult:
        """Train to ``train.steps`` (from the last intact checkpoint, with ``resume``) and return what was
        done. The run directory is locked against a second writer for the whole call."""
        with contextlib.ExitStack() as held:
            session = self._start(resume, held)
            try:
                for step in range(session.start_step, self.config.train.steps):
                    scalars = session.play(step)
                    session.after_step(step + 1, scalars)
            finally:
                session.close()
            return session.finish()

    # -- setup: every check before any write ------------------------------------------------------

    def _start(self, resume: bool, held: contextlib.ExitStack) -> _Session:
        """Every check, and the checkpoint's state loaded, before the first write into the directory:
        a refused or failed start leaves it as it was."""
        train = self.config.train
        evaluators = self._all_evaluators()
        accelerator = self._make_accelerator()
        run = RunDir(self.out_dir)
        if accelerator.is_main_process:
            held.enter_context(run.lock("--out"))
        checkpoint, damaged = self._checkpoint_to_resume(run, resume)
        set_seed(train.seed, device_specific=True)
        data = self.load_data()
        check_data(self.variant, data.info, train.dataset)
        game = make_game(self.variant, self.config, data.full_info, self._catalog())
        game.inputs.check(data)
        session = _Session(self, accelerator, run, data, game, checkpoint, evaluators)
        self._prepare_directory(accelerator, run, checkpoint, damaged, resume)
        session.open_outputs()
        return session

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
            check_trackers(self.config.train.log_with)
            accelerator = Accelerator(
                mixed_precision=precision,
                cpu=launched and not torch.cuda.is_available(),
                **accelerator_options(self.config.train.log_with, self.out_dir),
            )
        except ValueError as error:
            raise ConfigError("train.mixed_precision", str(error).splitlines()[0]) from None
        if precision == "fp16" and accelerator.device.type == "cpu":
            # Accelerate would quietly train in fp32 while config.toml says fp16
            raise ConfigError("train.mixed_precision", "'fp16' needs a GPU; on the CPU use 'bf16' or 'no'")
        return accelerator

    def _need_registry(self, why: str) -> Registry:
        if self.registry is None:
            raise TypeError(f"GanTrainer needs registry= to {why}")
        return self.registry

    def _catalog(self) -> Registry | _NoRegistry:
        return self.registry if self.registry is not None else _NoRegistry()

    def load_data(self) -> LoadedData:
        if self._data is not None:
            return self._data
        return self.variant.load_training_data(self.config, self._catalog())

    def _all_evaluators(self) -> list[Evaluator]:
        """The variant's measure, the caller's evaluators and the configured metrics (checked now,
        before anything is written, so that a misspelled metric costs no training)."""
        train = self.config.train
        found: list[Evaluator] = [self.variant.evaluate] if self.variant.evaluate is not None else []
        found += self.evaluators
        names = train.eval_metric_names
        if names:
            specs = metric_specs(self._need_registry("look up train.eval_metrics"), names)
            found.append(MetricEvaluator(specs, train.eval_samples, train.seed + 1))
        if found and not train.eval_every:
            return []
        return found

    def _checkpoint_to_resume(self, run: RunDir, resume: bool) -> tuple[Path | None, list[Path]]:
        """The checkpoint ``--resume`` continues from (the newest intact one) and the damaged newer ones
        it passes over, or a one-line error if the request cannot be met.

        A run that died before its first checkpoint restarts from step 0, with a notice.
        """
        if not resume:
            if run.holds_results():
                raise RunDirectoryError(
                    f"--out {self.out_dir} already holds a run; pass --resume to continue it "
                    "or choose another directory"
                )
            return None, []
        checkpoint, damaged = run.intact_checkpoint()
        if checkpoint is None and not run.holds_results():
            raise RunDirectoryError(
                f"--resume: no checkpoint in {self.out_dir}; leave out --resume to start a run there"
            )
        then = f"resuming from {checkpoint.name}" if checkpoint is not None else "restarting from step 0"
        for bad, problem in damaged:
            warnings.warn(f"checkpoint {bad.name} is damaged ({problem}); {then}", GanWarning, 3)
        if checkpoint is None:
            if not damaged:
                warnings.warn(f"--resume: {self.out_dir} holds no checkpoint yet; {then}", GanWarning, 3)
            return None, [bad for bad, _ in damaged]
        if checkpoint_step(checkpoint) > self.config.train.steps:
            raise ConfigError(
                "train.steps",
                f"must be >= the checkpoint's step ({checkpoint_step(checkpoint)}), got {self.config.train.steps}",
            )
        return checkpoint, [bad for bad, _ in damaged]

    def _prepare_directory(
        self, accelerator: Accelerator, run: RunDir, checkpoint: Path | None, damaged: Sequence[Path], resume: bool
    ) -> None:
        accelerator.wait_for_everyone()  # every process loads its state before the main one writes
        if accelerator.is_main_process:
            run.samples_dir.mkdir(parents=True, exist_ok=True)
            run.write_config(self.config)
            for bad in damaged:
                run.set_aside(bad)
            if resume:
                run.truncate_log(checkpoint_step(checkpoint) if checkpoint is not None else 0)
        accelerator.wait_for_everyone()


class _Session:
    """One run of the loop: the prepared game, its step context, and what each step number calls for."""

    def __init__(
        self,
        trainer: GanTrainer,
        accelerator: Accelerator,
        run: RunDir,
        data: LoadedData,
        game: Game,
        checkpoint: Path | None,
        evaluators: list[Evaluator],
    ) -> None:
        self.trainer, self.train, self.accelerator, self.run = trainer, trainer.config.train, accelerator, run
        self.data, self.game, self.evaluators = data, game, evaluators
        self.averages = _Averages()
        self.ctx, self.schedule, self.progress = self._prepare(checkpoint)
        final = self.train.penalty_final
        self.penalty_decay = _PenaltyDecay(game.regularizers, final) if final != 1.0 else None
        self.average = self._average(checkpoint)
        self.start_step = self.progress.step
        self.fixed = game.inputs.fixed(self.train.grid_size, self.train.seed, data)
        self.main = accelerator.is_main_process
        self.log: Any = None
        self.bar: Any = None
        self.trackers: Trackers | None = None
        self.unchecked = bool(discriminator_options(self.train))  # options the step must honour
        self.last: dict[str, float] = {}
        self.probed: dict[str, Tensor] = {}  # the probes of the step before the next log line
        self.monitor = Monitor(
            default_detectors(self.train.steps),
            probabilities=scores_are_probabilities(self.ctx.loss),
            log_every=self.train.log_every,
        )
        self.saved: Path | None = checkpoint
        self.threads = ThreadGovernor(self.train.threads, adaptive=self.train.adaptive_threads)
        self.threads.start()
        self.started = time.perf_counter()
        self.loop_seconds = 0.0

    def open_outputs(self) -> None:
        """The log and the progress bar, once the directory is prepared."""
        if self.main:
            self.log = self.run.open_log()
            self.run.write_data_info(self.data.full_info)
            self._replay_log()
        self.trackers = Trackers(self.accelerator, self.trainer.config, self.run.path)
        shown = self.main and self.train.progress
        if shown and not sys.stderr.isatty():
            self.bar = PlainProgress(self.train.steps, self.start_step, self.trainer.variant.name)
        else:
            self.bar = tqdm(
                total=self.train.steps,
                initial=self.start_step,
                disable=not shown,
                desc=self.trainer.variant.name,
                dynamic_ncols=True,
            )

    def _replay_log(self) -> None:
        """A resumed run's detectors read the lines it logged before (their early references, their
        streaks); the events it already reported are not reported again."""
        if self.start_step == 0:
            return
        self.monitor.replay(self.run.read_log(), until=self.start_step)
        self.monitor.events.clear()

    def _prepare(self, checkpoint: Path | None) -> tuple[StepContext, _LinearDecay | None, _Progress]:
        """Accelerate's wrappers, the decay schedule, the loop's progress (restored from ``checkpoint``)
        and the step's context over the data streams."""
        game, train, accelerator = self.game, self.train, self.accelerator
        generator, discriminator, g_opt, d_opt = accelerator.prepare(
            game.generator, game.discriminator, game.g_optimizer, game.d_optimizer
        )
        # the configured rates, before a checkpoint's (possibly decayed) ones replace them
        schedule = _LinearDecay(game.g_optimizer, game.d_optimizer) if train.lr_decay == "linear" else None
        progress = _Progress(processes=accelerator.num_processes)
        if checkpoint is not None:
            progress.load_state_dict(load_checkpoint(accelerator, checkpoint, self._networks(), self._optimizers()))
            self.averages.restore(progress.averages, accelerator.device)
            saved = progress.processes or saved_processes(checkpoint)
            if saved != accelerator.num_processes:
                warnings.warn(
                    f"{checkpoint.name} was saved by {saved} process(es) and resumes with "
                    f"{accelerator.num_processes}: training continues, but will not reproduce an "
                    "uninterrupted run bit for bit",
                    GanWarning,
                    4,
                )
            progress.processes = accelerator.num_processes
        plain = _wrappers_add_nothing(accelerator)
        ctx = StepContext(
            accelerator=accelerator,
            generator=generator,
            discriminator=discriminator,
            discriminator_module=accelerator.unwrap_model(discriminator),
            loss=game.loss,  # type: ignore[arg-type]  # build_game resolved a loss name
            g_optimizer=g_opt.optimizer if plain else g_opt,
            d_optimizer=d_opt.optimizer if plain else d_opt,
            plain_backward=plain,
            batches=self._stream(self.data, progress.batches, key=""),
            inputs=game.inputs,
            regularizers=game.regularizers,
            d_steps=train.d_steps,
            conditional=self.trainer.variant.conditional,
            streams={
                name: self._stream(extra, progress.extra.get(name, 0), key=name)
                for name, extra in self.data.extra.items()
            },
            d_updates=progress.d_updates,
            augment=DiffAugment(train.augmentations) if train.augmentations else None,
        )
        return ctx, schedule, progress

    def _networks(self) -> dict[Role, nn.Module]:
        return {"generator": self.game.generator, "discriminator": self.game.discriminator}

    def _optimizers(self) -> dict[str, Optimizer]:
        return {"generator": self.game.g_optimizer, "discriminator": self.game.d_optimizer}

    def _stream(self, data: LoadedData, start: int, key: str) -> BatchStream:
        return BatchStream(
            data.dataset,
            batch_size=self.train.batch_size,
            seed=self.train.seed,
            device=self.accelerator.device,
            start=start,
            rank=self.accelerator.process_index,
            world=self.accelerator.num_processes,
            key=key,
        )

    def _average(self, checkpoint: Path | None) -> GeneratorAverage | None:
        """The generator's moving average (``train.ema``), restored from ``checkpoint`` when it holds one."""
        if not self.train.ema:
            return None
        decay = ema_decay(self.train.ema, self.train.batch_size)
        average = GeneratorAverage(self.accelerator.unwrap_model(self.ctx.generator), decay)
        stored = RunDir.weights_file(checkpoint, "generator_ema") if checkpoint is not None else None
        if stored is not None and stored.exists():
            load_model(average.model, str(stored))
            with safe_open(str(stored), framework="pt") as handle:
                average.updates = int((handle.metadata() or {}).get("updates", 0))
        return average

    def _sampler(self) -> nn.Module:
        """What grids, evaluations and checkpoints sample from: the average, its batch-norm statistics
        recomputed for its own weights, or the live generator."""
        if self.average is None:
            return self.accelerator.unwrap_model(self.ctx.generator)
        self.average.refresh_batch_norm(self.game.inputs, self.data, self.train.batch_size)
        return self.average.model

    # -- the loop ---------------------------------------------------------------------------------

    def play(self, step: int) -> Mapping[str, Tensor]:
        """Generator update ``step``: the game's step, at the learning rate the schedule gives."""
        self.ctx.begin(step)
        if self.schedule is not None:
            self.schedule.set(1.0 - step / self.train.steps)
        if self.penalty_decay is not None:
            self.ctx.regularizers = self.penalty_decay.at(step / self.train.steps)
        before = self.ctx.d_updates
        probing = self.train.probes and self._logs_at(step + 1)
        if probing:
            self.ctx.probes = Probes(
                probabilities=self.monitor.probabilities,
                modes=self.data.modes,
                num_modes=self.data.info.num_classes,
            )
        scalars = self.game.step(self.ctx)
        if self.ctx.probes is not None:
            self.probed = self.ctx.probes.take()
            self.ctx.probes = None
        self._guard_scalars(step + 1, scalars)
        if self.unchecked:
            self._check_step_honours_options(before)
        if self.average is not None:
            self.average.update(self.accelerator.unwrap_model(self.ctx.generator))
        self.averages.add(scalars)
        self.progress.step, self.progress.batches = step + 1, self.ctx.batches.consumed
        self.progress.d_updates = self.ctx.d_updates
        if self.ctx.streams:
            self.progress.extra = {name: stream.consumed for name, stream in self.ctx.streams.items()}
        return scalars

    def _guard_scalars(self, done: int, scalars: Mapping[str, Tensor]) -> None:
        """Stop at the first non-finite loss (one check per step: NaN weights or gradients make the next
        losses NaN, so they are caught here too, one step later at most)."""
        if not scalars:
            return
        values = torch.cat([value.detach().reshape(-1).float() for value in scalars.values()])
        if bool(torch.isfinite(values).all()):
            return
        name = next(n for n, v in scalars.items() if not bool(torch.isfinite(v.detach().float()).all()))
        self._diverged(done, f"the loss {name!r}")

    def _guard_weights(self, done: int, networks: Mapping[Role, nn.Module]) -> None:
        """Never save a non-finite network: the last finite checkpoint must survive pruning."""
        for role, network in networks.items():
            for name, tensor in self.accelerator.unwrap_model(network).state_dict().items():
                if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
                    self._diverged(done, f"the {role}'s {name}")

    def _diverged(self, done: int, what: str) -> None:
        saved = self.run.latest_checkpoint()
        error = DivergenceError(done, what, str(saved) if saved is not None else None)
        if self.log is not None:
            self.log.write(
                {
                    "step": done,
                    "event": "divergence",
                    "detail": f"{what} is not finite",
                    "advice": "lower the learning rate (model.lr, train.d_lr), add train.r1, or try another loss",
                }
            )
        raise error

    def _check_step_honours_options(self, d_updates_before: int) -> None:
        """R1, R2 and DiffAugment act in ``ctx.update_discriminator`` and ``ctx.step_discriminator``: a
        step that calls neither (it updates its discriminator its own way, or not at all) would
        silently train without them."""
        self.unchecked = False
        if self.ctx.d_updates == d_updates_before:
            option = discriminator_options(self.train)[0]
            raise ConfigError(
                option,
                f"{self.trainer.variant.name}'s step did not update its discriminator through gan_core's "
                "StepContext.update_discriminator or step_discriminator, so this option cannot apply; leave it unset",
            )

    def _logs_at(self, done: int) -> bool:
        """Whether the step that brings the count to ``done`` ends with a log line (and so is probed)."""
        return done % self.train.log_every == 0 or done == self.train.steps

    def after_step(self, done: int, scalars: Mapping[str, Tensor]) -> None:
        """What step number ``done`` calls for: a log line, an evaluation, a grid, a checkpoint."""
        train = self.train
        final = done == train.steps
        if self._logs_at(done):
            self._log_scalars(done)
        if final:
            self.loop_seconds = time.perf_counter() - self.started
        if self.evaluators and (done % train.eval_every == 0 or final):
            self._evaluate(done)
        if (train.sample_every and done % train.sample_every == 0) or final:
            self._write_grid(done)
        if (train.checkpoint_every and done % train.checkpoint_every == 0) or final:
            self._save(done)
        self.bar.update(1)  # after the log line, so that progress shows this step's scalars
        self.threads.tick()

    def _save(self, done: int) -> None:
        networks: dict[Role, nn.Module] = {"generator": self.ctx.generator, "discriminator": self.ctx.discriminator}
        metadata: dict[Role, dict[str, str]] = {}
        if self.average is not None:
            networks["generator_ema"] = self._sampler()
            metadata["generator_ema"] = {"updates": str(self.average.updates)}
        self._guard_weights(done, networks)
        self.progress.averages = self.averages.state()
        self.saved = save_checkpoint(
            self.accelerator,
            self.run,
            done,
            networks,
            self.train.keep_checkpoints,
            optimizers=self._optimizers(),
            progress=self.progress.state_dict(),
            data_info=attrs.asdict(self.data.full_info),
            metadata=metadata,
        )

    def _log_scalars(self, done: int) -> None:
        means = self.accelerator.reduce({**self.averages.take(), **self.probed}, reduction="mean")
        self.probed = {}
        values = {k: float(v) for k, v in means.items()}
        self.last = {k: v for k, v in values.items() if not k.startswith(PROBE_PREFIX)}  # the losses
        if self.log is not None:
            self.log.write({"step": done, **values, "elapsed_s": round(time.perf_counter() - self.started, 3)})
            for event in self.monitor.observe(done, values):
                self.log.write(event.record())
                warnings.warn(event.line(), GanWarning, 2)
        if self.trackers is not None:
            self.trackers.scalars(values, done)
        self.bar.set_postfix({k: format_scalar(v) for k, v in self.last.items()}, refresh=False)

    def _evaluate(self, done: int) -> None:
        ctx = EvalContext(
            step=done,
            generator=self._sampler(),
            accelerator=self.accelerator,
            data=self.data,
            config=self.trainer.config,
            out_dir=self.run.path,
            inputs=self.game.inputs,
            registry=self.trainer.registry,
            conditional=self.trainer.variant.conditional,
        )
        results = run_evaluators(self.evaluators, ctx)
        self.last.update(results)
        if self.log is not None:
            self.log.write({"step": done, **results})
        if self.trackers is not None:
            self.trackers.scalars({k: v for k, v in results.items() if isinstance(v, int | float)}, done)

    def _write_grid(self, done: int) -> None:
        if not self.main:
            return
        fixed: GeneratorInput = self.fixed
        device = self.accelerator.device
        generator = self._sampler()
        y = fixed.y.to(device) if fixed.y is not None else None
        samples = generate(generator, fixed.x.to(device), y)
        info = self.data.full_info
        shown = fixed.x if self.game.inputs.paired else None
        save_samples(
            samples,
            info,
            self.run.sample_path(done),
            real=self._real_points(),
            inputs=shown,
            input_info=self.game.inputs.input_info(info),
        )
        if self.trackers is not None:
            self.trackers.image(self.run.sample_path(done), done)

    def _real_points(self) -> Tensor | None:
        """Up to 2,000 training points, drawn under the samples of a scatter plot."""
        dataset: Any = self.data.dataset
        if self.data.info.kind != "points" or not hasattr(dataset, "get_batch"):
            return None
        return dataset.get_batch(torch.arange(min(2000, len(dataset))))[0]  # type: ignore[no-any-return]

    # -- the end ----------------------------------------------------------------------------------

    def close(self) -> None:
        if self.trackers is not None:
            self.trackers.end()
        if self.bar is not None:
            self.bar.close()
        if self.log is not None:
            self.log.close()

    def finish(self) -> TrainResult:
        if self.main:
            plot_losses(self.run.log_file, self.run.plot_file)
        self.accelerator.wait_for_everyone()
        train = self.train
        return TrainResult(
            self.run.path,
            train.steps,
            self.start_step,
            self.saved,
            self.last,
            self.loop_seconds,
            tuple(self.monitor.events),
        )


def train(variant: Variant, config: RunConfig, out_dir: Path | str, **kwargs: Any) -> TrainResult:
    """Convenience: ``GanTrainer(variant, config, out_dir, **kwargs).fit()``."""
    resume = kwargs.pop("resume", False)
    return GanTrainer(variant, config, out_dir, **kwargs).fit(resume=resume)
