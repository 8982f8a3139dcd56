"""Translation variants: a second resumable data stream, generators that read source samples, and
variant-supplied data loading (what DTN needs from the core)."""

from __future__ import annotations

from pathlib import Path

import attrs
import core_translate
import pytest
import torch
from core_helpers import with_step
from core_translate import TARGET_SHAPE, TRANSLATE, two_domains
from PIL import Image
from safetensors.torch import load_file

from gan_core import GanTrainer, RunDir, StepContext, Variant, resolve_config
from gan_core._rundir import read_jsonl as read_log
from gan_core._stream import BatchStream, epoch_permutation
from gan_core.testing import check_variant


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
    info = RunDir(run).read_data_info()
    assert info.shape == core_translate.TARGET_SHAPE
    assert info.extra["source"].shape == core_translate.SOURCE_SHAPE


def test_resume_replays_both_streams_bit_for_bit(tmp_path: Path) -> None:
    """40 target and 48 source samples in batches of 8: both streams wrap into new epochs."""
    straight, split = tmp_path / "straight", tmp_path / "split"
    fit(straight, steps=9)
    fit(split, steps=4)
    fit(split, steps=9, resume=True)
    a, b = (
        load_file(str(RunDir.weights_file(RunDir(run).latest_checkpoint(), "generator"))) for run in (straight, split)
    )  # type: ignore[arg-type]
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

    fit(tmp_path / "run", variant=with_step(TRANSLATE, counting), steps=3)
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


def test_a_missing_source_data_set_is_a_config_error_before_anything_is_written(tmp_path: Path) -> None:
    from core_translate import SOURCE_SHAPE, build

    from gan_core import ConfigError, DataInfo
    from gan_core.testing import synthetic_data

    def build_blind(config: object, data: DataInfo) -> object:  # a builder that does not check its domains
        return build(config, attrs.evolve(data, extra={"source": DataInfo(SOURCE_SHAPE, "image")}))  # type: ignore[arg-type]

    only_target = attrs.evolve(
        TRANSLATE, build=build_blind, load_data=lambda config, options, datasets: synthetic_data((1, 4, 4))
    )
    with pytest.raises(
        ConfigError, match=r"^train\.dataset: the generator translates 'source' samples; the data has no"
    ):
        fit(tmp_path / "run", variant=only_target, steps=1)
    assert not (tmp_path / "run").exists()


def test_gan_sample_draws_source_samples_and_shows_each_beside_its_translation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import core_tiny
    import numpy as np
    from core_helpers import run_cli
    from PIL import Image

    from gan_core import create_registry, hookimpl

    class _Plugin:
        @hookimpl
        def gan_register_variants(self, register: object) -> None:
            register(TRANSLATE)  # type: ignore[operator]

    registry = create_registry(plugins=[core_tiny, _Plugin()], entry_points=False)
    run = tmp_path / "run"
    fit(run, steps=1)
    raw = run_cli(["sample", str(run), "--n", "4", "--out", str(tmp_path / "s.npy")], capsys, registry)
    assert raw.code == 0, raw.err
    assert np.load(tmp_path / "s.npy").shape == (4, *TARGET_SHAPE)
    grid = run_cli(["sample", str(run), "--n", "4", "--out", str(tmp_path / "s.png")], capsys, registry)
    assert grid.code == 0, grid.err
    # four (source, translation) pairs in one row of 4x4 tiles with 2-pixel padding: 8 tiles wide
    assert Image.open(tmp_path / "s.png").size == (2 + 8 * (4 + 2), 2 + 4 + 2)
