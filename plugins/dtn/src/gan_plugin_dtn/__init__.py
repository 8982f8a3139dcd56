"""The Domain Transfer Network (Taigman, Polyak and Wolf, ICLR 2017) as a gan-core plugin."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("gan-plugin-dtn")
except PackageNotFoundError:  # pragma: no cover
    __version__ = "0.0.0"

from gan_plugin_dtn.config import DTNConfig
from gan_plugin_dtn.evaluation import evaluate_checkpoints, evaluate_run, evaluate_transfer, transfer, transfer_accuracy
from gan_plugin_dtn.losses import (
    DTNLoss,
    discriminator_loss,
    f_constancy_loss,
    generator_adversarial_loss,
    identity_loss,
    total_variation,
)
from gan_plugin_dtn.networks import (
    DigitClassifier,
    DigitFeatures,
    FeatureDecoder,
    TernaryDiscriminator,
    TransferGenerator,
)
from gan_plugin_dtn.plugin import DTN, build
from gan_plugin_dtn.pretrain import PretrainSettings, default_weights_path, load_classifier, pretrain
from gan_plugin_dtn.step import DTNStep

__all__ = [
    "DTN",
    "DTNConfig",
    "DTNLoss",
    "DTNStep",
    "DigitClassifier",
    "DigitFeatures",
    "FeatureDecoder",
    "PretrainSettings",
    "TernaryDiscriminator",
    "TransferGenerator",
    "__version__",
    "build",
    "default_weights_path",
    "discriminator_loss",
    "evaluate_checkpoints",
    "evaluate_run",
    "evaluate_transfer",
    "f_constancy_loss",
    "generator_adversarial_loss",
    "identity_loss",
    "load_classifier",
    "pretrain",
    "total_variation",
    "transfer",
    "transfer_accuracy",
]
