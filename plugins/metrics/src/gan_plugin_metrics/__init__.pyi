"""What ``gan_plugin_metrics`` exports, for type checkers and for the lazy loader in ``__init__.py``."""

from .evaluation import (
    METRICS as METRICS,
)
from .evaluation import (
    POINT_METRICS as POINT_METRICS,
)
from .evaluation import (
    Evaluation as Evaluation,
)
from .evaluation import (
    MetricSettings as MetricSettings,
)
from .evaluation import (
    compute_metric as compute_metric,
)
from .evaluation import (
    compute_metrics as compute_metrics,
)
from .evaluation import (
    evaluate_run as evaluate_run,
)
from .evaluation import (
    resolve_metrics as resolve_metrics,
)
from .features import (
    DEFAULT_RESIZE as DEFAULT_RESIZE,
)
from .features import (
    RESIZE_MODES as RESIZE_MODES,
)
from .features import (
    Extracted as Extracted,
)
from .features import (
    FeatureExtractor as FeatureExtractor,
)
from .features import (
    WeightsUnavailableError as WeightsUnavailableError,
)
from .features import (
    extract_features as extract_features,
)
from .features.registry import (
    load_extractor as load_extractor,
)
from .functional import (
    ClassCoverage as ClassCoverage,
)
from .functional import (
    DensityCoverage as DensityCoverage,
)
from .functional import (
    FeatureStatistics as FeatureStatistics,
)
from .functional import (
    MeanStd as MeanStd,
)
from .functional import (
    PrecisionRecall as PrecisionRecall,
)
from .functional import (
    class_coverage as class_coverage,
)
from .functional import (
    conditional_accuracy as conditional_accuracy,
)
from .functional import (
    density_coverage as density_coverage,
)
from .functional import (
    fid_from_features as fid_from_features,
)
from .functional import (
    frechet_distance as frechet_distance,
)
from .functional import (
    inception_score as inception_score,
)
from .functional import (
    kernel_inception_distance as kernel_inception_distance,
)
from .functional import (
    mode_coverage as mode_coverage,
)
from .functional import (
    precision_recall as precision_recall,
)
from .functional import (
    sliced_wasserstein as sliced_wasserstein,
)

__version__: str
