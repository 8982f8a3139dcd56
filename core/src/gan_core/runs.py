"""Reading back what ``gan train`` wrote: the config, the data's shape and the latest generator."""

from __future__ import annotations

from pathlib import Path

import attrs
from safetensors.torch import load_model
from torch import nn

from gan_core.config import CONFIG_FILE_NAME, RunConfig, read_toml, resolve_config
from gan_core.errors import ConfigError, RunDirectoryError
from gan_core.registry import Registry
from gan_core.sampling import DATA_INFO_FILE, read_data_info
from gan_core.training.checkpoint import GENERATOR_FILE, latest_checkpoint
from gan_core.variant import DataInfo, Variant


@attrs.frozen
class TrainedRun:
    """A run directory's generator, loaded from its latest checkpoint and set to eval mode."""

    variant: Variant
    config: RunConfig
    data_info: DataInfo
    generator: nn.Module
    checkpoint: Path

    @property
    def latent_dim(self) -> int:
        return int(self.generator.latent_dim)  # type: ignore[arg-type]


def load_generator(run_dir: Path, registry: Registry) -> TrainedRun:
    """Rebuild the run's generator from its saved config and load the latest weights into it."""
    config_path = run_dir / CONFIG_FILE_NAME
    if not config_path.exists() or not (run_dir / DATA_INFO_FILE).exists():
        raise RunDirectoryError(f"RUN_DIR: {run_dir} is not a run directory written by 'gan train'")
    file_data = read_toml(config_path)
    name = file_data.get("variant")
    if not isinstance(name, str):
        raise ConfigError("variant", f"missing from {config_path}")
    variant = registry.variant(name)
    config = resolve_config(variant, file_data=file_data)
    checkpoint = latest_checkpoint(run_dir)
    if checkpoint is None:
        raise RunDirectoryError(f"RUN_DIR: {run_dir} has no checkpoint yet")
    info = read_data_info(run_dir)
    generator = variant.build(config.model, info).generator
    load_model(generator, str(checkpoint / GENERATOR_FILE))
    generator.eval()
    return TrainedRun(variant, config, info, generator, checkpoint)
