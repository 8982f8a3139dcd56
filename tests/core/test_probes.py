"""The probes: logged on every log step, computed from the step's own tensors, changing nothing."""

from __future__ import annotations

import json
import math
from pathlib import Path

import core_tiny
import pytest
import torch
from core_helpers import cli_registry, image_data, tiny_config

from gan_core import GanTrainer, load_run
from gan_core._probes import PROBE_PREFIX, Probes, diversity_ratio, mode_histogram
from gan_core.data.toy import load_toy

PROBES = {"d_real", "d_fake", "d_grad", "g_out_grad", "g_grad", "diversity", "modes", "modes_expected", "mode_kl"}


def _log(run: Path) -> list[dict[str, float]]:
    return [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines() if '"step"' in line]


def _train(run: Path, *overrides: str, steps: int = 6) -> GanTrainer:
    trainer = GanTrainer(
        core_tiny.TINY, tiny_config(*overrides, steps=steps, log_every=3), run, registry=cli_registry()
    )
    trainer.fit()
    return trainer


def test_every_log_line_carries_the_probes(tmp_path: Path) -> None:
    _train(tmp_path / "run")
    lines = _log(tmp_path / "run")
    assert [line["step"] for line in lines] == [3, 6]
    for line in lines:
        probes = {key.removeprefix(PROBE_PREFIX) for key in line if key.startswith(PROBE_PREFIX)}
        assert probes == PROBES
        assert all(torch.isfinite(torch.tensor(line[PROBE_PREFIX + name])) for name in PROBES)
        assert line[PROBE_PREFIX + "d_grad"] > 0 and line[PROBE_PREFIX + "g_grad"] > 0
        assert line[PROBE_PREFIX + "diversity"] > 0


def test_probing_changes_no_weight_and_draws_no_random_number(tmp_path: Path) -> None:
    _train(tmp_path / "probed")
    _train(tmp_path / "plain", "probes=false")
    for role in ("generator", "discriminator"):
        probed = getattr(load_run(tmp_path / "probed", cli_registry(), discriminator=True), role).state_dict()
        plain = getattr(load_run(tmp_path / "plain", cli_registry(), discriminator=True), role).state_dict()
        assert all(torch.equal(probed[name], plain[name]) for name in plain), role
    assert not any(key.startswith(PROBE_PREFIX) for line in _log(tmp_path / "plain") for key in line)
    losses = [
        {k: v for k, v in line.items() if not k.startswith(PROBE_PREFIX) and k != "elapsed_s"}
        for line in _log(tmp_path / "probed")
    ]
    assert losses == [{k: v for k, v in line.items() if k != "elapsed_s"} for line in _log(tmp_path / "plain")]


def test_the_loss_plot_leaves_the_probes_out(tmp_path: Path) -> None:
    import matplotlib.pyplot as plt

    shown: list[str] = []
    original = plt.Axes.set_ylabel

    def spy(self: plt.Axes, label: str, *args: object, **kwargs: object) -> object:
        shown.append(label)
        return original(self, label, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(plt.Axes, "set_ylabel", spy)
        _train(tmp_path / "run")
    assert shown and not any(label.startswith(PROBE_PREFIX) for label in shown)


def test_probabilities_for_logit_losses_and_raw_scores_for_critics() -> None:
    scores = torch.tensor([0.0, 2.0, -2.0])
    as_probability, raw = Probes(probabilities=True), Probes(probabilities=False)
    as_probability.scores(scores, -scores)
    raw.scores(scores * 10, scores)
    assert as_probability.take()[PROBE_PREFIX + "d_real"] == pytest.approx(0.5)
    assert raw.take()[PROBE_PREFIX + "d_real"] == pytest.approx(0.0)


def test_the_output_gradient_is_one_samples_own() -> None:
    """For a batch-mean objective, each sample's gradient is scaled back by the batch size."""
    x = torch.tensor([[3.0, 4.0], [0.0, 1.0]], requires_grad=True)
    probes = Probes(probabilities=False)
    probes.watch_output(x)
    (x**2).sum(dim=1).mean().backward()
    # d/dx_i of (x_i . x_i) is 2 x_i: norms 10 and 2
    assert probes.take()[PROBE_PREFIX + "g_out_grad"] == pytest.approx(6.0)


def test_diversity_is_one_for_the_data_and_zero_for_a_collapse() -> None:
    before = torch.get_rng_state()
    real = image_data(n=32, shape=(1, 16, 16)).dataset.x.float() / 127.5 - 1
    assert diversity_ratio(real, real) == pytest.approx(1.0)
    assert diversity_ratio(real, real[:1].expand_as(real)) == pytest.approx(0.0, abs=1e-6)
    points = torch.randn(64, 2, generator=torch.Generator().manual_seed(1))
    assert diversity_ratio(points, 0.5 * points) == pytest.approx(0.5)
    assert torch.equal(before, torch.get_rng_state())  # the fixed projection has its own generator


def test_the_mode_histogram_names_how_many_modes_a_batch_reaches() -> None:
    uniform = mode_histogram(torch.arange(8).repeat(4), 8)
    assert float(uniform["modes"]) == 1.0 and float(uniform["mode_kl"]) == pytest.approx(0.0)
    one = mode_histogram(torch.full((32,), 5), 8)
    assert float(one["modes"]) == pytest.approx(1 / 8) and float(one["mode_kl"]) == pytest.approx(math.log(8))
    # what a batch that drew every mode equally reaches on average: small batches cannot reach all 25
    assert float(mode_histogram(torch.zeros(16), 25)["modes_expected"]) == pytest.approx(1 - 0.96**16)
    assert float(mode_histogram(torch.zeros(256), 25)["modes_expected"]) == pytest.approx(1.0, abs=1e-4)


def test_toy_mixtures_assign_samples_to_their_nearest_mode_and_the_probes_log_it() -> None:
    data = load_toy("ring8", None)  # type: ignore[arg-type]
    assert data.modes is not None
    points = data.dataset.x[:500]
    assert torch.equal(data.modes(points), data.dataset.y[:500])
    probes = Probes(probabilities=True, modes=data.modes, num_modes=8)
    probes.batches(points, points[:1].expand(64, 2))  # a generator stuck on one mode
    taken = probes.take()
    assert float(taken[PROBE_PREFIX + "modes"]) == pytest.approx(1 / 8)
    assert float(taken[PROBE_PREFIX + "diversity"]) == pytest.approx(0.0, abs=1e-6)
