"""``gan eval`` end to end: the table, metrics.json, agreement with the Python API, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _tiny_runs import train_tiny

from gan_core import Registry
from gan_core.cli import main
from gan_plugin_metrics import evaluate_run


@pytest.fixture(scope="module")
def run_dir(registry: Registry, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train_tiny(tmp_path_factory.mktemp("cli") / "tiny", registry)


@pytest.fixture
def gan(registry: Registry, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr("gan_core.cli.create_registry", lambda: registry)  # core, metrics, the tiny variants
    return main


def test_eval_prints_the_table_and_agrees_with_the_python_api(
    gan, run_dir: Path, registry: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    argv = ["eval", str(run_dir), "--metrics", "fid,pr,class-coverage", "--features", "digits", "--n", "150"]
    assert gan([*argv, "--seed", "7", "--cache-dir", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    for name in ("fid", "precision", "recall", "classes_present", "class_kl"):
        assert any(line.split()[0] == name for line in out.splitlines()[1:]), out
    assert "features digits" in out and "resize bilinear-antialias" in out and "metrics.json" in err
    saved = json.loads((run_dir / "metrics.json").read_text())
    api = evaluate_run(
        run_dir,
        metrics="fid,pr,class-coverage",
        features="digits",
        n=150,
        seed=7,
        cache_dir=tmp_path,
        registry=registry,
        write=False,
    )
    assert api.metrics == saved["metrics"]
    assert api.record["real_statistics"]["cache_hit"]  # the command cached the real statistics
    table = {line.split()[0]: line.split()[1] for line in out.splitlines()[1:]}
    assert float(table["fid"]) == pytest.approx(api.metrics["fid"], rel=1e-5)
    assert int(table["classes_present"]) == api.metrics["classes_present"]


@pytest.mark.parametrize(
    ("args", "field", "allowed"),
    [
        (["--metrics", "fid,prc"], "--metrics", "'pr'"),
        (["--features", "inceptionv3"], "--features", "'digits'"),
        (["--resize", "nearest"], "--resize", "'bilinear'"),
        (["--n", "0"], "--n", "> 0"),
    ],
)
def test_bad_names_are_one_line_and_exit_code_2(
    gan, run_dir: Path, capsys: pytest.CaptureFixture[str], args: list[str], field: str, allowed: str
) -> None:  # type: ignore[no-untyped-def]
    assert gan(["eval", str(run_dir), *args, "--no-cache"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith(f"gan eval: error: {field}:") and allowed in err


def test_eval_of_a_missing_run(gan, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    assert gan(["eval", str(tmp_path / "nothing")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "RUN_DIR" in err


def test_eval_of_a_translation_run_prints_the_variants_own_measure(
    gan, registry: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    from _tiny_runs import TINY_TRANSLATE

    from gan_core import GanTrainer
    from gan_core.testing import tiny_run_config

    run = tmp_path / "translate"
    GanTrainer(TINY_TRANSLATE, tiny_run_config(TINY_TRANSLATE), run, registry=registry).fit()
    capsys.readouterr()
    assert gan(["eval", str(run)]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[0].endswith("tiny-translate's own (Variant.evaluate)")
    assert out.splitlines()[1].split()[0] == "mean_output"
    assert "metrics.json" in err
    # asked for, the sample metrics measure the translations against the target domain
    assert gan(["eval", str(run), "--metrics", "fid", "--features", "digits", "--n", "64"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].split()[0] == "fid"
