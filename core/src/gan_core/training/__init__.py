"""The training loop and its parts."""

from gan_core.training.step import StepContext, alternating_step, frozen
from gan_core.training.stream import BatchStream
from gan_core.training.trainer import GanTrainer, TrainResult, train

__all__ = ["BatchStream", "GanTrainer", "StepContext", "TrainResult", "alternating_step", "frozen", "train"]
