"""Translation variants: a second resumable data stream, generators that read source samples, and
variant-supplied data loading (what DTN needs from the core)."""

from __future__ import annotations

from pathlib import Path

import attrs
import core_translate
import pytest
import torch
from core_translate import TRANSLATE, two_domains
from PIL import Image
from safetensors.torch import load_file

from gan_core import GanTrainer, StepContext
from gan_core.config import resolve_config
from gan_core.sampling import read_data_info
from gan_core.testing import check_variant
from gan_core.training.checkpoint import GENERATOR_FILE, latest_checkpoint
from gan_core.training.logs import read_log
from gan_core.training.stream import BatchStream, epoch_permutation
from gan_core.variant import Variant


def fit(out: Path, *, resume: bool = False, variant: Variant = TRANSLATE, **train: object) -> None:
    config = resolve_config(variant, flags=train)
    GanTrainer(variant, config, out).fit(resume=resume)


def test_the_translation_variant_passes_the_conformance_kit(tmp_path: Path) -> None:
    check_variant(TRANSLATE, tmp_path, data_shape=core_translate.TARGET_SHAPE, source_shape=core_translate.SOURCE_SHAPE)


def test_the_kit_asks_for_the_source_shape(tmp_path: Path) -> None:
    with pytest.raises(AssertionError, match="set source_shape"):
        check_variant(TRANSLATE, tmp_path, data_shape=core_translate.TARGET_SHAPE)


def test_the_variant_loads_its_own_data_and_the_builder_sees_the_source(tmp_path: Path) -> None:
    run = tmp_path / "run"
    fit(run, steps=2)
    info = read_data_info(run)
    assert info.shape == core_translate.TARGET_SHAPE
    assert info.extra["source"].shape == core_translate.SOURCE_SHAPE


def test_resume_replays_both_streams_bit_for_bit(tmp_path: Path) -> None:
    """40 target and 48 source samples in batches of 8: both streams wrap into new epochs."""
    straight, split = tmp_path / "straight", tmp_path / "split"
    fit(straight, steps=9)
    fit(split, steps=4)
    fit(split, steps=9, resume=True)
    a, b = (load_file(str(latest_checkpoint(run) / GENERATOR_FILE)) for run in (straight, split))  # type: ignore[operator]
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    strip = [{k: v for k, v in r.items() if k != "elapsed_s"} for r in read_log(straight / "log.jsonl")]
    assert strip == [{k: v for k, v in r.items() if k != "elapsed_s"} for r in read_log(split / "log.jsonl")]


def test_an_extra_stream_has_an_order_of_its_own() -> None:
    assert not torch.equal(epoch_permutation(48, 0, 0), epoch_permutation(48, 0, 0, key="source"))
    assert torch.equal(epoch_permutation(48, 0, 0, key="source"), epoch_permutation(48, 0, 0, key="source"))


def test_the_extra_stream_counts_its_batches(tmp_path: Path) -> None:
    seen: list[int] = []

    def counting(ctx: StepContext) -> dict[str, torch.Tensor]:
        scalars = core_translate.step(ctx)
        seen.append(ctx.streams["source"].consumed)
        return dict(scalars)

    fit(tmp_path / "run", variant=attrs.evolve(TRANSLATE, step=counting), steps=3)
    assert seen == [1, 2, 3]


def test_an_unknown_extra_stream_names_the_ones_there_are() -> None:
    data = two_domains()
    stream = BatchStream(data.extra["source"].dataset, batch_size=4, seed=0, device=torch.device("cpu"), key="source")
    ctx = StepContext.__new__(StepContext)
    object.__setattr__(ctx, "streams", {"source": stream})
    with pytest.raises(KeyError, match="have: source"):
        ctx.next_batch_from("style")


def test_grids_pair_each_source_sample_with_its_translation(tmp_path: Path) -> None:
    run = tmp_path / "run"
    fit(run, steps=2, grid_size=8)
    grid = Image.open(run / "samples" / "step_00000002.png")
    # 8 pairs in one row: 16 tiles of 4 pixels with 2-pixel padding
    assert grid.size == (2 + 16 * (4 + 2), 2 + 1 * (4 + 2))
    assert grid.mode == "RGB"


def test_a_translation_variant_must_bring_its_own_step() -> None:
    with pytest.raises(TypeError, match="own step"):
        attrs.evolve(TRANSLATE, step=None)


def test_a_missing_source_data_set_is_a_config_error(tmp_path: Path) -> None:
    from gan_core import ConfigError
    from gan_core.testing import synthetic_data

    only_target = attrs.evolve(TRANSLATE, load_data=lambda config, options, registry: synthetic_data((1, 4, 4)))
    with pytest.raises(ConfigError, match="translates a 'source' data set"):
        fit(tmp_path / "run", variant=only_target, steps=1)


def test_gan_sample_refuses_a_translation_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import core_tiny
    from core_helpers import run_cli

    from gan_core import create_registry, hookimpl, plugins

    class _Plugin:
        @hookimpl
        def gan_register_variants(self, register: object) -> None:
            register(TRANSLATE)  # type: ignore[operator]

    monkeypatch.setattr(plugins, "_DEFAULT", create_registry(plugins=[core_tiny, _Plugin()], entry_points=False))
    run = tmp_path / "run"
    fit(run, steps=1)
    result = run_cli(["sample", str(run), "--n", "4", "--out", str(tmp_path / "s.png")], capsys)
    assert result.code == 2
    assert result.err_lines == [
        "gan sample: error: RUN_DIR: tiny-translate translates 'source' samples instead of drawing from noise; "
        "use the command its plugin provides (see gan --help)"
    ]
