"""What ``gan_plugin_dtn`` exports, for type checkers and for the lazy loader in ``__init__.py``."""

from .config import (
    DTNConfig as DTNConfig,
)
from .evaluation import (
    evaluate_checkpoints as evaluate_checkpoints,
)
from .evaluation import (
    evaluate_run as evaluate_run,
)
from .evaluation import (
    evaluate_transfer as evaluate_transfer,
)
from .evaluation import (
    transfer as transfer,
)
from .evaluation import (
    transfer_accuracy as transfer_accuracy,
)
from .losses import (
    DTNLoss as DTNLoss,
)
from .losses import (
    discriminator_loss as discriminator_loss,
)
from .losses import (
    f_constancy_loss as f_constancy_loss,
)
from .losses import (
    generator_adversarial_loss as generator_adversarial_loss,
)
from .losses import (
    identity_loss as identity_loss,
)
from .losses import (
    total_variation as total_variation,
)
from .networks import (
    DigitClassifier as DigitClassifier,
)
from .networks import (
    DigitFeatures as DigitFeatures,
)
from .networks import (
    FeatureDecoder as FeatureDecoder,
)
from .networks import (
    TernaryDiscriminator as TernaryDiscriminator,
)
from .networks import (
    TransferGenerator as TransferGenerator,
)
from .pretrain import (
    PretrainSettings as PretrainSettings,
)
from .pretrain import (
    default_weights_path as default_weights_path,
)
from .pretrain import (
    load_classifier as load_classifier,
)
from .pretrain import (
    pretrain as pretrain,
)
from .selection import (
    CheckpointChoice as CheckpointChoice,
)
from .selection import (
    ReverseSettings as ReverseSettings,
)
from .selection import (
    reverse_validation_score as reverse_validation_score,
)
from .selection import (
    select_checkpoint as select_checkpoint,
)
from .step import (
    DTNStep as DTNStep,
)
from .variant import (
    DTN as DTN,
)
from .variant import (
    build as build,
)

__version__: str
