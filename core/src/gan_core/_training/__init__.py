"""The training loop and what it writes: the trainer, checkpoints, evaluation during training, the plot."""
