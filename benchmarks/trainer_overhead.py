"""How much does the core trainer cost over a hand-written loop, and what does its step save?

Three ways to run the same N training steps of the vanilla GAN (the plugin's MLPs, the same initial
weights, the same batches in the same order, the same seed):

A. ``GanTrainer(...).fit()``: the library as users run it (Accelerate, logging, checkpoint cadence).
B. a plain PyTorch loop doing exactly the math of the core's ``alternating_step``: one fake batch per
   step, reused for the generator update, discriminator weights frozen during that update.
C. the "seed-style" loop most tutorials show: a second fake batch (new ``z``) for the generator
   update, and discriminator weight gradients computed during it and then thrown away.

A/B is the trainer's overhead (target <= 1.03); C/A is what the core's step saves over the naive loop
(target >= 1.10). The three are timed in interleaved rounds (A, B, C, A, B, C, ...) in one process,
so that noise from other work on the machine falls on all of them alike; the median and the spread
over rounds are reported. Before timing, ``--check`` (on by default) proves that A and B compute the
same thing: same per-step losses and the same generator weights after a few steps.

Run from the repository root::

    python benchmarks/trainer_overhead.py                  # CPU, 5 rounds of 300 steps
    python benchmarks/trainer_overhead.py --device cuda --json bench.json

Only public pieces are used: the library's public API, ``time.perf_counter`` and ``statistics``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from _common import Spread, machine
from accelerate import Accelerator
from torch import Tensor, nn

import gan_core
import gan_plugin_vanilla
from gan_core import (
    GanTrainer,
    LoadedData,
    Noise,
    RunConfig,
    RunDir,
    Variant,
    create_registry,
    load_generator,
    resolve_config,
)
from gan_core._stream import epoch_permutation
from gan_core.data import DataOptions
from gan_plugin_vanilla import VANILLA
from gan_plugin_vanilla import plugin as vanilla_plugin

LOOPS = ("A", "B", "C")
LOOP_NAMES = {
    "A": "A: core trainer (GanTrainer.fit)",
    "B": "B: plain PyTorch, same math",
    "C": "C: seed-style (2 fakes, D grads in G update)",
}
OVERHEAD_TARGET = 1.03  # A/B at most
SPEEDUP_TARGET = 1.10  # C/A at least

# --- settings ------------------------------------------------------------------------------------


def run_config(
    *,
    dataset: str = "mnist-5k",
    steps: int,
    batch_size: int = 64,
    seed: int = 0,
    log_every: int = 10,
    model_overrides: Sequence[str] = (),
) -> RunConfig:
    """The trainer's settings with every optional write switched off except the final ones, which
    ``loop_seconds`` leaves out; model settings are the plugin's defaults unless overridden."""
    flags = {
        "dataset": dataset,
        "steps": steps,
        "batch_size": batch_size,
        "seed": seed,
        "log_every": log_every,
        "sample_every": 0,
        "checkpoint_every": 0,
        "progress": False,
    }
    overrides = [o if o.startswith("model.") else f"model.{o}" for o in model_overrides]
    return resolve_config(VANILLA, flags=flags, overrides=overrides)


def load_data(name: str) -> LoadedData:
    """A core data set through the registry, as ``gan train`` loads it."""
    registry = create_registry(entry_points=False)
    return registry.dataset(name).load(DataOptions(root=Path("~/.cache/gan/data").expanduser()))


def _make_accelerator(device: torch.device) -> Accelerator:
    # Handed to the trainer so that ``--device cpu`` stays on the CPU on a GPU machine too.
    return Accelerator(cpu=device.type == "cpu")


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


# --- B and C: hand-written loops -------------------------------------------------------------------


class DeviceBatches:
    """The trainer's batch order (global batch ``b`` is slice ``b mod per_epoch`` of the seeded
    permutation of epoch ``b div per_epoch``), written the way one would by hand: the whole data
    set moved to the device once and indexed there."""

    def __init__(self, data: LoadedData, batch_size: int, seed: int, device: torch.device) -> None:
        x = data.dataset.x  # type: ignore[attr-defined]  # InMemoryDataset, as the core's sets are
        self.x = x.to(device)
        self.n, self.batch_size, self.seed, self.device = len(x), batch_size, seed, device
        self.per_epoch = self.n // batch_size
        self.batch = 0
        self._epoch, self._perm = -1, torch.empty(0, dtype=torch.long)

    def __iter__(self) -> Iterator[Tensor]:
        return self

    def __next__(self) -> Tensor:
        epoch, position = divmod(self.batch, self.per_epoch)
        if epoch != self._epoch:
            self._epoch = epoch
            self._perm = epoch_permutation(self.n, self.seed, epoch).to(self.device)
        self.batch += 1
        start = position * self.batch_size
        x = self.x[self._perm[start : start + self.batch_size]]
        return x.float().div_(127.5).sub_(1.0) if x.dtype == torch.uint8 else x


@dataclass
class Models:
    generator: nn.Module
    discriminator: nn.Module
    loss: Any
    g_optimizer: torch.optim.Optimizer
    d_optimizer: torch.optim.Optimizer
    latent_dim: int


def build_models(config: RunConfig, data: LoadedData, device: torch.device) -> Models:
    """Seed, then build, exactly as ``GanTrainer.fit`` does, so that the initial weights agree."""
    torch.manual_seed(config.train.seed)
    game = VANILLA.build_game(config.model, data.info, create_registry(entry_points=False))
    game.generator.to(device)  # in place: the optimizers keep pointing at the same parameters
    game.discriminator.to(device)
    assert isinstance(game.inputs, Noise)
    return Models(
        game.generator, game.discriminator, game.loss, game.g_optimizer, game.d_optimizer, game.inputs.latent_dim
    )


def plain_step(m: Models, real: Tensor) -> tuple[Tensor, Tensor]:
    """B: the core's ``alternating_step`` (k = 1) without Accelerate."""
    z = torch.randn(real.shape[0], m.latent_dim, device=real.device)
    fake = m.generator(z)
    d_loss = m.loss.discriminator_loss(m.discriminator(real), m.discriminator(fake.detach()))
    m.d_optimizer.zero_grad(set_to_none=True)
    d_loss.backward()
    m.d_optimizer.step()
    d_params = list(m.discriminator.parameters())
    for p in d_params:
        p.requires_grad_(False)
    g_loss = m.loss.generator_loss(None, m.discriminator(fake))
    m.g_optimizer.zero_grad(set_to_none=True)
    g_loss.backward()
    m.g_optimizer.step()
    for p in d_params:
        p.requires_grad_(True)
    return d_loss.detach(), g_loss.detach()


def seed_style_step(m: Models, real: Tensor) -> tuple[Tensor, Tensor]:
    """C: the tutorial loop. Generates twice and lets the generator loss reach D's weights."""
    z = torch.randn(real.shape[0], m.latent_dim, device=real.device)
    fake = m.generator(z).detach()
    d_loss = m.loss.discriminator_loss(m.discriminator(real), m.discriminator(fake))
    m.d_optimizer.zero_grad(set_to_none=True)
    d_loss.backward()
    m.d_optimizer.step()
    z = torch.randn(real.shape[0], m.latent_dim, device=real.device)
    g_loss = m.loss.generator_loss(None, m.discriminator(m.generator(z)))
    m.g_optimizer.zero_grad(set_to_none=True)
    g_loss.backward()  # also fills D's .grad, cleared by the next d_optimizer.zero_grad
    m.g_optimizer.step()
    return d_loss.detach(), g_loss.detach()


STEPS: dict[str, Callable[[Models, Tensor], tuple[Tensor, Tensor]]] = {"B": plain_step, "C": seed_style_step}


@dataclass
class LoopRun:
    seconds: float  # the timed window: the steps after the warm-up
    timed_steps: int
    losses: list[tuple[float, float]] = field(default_factory=list)  # per step, when recorded
    generator: nn.Module | None = None
    initial_generator: dict[str, Tensor] = field(default_factory=dict)  # its weights before step 1, when recorded


def hand_loop(
    loop: str,
    config: RunConfig,
    data: LoadedData,
    device: torch.device,
    *,
    warmup: int = 0,
    record: bool = False,
    batches: Iterator[Tensor] | None = None,
) -> LoopRun:
    """Run ``config.train.steps`` steps of loop B or C; time those after the first ``warmup``.

    Like a hand-written loop with a log, it reads the losses back every ``log_every`` steps (which
    on a GPU is a synchronisation, as the trainer's log is); ``record`` reads them every step.
    ``batches`` replaces the hand-written :class:`DeviceBatches` (to measure another data path).
    """
    step_fn = STEPS[loop]
    train = config.train
    models = build_models(config, data, device)
    initial = {k: v.detach().clone() for k, v in models.generator.state_dict().items()} if record else {}
    if batches is None:
        batches = DeviceBatches(data, train.batch_size, train.seed, device)
    losses: list[tuple[float, float]] = []
    logged: list[tuple[float, float]] = []  # what a logging loop would print
    started = 0.0
    for step in range(train.steps):
        if step == warmup:
            _sync(device)
            started = time.perf_counter()
        d_loss, g_loss = step_fn(models, next(batches))
        if record:
            losses.append((float(d_loss), float(g_loss)))
        elif (step + 1) % train.log_every == 0 or step + 1 == train.steps:
            logged.append((float(d_loss), float(g_loss)))
    _sync(device)
    seconds = time.perf_counter() - started
    return LoopRun(seconds, train.steps - warmup, losses, models.generator, initial)


# --- A: the core trainer -------------------------------------------------------------------------


def trainer_loop(
    config: RunConfig,
    data: LoadedData,
    device: torch.device,
    out_dir: Path,
    *,
    warmup: int = 0,
    variant: Variant = VANILLA,
) -> LoopRun:
    """Run ``GanTrainer.fit`` and time the steps after the first ``warmup``.

    ``TrainResult.loop_seconds`` runs from the loop's start to the end of the last step (final
    sample grid, checkpoint and plot excluded). The log's ``elapsed_s`` at step ``warmup`` is on the
    same clock, so the difference is the time of the steps after the warm-up: the same window as B
    and C. Both ends follow a log write, which reads the losses back (a GPU synchronisation).
    ``variant`` lets a caller run the same models with another step function.
    """
    result = GanTrainer(variant, config, out_dir, data=data, accelerator=_make_accelerator(device)).fit()
    records = RunDir(out_dir).read_log()
    if warmup:
        at_warmup = [r["elapsed_s"] for r in records if r.get("step") == warmup]
        if not at_warmup:
            raise ValueError(f"no log record at step {warmup}: the warm-up must be a multiple of log_every")
        seconds = result.loop_seconds - float(at_warmup[0])
    else:
        seconds = result.loop_seconds
    losses = [(float(r["d_loss"]), float(r["g_loss"])) for r in records if "d_loss" in r]
    return LoopRun(seconds, config.train.steps - warmup, losses)


# --- the equivalence check ------------------------------------------------------------------------


@dataclass
class CheckResult:
    loop: str
    steps: int
    trainer_losses: list[tuple[float, float]]
    loop_losses: list[tuple[float, float]]
    max_loss_diff: float
    max_weight_diff: float  # largest absolute difference of a generator weight
    max_update_diff: float  # largest ||w_trainer - w_loop|| / ||w_loop - w_initial|| over the weight tensors
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def check_equivalence(
    data: LoadedData,
    *,
    loop: str = "B",
    dataset: str = "mnist-5k",
    steps: int = 3,
    batch_size: int = 64,
    seed: int = 0,
    device: torch.device | str = "cpu",
    model_overrides: Sequence[str] = (),
    rtol: float = 1e-4,
    atol: float = 1e-5,
    update_rtol: float = 5e-2,
) -> CheckResult:
    """Run ``steps`` steps of the trainer and of ``loop`` from the same seed and compare every
    step's losses and the generator's weights at the end (read back from the run's checkpoint).

    Losses must agree to ``rtol``/``atol``. Weights are compared through what the steps changed:
    ``||w_trainer - w_loop||`` must stay under ``update_rtol`` times ``||w_loop - w_initial||``. On
    a CPU both are exactly equal; on a GPU rounding-level differences (the batch is scaled on the
    host by the trainer and on the device by B) are magnified by Adam, which moves a weight by about
    ``lr`` whatever the size of its gradient, so an absolute weight tolerance would be meaningless.
    A loop with different math (C) differs by a large fraction of the update.
    """
    device = torch.device(device)
    config = run_config(
        dataset=dataset, steps=steps, batch_size=batch_size, seed=seed, log_every=1, model_overrides=model_overrides
    )
    with tempfile.TemporaryDirectory(prefix="gan-bench-check-") as tmp:
        run_dir = Path(tmp) / "run"
        a = trainer_loop(config, data, device, run_dir)
        registry = create_registry(plugins=(vanilla_plugin,), entry_points=False)
        a_weights = load_generator(run_dir, registry).generator.state_dict()
    other = hand_loop(loop, config, data, device, record=True)
    problems: list[str] = []
    if len(a.losses) != steps or len(other.losses) != steps:
        problems.append(f"expected {steps} losses each, got {len(a.losses)} (A) and {len(other.losses)} ({loop})")
    max_loss_diff = 0.0
    for step, (ta, tb) in enumerate(zip(a.losses, other.losses, strict=False), start=1):
        for name, va, vb in (("d_loss", ta[0], tb[0]), ("g_loss", ta[1], tb[1])):
            diff = abs(va - vb)
            max_loss_diff = max(max_loss_diff, diff)
            if not diff <= atol + rtol * abs(vb):
                problems.append(f"step {step} {name}: trainer {va:.7g} vs {loop} {vb:.7g}")
    assert other.generator is not None
    max_weight_diff = max_update_diff = 0.0
    for name, weight in other.generator.state_dict().items():
        value = weight.detach().double().cpu()
        ref = a_weights[name].double().cpu()
        update = float((value - other.initial_generator[name].double().cpu()).norm())
        diff = float((ref - value).norm())
        max_weight_diff = max(max_weight_diff, float((ref - value).abs().max()))
        relative = diff / update if update > 0 else (0.0 if diff == 0 else float("inf"))
        max_update_diff = max(max_update_diff, relative)
        if not relative <= update_rtol:
            problems.append(
                f"generator weight {name} after {steps} steps: the trainer's and {loop}'s differ by "
                f"{relative:.2e} of the update"
            )
    return CheckResult(loop, steps, a.losses, other.losses, max_loss_diff, max_weight_diff, max_update_diff, problems)


# --- timing rounds ---------------------------------------------------------------------------------


def time_rounds(
    data: LoadedData,
    *,
    steps: int,
    warmup: int,
    rounds: int,
    batch_size: int,
    seed: int,
    log_every: int,
    device: torch.device,
    dataset: str,
    model_overrides: Sequence[str] = (),
    on_result: Callable[[int, str, float], None] | None = None,
) -> list[dict[str, float]]:
    """Seconds per step of each loop, round by round (A, B, C in each round)."""
    if warmup % log_every:
        raise ValueError(f"--warmup ({warmup}) must be a multiple of --log-every ({log_every})")
    config = run_config(
        dataset=dataset,
        steps=warmup + steps,
        batch_size=batch_size,
        seed=seed,
        log_every=log_every,
        model_overrides=model_overrides,
    )
    results: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="gan-bench-") as tmp:
        for r in range(rounds):
            row: dict[str, float] = {}
            for loop in LOOPS:
                gc.collect()
                if loop == "A":
                    run = trainer_loop(config, data, device, Path(tmp) / f"round{r}", warmup=warmup)
                else:
                    run = hand_loop(loop, config, data, device, warmup=warmup)
                row[loop] = run.seconds / run.timed_steps
                if on_result is not None:
                    on_result(r, loop, row[loop])
            results.append(row)
    return results


def summarize(rounds: Sequence[Mapping[str, float]]) -> dict[str, Spread]:
    """ms/step of each loop, and the ratios taken within each round (so that a slow spell that hit
    one round cancels out of its ratios)."""
    summary = {loop: Spread.of([1000 * r[loop] for r in rounds]) for loop in LOOPS}
    summary["A/B"] = Spread.of([r["A"] / r["B"] for r in rounds])
    summary["C/A"] = Spread.of([r["C"] / r["A"] for r in rounds])
    return summary


# --- reporting ---------------------------------------------------------------------------------------


def environment(device: torch.device) -> dict[str, Any]:
    import accelerate

    env = machine(
        accelerate=accelerate.__version__,
        gan_core=gan_core.__version__,
        gan_plugin_vanilla=gan_plugin_vanilla.__version__,
        device=str(device),
    )
    if device.type == "cuda":
        env["gpu"] = torch.cuda.get_device_name(device)
    return env


def markdown(summary: Mapping[str, Spread], env: Mapping[str, Any], settings: Mapping[str, Any]) -> str:
    model = "plugin defaults" + "".join(f", {o}" for o in settings["model_overrides"])
    machine = f"torch {env['torch']}, device {env['device']}"
    if "gpu" in env:
        machine += f" ({env['gpu']})"
    machine += f", {env['torch_threads']} threads, CPU: {env['cpu_model']} ({env['cpu_count']} cores)"
    if "load_average_end" in env:
        machine += f", load average {env['load_average_start'][0]} -> {env['load_average_end'][0]}"
    lines = [
        f"Vanilla GAN ({model}), {settings['dataset']}, batch {settings['batch_size']}, seed {settings['seed']}: "
        f"{settings['steps']} timed steps after {settings['warmup']} warm-up steps, "
        f"{settings['rounds']} interleaved rounds.",
        machine + ".",
        "",
        "| loop | median ms/step | min | max |",
        "| --- | ---: | ---: | ---: |",
    ]
    for loop in LOOPS:
        s = summary[loop]
        lines.append(f"| {LOOP_NAMES[loop]} | {s.median:.2f} | {s.low:.2f} | {s.high:.2f} |")
    lines += [
        "",
        "| ratio (per round) | median | min | max | target | met |",
        "| --- | ---: | ---: | ---: | --- | --- |",
    ]
    ab, ca = summary["A/B"], summary["C/A"]
    met_ab = "yes" if ab.median <= OVERHEAD_TARGET else "no"
    met_ca = "yes" if ca.median >= SPEEDUP_TARGET else "no"
    lines.append(
        f"| A/B trainer overhead | {ab.median:.3f} | {ab.low:.3f} | {ab.high:.3f} "
        f"| <= {OVERHEAD_TARGET:.2f} | {met_ab} |"
    )
    lines.append(
        f"| C/A speed-up over seed-style | {ca.median:.3f} | {ca.low:.3f} | {ca.high:.3f} "
        f"| >= {SPEEDUP_TARGET:.2f} | {met_ca} |"
    )
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--device", default="cpu", help="cpu (default) or cuda[:N]")
    parser.add_argument("--steps", type=int, default=300, help="timed steps per loop and round (default 300)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed steps before them; a multiple of --log-every")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds A, B, C (default 5)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--log-every", type=int, default=10, help="the trainer's log cadence, and B's and C's")
    parser.add_argument("--dataset", default="mnist-5k", help="a core in-memory data set (default mnist-5k)")
    parser.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: torch's default)")
    parser.add_argument(
        "--set",
        dest="model_overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a VanillaConfig field, e.g. --set g_hidden=[64]; the reference numbers use none",
    )
    parser.add_argument(
        "--check",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="first prove that A and B compute the same losses and weights (default on)",
    )
    parser.add_argument("--check-steps", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the environment, every round and the summary here")
    args = parser.parse_args(argv)
    for name in ("steps", "rounds", "batch_size", "log_every", "check_steps"):
        if getattr(args, name) <= 0:
            parser.error(f"--{name.replace('_', '-')} must be > 0")
    if args.warmup < 0 or args.warmup % args.log_every:
        parser.error(f"--warmup must be a non-negative multiple of --log-every ({args.log_every})")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        print("--device cuda: no CUDA device is available", file=sys.stderr)
        return 2
    data = load_data(args.dataset)
    env = environment(device)
    settings = {
        "dataset": args.dataset,
        "batch_size": args.batch_size,
        "seed": args.seed,
        "steps": args.steps,
        "warmup": args.warmup,
        "rounds": args.rounds,
        "log_every": args.log_every,
        "model_overrides": list(args.model_overrides),
    }
    report: dict[str, Any] = {"environment": env, "settings": settings}

    if args.check:
        check = check_equivalence(
            data,
            dataset=args.dataset,
            steps=args.check_steps,
            batch_size=args.batch_size,
            seed=args.seed,
            device=device,
            model_overrides=args.model_overrides,
        )
        report["check"] = {
            "ok": check.ok,
            "steps": check.steps,
            "max_loss_diff": check.max_loss_diff,
            "max_weight_diff": check.max_weight_diff,
            "max_update_diff": check.max_update_diff,
            "problems": check.problems,
        }
        print(
            f"check: A and B over {check.steps} steps: {'same' if check.ok else 'DIFFERENT'} "
            f"(max |loss diff| {check.max_loss_diff:.2e}, max |generator weight diff| {check.max_weight_diff:.2e}, "
            f"{check.max_update_diff:.2e} of the update)",
            flush=True,
        )
        if not check.ok:
            for problem in check.problems:
                print(f"  {problem}", file=sys.stderr)
            return 1

    def progress(r: int, loop: str, seconds: float) -> None:
        print(f"round {r + 1}/{args.rounds} {loop}: {1000 * seconds:.2f} ms/step", file=sys.stderr, flush=True)

    rounds = time_rounds(
        data,
        steps=args.steps,
        warmup=args.warmup,
        rounds=args.rounds,
        batch_size=args.batch_size,
        seed=args.seed,
        log_every=args.log_every,
        device=device,
        dataset=args.dataset,
        model_overrides=args.model_overrides,
        on_result=progress,
    )
    if hasattr(os, "getloadavg"):
        env["load_average_end"] = [round(v, 2) for v in os.getloadavg()]
    summary = summarize(rounds)
    report["rounds_ms_per_step"] = [{k: 1000 * v for k, v in r.items()} for r in rounds]
    report["summary"] = {k: vars(v) for k, v in summary.items()}
    print(markdown(summary, env, settings))
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
