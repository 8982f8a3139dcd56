"""DTN training through the core's trainer: f stays fixed, the losses and their ablations, evaluation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
import torch
from dtn_helpers import CLASSIFIER_WEIGHTS, SMALL, tiny_source, tiny_target

from gan_core import ConfigError, DataInfo, Game, GanTrainer, LoadedData, Registry
from gan_core.data import InMemoryDataset, rendered
from gan_core.testing import tiny_run_config
from gan_plugin_dtn import DTN, DTNConfig
from gan_plugin_dtn.data import SOURCE
from gan_plugin_dtn.networks import RealTargetScore


def two_domains() -> LoadedData:
    source, target = tiny_source(64), tiny_target(64)
    source_data = LoadedData(InMemoryDataset(source.images), DataInfo(shape=(3, 32, 32), kind="image"))
    return LoadedData(InMemoryDataset(target.images), DataInfo(shape=(1, 32, 32), kind="image"), {SOURCE: source_data})


@attrs.frozen
class Built:
    models: Game
    initial: dict[str, dict[str, torch.Tensor]]  # "f", "g", "discriminator" -> state at build time


def snapshot(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {name: value.detach().clone() for name, value in module.state_dict().items()}


def recording() -> tuple[Any, list[Built]]:
    """DTN with a builder that keeps what it built, and its state before training."""
    built: list[Built] = []

    def build(config: DTNConfig, data: DataInfo) -> Game:
        models = DTN.build(config, data)
        G = models.generator
        initial = {"f": snapshot(G.f), "g": snapshot(G.g), "discriminator": snapshot(models.discriminator)}
        built.append(Built(models, initial))
        return models

    return attrs.evolve(DTN, build=build), built


def train(tmp_path: Path, steps: int = 3, **overrides: Any) -> tuple[Built, list[dict[str, Any]]]:
    variant, built = recording()
    config = tiny_run_config(DTN, **{**SMALL, "train.eval_every": 0, "train.steps": steps, **overrides})
    GanTrainer(variant, config, tmp_path / "run", data=two_domains()).fit()
    lines = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    return built[-1], lines


def test_f_is_not_updated_by_training(tmp_path: Path) -> None:
    built, _ = train(tmp_path, steps=4)
    generator = built.models.generator
    after = snapshot(generator.f)
    assert after.keys() == built.initial["f"].keys()
    assert any("running_mean" in name for name in after)  # batch-norm buffers are compared too
    for name, value in built.initial["f"].items():
        assert torch.equal(after[name], value), f"f's {name} changed during DTN training"
    g_after = snapshot(generator.g)
    assert any(not torch.equal(g_after[k], v) for k, v in built.initial["g"].items())  # g did train
    assert not any(p.requires_grad for p in generator.f.parameters())


def test_the_step_updates_the_weight_average(tmp_path: Path) -> None:
    built, _ = train(tmp_path, steps=3, average_decay=0.5)
    generator = built.models.generator
    assert int(generator.average_updates) == 3
    average = snapshot(generator.g_average)
    assert any(not torch.equal(average[k], v) for k, v in built.initial["g"].items())


def test_every_loss_of_the_paper_is_logged(tmp_path: Path) -> None:
    _, lines = train(tmp_path, gamma=0.1)
    keys = set(lines[-1])
    assert {"d_loss", "g_loss", "loss_gang", "loss_const", "loss_tid", "loss_tv"} <= keys
    for line in lines:
        weighted = line["loss_gang"] + 15 * line["loss_const"] + 15 * line["loss_tid"] + 0.1 * line["loss_tv"]
        assert line["g_loss"] == pytest.approx(weighted, rel=1e-4)


@pytest.mark.parametrize(
    ("overrides", "absent"),
    [
        ({"alpha": 0.0}, {"loss_const"}),
        ({"beta": 0.0}, {"loss_tid"}),
        ({"adversarial": False}, {"d_loss", "loss_gang"}),
    ],
)
def test_ablations_drop_their_terms(tmp_path: Path, overrides: dict[str, Any], absent: set[str]) -> None:
    _, lines = train(tmp_path, steps=2, **overrides)
    assert absent.isdisjoint(lines[-1]) and "g_loss" in lines[-1]
    assert "loss_tv" not in lines[-1]  # gamma = 0 by default, as in the paper's digit experiments


def test_without_l_d_the_discriminator_never_moves(tmp_path: Path) -> None:
    built, _ = train(tmp_path, adversarial=False)
    for name, value in snapshot(built.models.discriminator).items():
        assert torch.equal(value, built.initial["discriminator"][name]), name


def adam_steps(optimizer: torch.optim.Optimizer) -> int:
    """How many updates Adam has made (its per-parameter step count)."""
    return int(next(iter(optimizer.state.values()))["step"])


def test_g_steps_updates_g_that_many_times_per_discriminator_update(tmp_path: Path) -> None:
    built, lines = train(tmp_path, steps=2, g_steps=3)
    assert adam_steps(built.models.g_optimizer) == 6 and adam_steps(built.models.d_optimizer) == 2
    assert {"d_loss", "loss_gang", "loss_const", "loss_tid"} <= set(lines[-1])


def test_warmup_keeps_l_gang_out_of_g_s_first_steps_while_d_trains(tmp_path: Path) -> None:
    built, lines = train(tmp_path, steps=3, warmup=2, **{"train.log_every": 1})
    assert ["loss_gang" in line for line in lines if "g_loss" in line] == [False, False, True]
    assert all("d_loss" in line for line in lines if "g_loss" in line)
    assert adam_steps(built.models.d_optimizer) == 3
    first = lines[0]
    assert first["g_loss"] == pytest.approx(15 * first["loss_const"] + 15 * first["loss_tid"], rel=1e-4)


def test_r1_penalises_the_discriminator_on_real_targets(tmp_path: Path) -> None:
    """train.r1 acts on DTN's own step: the penalty is applied and logged."""
    _, lines = train(tmp_path, steps=2, **{"train.r1": 1.0})
    assert all(line["penalty"] > 0 for line in lines if "penalty" in line) and "penalty" in lines[-1]


@attrs.define
class _Spy:
    """A regulariser that records what the step hands it, and adds nothing."""

    seen: list[tuple[torch.nn.Module, torch.Tensor, torch.Tensor]] = attrs.field(factory=list)
    every: int = 1
    name: str = "spy"

    def penalty(
        self, discriminator: torch.nn.Module, real: torch.Tensor, fake: torch.Tensor, y: torch.Tensor | None
    ) -> None:
        self.seen.append((discriminator, real, fake))

    def after_step(self, discriminator: torch.nn.Module) -> None:
        return None


def test_penalties_see_d_s_real_target_score_the_targets_and_the_transfers(tmp_path: Path) -> None:
    spy = _Spy()

    def build(config: DTNConfig, data: DataInfo) -> Game:
        return attrs.evolve(DTN.build(config, data), regularizers=(spy,))

    config = tiny_run_config(DTN, **{**SMALL, "train.eval_every": 0, "train.steps": 2, "train.batch_size": 8})
    GanTrainer(attrs.evolve(DTN, build=build), config, tmp_path / "run", data=two_domains()).fit()
    assert len(spy.seen) == 2
    for module, real, fake in spy.seen:
        assert isinstance(module, RealTargetScore)
        assert real.shape == (8, 1, 32, 32) and bool(((real == 1) | (real == -1)).all())  # tiny_target's pixels
        assert fake.shape == (16, 1, 32, 32) and not fake.requires_grad  # both kinds of transfer, detached


@pytest.mark.parametrize("augmented", [False, True])
def test_diffaugment_reaches_every_discriminator_input(tmp_path: Path, augmented: bool) -> None:
    """With cutout, every image the discriminator scores, real or transferred, in its update and in
    g's, carries a square of exact zeros (tiny_target's pixels are -1 or 1, transfers are a tanh)."""
    seen: list[torch.Tensor] = []

    def build(config: DTNConfig, data: DataInfo) -> Game:
        models = DTN.build(config, data)
        models.discriminator.register_forward_pre_hook(lambda _, args: seen.append(args[0].detach().clone()))
        return models

    policy = "cutout" if augmented else ""
    config = tiny_run_config(DTN, **{**SMALL, "train.eval_every": 0, "train.steps": 2, "train.diffaugment": policy})
    GanTrainer(attrs.evolve(DTN, build=build), config, tmp_path / "run", data=two_domains()).fit()
    assert len(seen) == 4  # two steps, each one D update and one g update
    zeros = torch.cat([(images == 0).flatten(1).sum(dim=1) for images in seen])
    assert bool((zeros >= 64).all()) is augmented


def test_a_warmup_with_nothing_for_g_to_learn_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"^warmup: g learns from alpha, beta or gamma during the warm-up"):
        DTNConfig(alpha=0.0, beta=0.0, warmup=10)


def test_a_config_that_trains_nothing_is_refused() -> None:
    with pytest.raises(ConfigError, match="adversarial"):
        DTNConfig(adversarial=False, alpha=0.0, beta=0.0)


def test_training_without_a_pretrained_f_is_refused(tmp_path: Path) -> None:
    config = tiny_run_config(DTN, **{**SMALL, "f_weights": str(tmp_path / "none.safetensors"), "train.eval_every": 0})
    with pytest.raises(ConfigError, match="f is not pretrained"):
        GanTrainer(DTN, config, tmp_path / "run", data=two_domains()).fit()


@pytest.fixture
def small_rendered(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A registered rendered-digits set of 300 (held-out: 30), so that real loading stays fast."""
    monkeypatch.setattr(rendered, "DEFAULT_SIZE", 300)
    rendered.cached_render.cache_clear()
    yield
    rendered.cached_render.cache_clear()


def evaluated_run(tmp_path: Path, steps: int, **overrides: Any) -> Any:
    """A small config that evaluates transfer accuracy after every step, on registered data."""
    return tiny_run_config(
        DTN,
        **{
            **SMALL,
            "classifier_weights": str(CLASSIFIER_WEIGHTS),
            "train.data_root": str(tmp_path / "data"),
            "train.steps": steps,
            "train.eval_every": 1,
            **overrides,
        },
    )


@pytest.mark.parametrize("average_decay", [0.0, 0.9])
def test_transfer_accuracy_is_logged_during_training(
    tmp_path: Path, registry: Registry, small_rendered: None, average_decay: float
) -> None:
    config = evaluated_run(tmp_path, 2, average_decay=average_decay)
    GanTrainer(DTN, config, tmp_path / "run", registry=registry).fit()
    lines = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    accuracies = [line["eval/transfer_accuracy"] for line in lines if "eval/transfer_accuracy" in line]
    assert len(accuracies) == 2 and all(0.0 <= value <= 1.0 for value in accuracies)
    live = [line["eval/transfer_accuracy_live"] for line in lines if "eval/transfer_accuracy_live" in line]
    assert len(live) == (2 if average_decay else 0)  # g's own accuracy beside its average's
    assert (tmp_path / "run" / "samples" / "step_00000002.png").is_file()  # sources beside their transfers


@pytest.mark.parametrize("ema", [0.0, 0.9])
def test_every_kept_checkpoint_is_scored_as_training_scored_it(
    tmp_path: Path, registry: Registry, small_rendered: None, ema: float
) -> None:
    """With the core's average (DTN's default) a checkpoint answers through the average, as the
    evaluations during training do; regression: the checkpoints were scored with g's own weights."""
    from gan_plugin_dtn import evaluate_checkpoints, evaluate_run

    settings = {"train.checkpoint_every": 1, "train.keep_checkpoints": 5, "train.ema": ema}
    config = evaluated_run(tmp_path, 3, **settings)
    run = tmp_path / "run"
    GanTrainer(DTN, config, run, registry=registry).fit()
    assert (run / "checkpoints" / "step_00000003" / "generator_ema.safetensors").exists() == bool(ema)
    logged = {
        line["step"]: line["eval/transfer_accuracy"]
        for line in map(json.loads, (run / "log.jsonl").read_text().splitlines())
        if "eval/transfer_accuracy" in line
    }
    scored = evaluate_checkpoints(run, registry)
    assert scored == pytest.approx(logged) and sorted(scored) == [1, 2, 3]
    assert evaluate_run(run, registry)["transfer_accuracy"] == pytest.approx(scored[3])
    with pytest.raises(ConfigError, match="not a 'target' one"):  # f is a source classifier, not a reader
        evaluate_checkpoints(run, registry, classifier_weights=SMALL["f_weights"])
    assert sorted(evaluate_checkpoints(run, registry, average=False)) == [1, 2, 3]  # g's own weights


@pytest.mark.parametrize(
    ("ema", "average", "expected"), [(0.9, True, "generator_ema"), (0.9, False, "generator"), (0.0, True, "generator")]
)
def test_checkpoints_are_scored_and_selected_through_the_average_when_there_is_one(
    tmp_path: Path,
    registry: Registry,
    small_rendered: None,
    monkeypatch: pytest.MonkeyPatch,
    ema: float,
    average: bool,
    expected: str,
) -> None:
    """Regression: scoring and reverse validation loaded g's own weights at every checkpoint, while the
    run (and its evaluations during training) answer through the average."""
    from gan_plugin_dtn import evaluation, selection

    config = evaluated_run(tmp_path, 2, **{"train.checkpoint_every": 1, "train.ema": ema, "train.eval_every": 0})
    run = tmp_path / "run"
    GanTrainer(DTN, config, run, registry=registry).fit()
    loaded: list[str] = []
    for module in (evaluation, selection):
        real_load = module.load_model
        monkeypatch.setattr(
            module, "load_model", lambda net, path, load=real_load: (loaded.append(Path(path).stem), load(net, path))[1]
        )
    evaluation.evaluate_checkpoints(run, registry, average=average)
    monkeypatch.setattr(selection, "reverse_validation_score", lambda generator, data, settings: 0.5)
    selection.select_checkpoint(run, registry, average=average)
    assert loaded == [expected] * 4  # two checkpoints, scored and then selected


@pytest.mark.parametrize(("d_lr", "expected"), [(0.0, 1e-3), (2e-4, 2e-4)])
def test_the_discriminator_learning_rate_defaults_to_g_s(d_lr: float, expected: float) -> None:
    config = DTNConfig(**{**SMALL, "g_widths": (16, 8, 4), "d_widths": (4, 8, 16)}, lr=1e-3, d_lr=d_lr)
    models = DTN.build(config, two_domains().full_info)
    assert models.g_optimizer.param_groups[0]["lr"] == 1e-3
    assert models.d_optimizer.param_groups[0]["lr"] == expected


def test_a_negative_discriminator_learning_rate_is_refused() -> None:
    with pytest.raises(ConfigError, match="d_lr"):
        DTNConfig(d_lr=-1e-4)
