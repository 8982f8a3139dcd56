"""The documentation stays true: its links resolve, and the code it shows runs against the installed
distributions."""

from __future__ import annotations

import re
from pathlib import Path

import attrs
import pytest
from integration_support import REPO, gan

from gan_core.testing import check_variant
from gan_plugin_example import LSGAN_EXAMPLE

DOCS = sorted([REPO / "README.md", *(REPO / "docs").rglob("*.md")])
_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
_FENCE = re.compile(r"```(\w*)\n(.*?)```", re.DOTALL)


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    text = _FENCE.sub("", path.read_text())
    return {_slug(line.lstrip("#")) for line in text.splitlines() if line.startswith("#")}


def _code_blocks(path: Path, language: str) -> list[str]:
    return [body for lang, body in _FENCE.findall(path.read_text()) if lang == language]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(REPO)))
def test_relative_links_resolve(doc: Path) -> None:
    text = _FENCE.sub("", doc.read_text())
    for target in _LINK.findall(text):
        if re.match(r"^[a-z]+:", target):
            continue  # http:, https:, mailto:
        path, _, anchor = target.partition("#")
        resolved = (doc.parent / path).resolve() if path else doc
        assert resolved.exists(), f"{doc.relative_to(REPO)} links to {target}, which does not exist"
        if anchor and resolved.suffix == ".md":
            assert anchor in _anchors(resolved), f"{doc.relative_to(REPO)} links to {target}: no such heading"


def test_readme_and_noxfile_pin_the_same_torch() -> None:
    readme = (REPO / "README.md").read_text()
    noxfile = (REPO / "noxfile.py").read_text()
    for package in ("torch", "torchvision"):
        pinned = re.search(rf"\b{package}==([\w.]+)", readme)
        assert pinned is not None, f"the README's install command does not pin {package}"
        spec = f"{package}=={pinned.group(1)}"
        assert f'"{spec}"' in noxfile, f"noxfile.py does not default to {spec}, as the README installs"


def test_readme_cli_flags_exist(tmp_path: Path) -> None:
    readme = (REPO / "README.md").read_text()
    for command in ("config", "train", "sample", "eval"):
        shown = gan(command, "--help", cwd=tmp_path)
        assert shown.code == 0, shown.err
        used = set(re.findall(rf"\bgan {command}\b[^\n]*", readme))
        flags = {flag for line in used for flag in re.findall(r"(?<=\s)--[a-z][a-z-]*", line)}
        assert flags, f"the README shows no 'gan {command}' flags"
        missing = sorted(flag for flag in flags if flag not in shown.out)
        assert not missing, f"the README uses 'gan {command}' flags that do not exist: {missing}"


def test_readme_python_tour_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tour = [block for block in _code_blocks(REPO / "README.md", "python") if "GanTrainer" in block]
    assert len(tour) == 1
    monkeypatch.chdir(tmp_path)
    exec(compile(tour[0], "README.md", "exec"), {"__name__": "readme_tour"})
    printed = capsys.readouterr().out
    assert printed.startswith("300 {'d_loss': ")
    assert "ModeCoverage(modes_captured=" in printed
    assert (tmp_path / "runs" / "api" / "checkpoints" / "step_00000300").is_dir()


def test_custom_step_in_the_plugin_guide_passes_the_conformance_kit(tmp_path: Path) -> None:
    guide = (REPO / "docs" / "plugin-authors.md").read_text()
    marker = guide.index("<!-- tested: tests/integration/test_docs.py runs this block -->")
    code = _FENCE.search(guide, marker)
    assert code is not None and code.group(1) == "python"
    namespace: dict[str, object] = {"__name__": "plugin_guide_step"}
    exec(compile(code.group(2), "docs/plugin-authors.md", "exec"), namespace)
    step = namespace["score_gap_step"]

    def build(config: object, data: object) -> object:
        return attrs.evolve(LSGAN_EXAMPLE.build(config, data), step=step)  # type: ignore[arg-type]

    variant = attrs.evolve(LSGAN_EXAMPLE, name="gap-example", build=build)
    small = {"latent_dim": 4, "g_hidden": [16], "d_hidden": [16], "train.d_steps": 2}
    check_variant(variant, tmp_path, data_shape=(2,), config_overrides=small)


def test_example_plugin_layout_in_the_guide_matches_the_files() -> None:
    guide = (REPO / "docs" / "plugin-authors.md").read_text()
    tree = guide.split("## A walk through the example plugin")[1]
    listed = set(re.findall(r"[├└]── ([\w.]+)", tree))
    root = REPO / "docs" / "example-plugin"
    files = {
        p.name
        for p in root.rglob("*")
        if p.is_file() and not {"__pycache__", "build", ".pytest_cache"} & set(p.parts) and ".egg-info" not in str(p)
    }
    assert files <= listed, f"the guide's tree of docs/example-plugin misses {sorted(files - listed)}"
