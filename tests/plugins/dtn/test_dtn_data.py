"""The fixed splits of both domains and what DTN training is given."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from dtn_helpers import tiny_source, tiny_target

from gan_core import DataOptions, Registry, resolve_config
from gan_core.data.memory import InMemoryDataset
from gan_core.errors import ConfigError
from gan_plugin_dtn import DTN
from gan_plugin_dtn.data import SOURCE, Labelled, load_domain, load_dtn_data, split_source, split_target


def _ids(part: Labelled) -> set[bytes]:
    return {bytes(image.numpy().tobytes()) for image in part.images}


def test_source_split_holds_out_a_tenth_at_most_and_is_fixed() -> None:
    data = tiny_source(300)
    split = split_source(data)
    assert (len(split.train), len(split.heldout)) == (270, 30)
    assert not _ids(split.train) & _ids(split.heldout)
    assert torch.equal(split_source(data).heldout.images, split.heldout.images)


def test_target_halves_are_disjoint_and_fixed() -> None:
    data = tiny_target(101)
    split = split_target(data)
    assert (len(split.classifier), len(split.dtn)) == (50, 51)
    assert torch.equal(
        torch.sort(torch.cat([split.classifier.labels, split.dtn.labels])).values, data.labels.sort().values
    )
    assert torch.equal(split_target(data).dtn.images, split.dtn.images)


def test_scaled_images_are_in_minus_one_one() -> None:
    scaled = tiny_source(20).scaled()
    assert scaled.dtype == torch.float32 and float(scaled.min()) >= -1 and float(scaled.max()) <= 1


def test_load_data_gives_unlabelled_target_and_source_streams(
    registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gan_core.data import rendered

    monkeypatch.setattr(rendered, "DEFAULT_SIZE", 400)  # a small registered rendered-digits set
    rendered.cached_render.cache_clear()
    config = resolve_config(DTN, overrides=["train.data_root=" + str(tmp_path)])
    loaded = load_dtn_data(config, DataOptions(root=tmp_path), registry)
    rendered.cached_render.cache_clear()
    assert loaded.info.shape == (1, 32, 32) and loaded.info.kind == "image" and loaded.info.num_classes is None
    assert isinstance(loaded.dataset, InMemoryDataset) and loaded.dataset.y is None
    assert loaded.extra[SOURCE].info.shape == (3, 32, 32)
    source = loaded.extra[SOURCE].dataset
    assert isinstance(source, InMemoryDataset) and source.y is None
    assert len(loaded.dataset) == 2500 and len(source) == 360  # mnist-5k's DTN half; 400 less 40 held out
    with pytest.raises(ConfigError, match=r"train\.image_size"):
        load_dtn_data(config, DataOptions(root=tmp_path, image_size=28), registry)


def test_a_data_set_without_labels_or_of_points_is_refused(registry: Registry, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"model.source: DTN maps images; 'ring8' is points data"):
        load_domain("ring8", registry, tmp_path, "model.source")
