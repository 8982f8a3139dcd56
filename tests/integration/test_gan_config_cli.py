"""``gan config VARIANT > my.toml && gan train VARIANT --config my.toml`` runs the default recipe, for
every installed variant: the printed file resolves to exactly the configuration that no ``--config``
gives, and one cheap variant trains from it through the installed ``gan`` command."""

from __future__ import annotations

import json
import sys
from importlib import metadata
from pathlib import Path

import attrs
import pytest
from integration_support import gan

from gan_core import Registry, create_registry, resolve_config
from gan_core import _plugins as plugins
from gan_core._config import read_toml
from gan_core.cli import main

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def _installed_registry() -> Registry:
    names = {ep.name for ep in metadata.entry_points(group=plugins.ENTRY_POINT_GROUP)}
    return create_registry(strict=True, only=names)


REGISTRY = _installed_registry()
VARIANTS = REGISTRY.variants.names()


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_printed_file_is_the_default_config(
    variant: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["config", variant], registry=REGISTRY) == 0
    printed = capsys.readouterr()
    assert printed.err == ""
    path = tmp_path / "my.toml"
    path.write_text(printed.out)
    # what `gan train VARIANT --config my.toml` resolves, beside what `gan train VARIANT` resolves
    qualified = REGISTRY.variants.qualify(variant)
    found = REGISTRY.variants[qualified]
    no_flags = {"dataset": None, "steps": None, "seed": None}
    from_file = resolve_config(found, file_data=read_toml(path), flags=no_flags, qualified_name=qualified)
    assert from_file == resolve_config(found, flags=no_flags, qualified_name=qualified)
    # every key of both sections is in the file, under a comment (or named there, when it is unset)
    data = tomllib.loads(printed.out)
    for section in ("train", "model"):
        config = getattr(from_file, section)
        for name, value in attrs.asdict(config, recurse=False).items():
            if value is None:
                assert f"# {name}: unset by default" in printed.out
            else:
                assert name in data[section]


@pytest.mark.parametrize("variant", VARIANTS)
def test_json_lists_every_setting_with_a_meaning(variant: str, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["config", variant, "--json"], registry=REGISTRY) == 0
    rows = json.loads(capsys.readouterr().out)["settings"]
    assert {row["section"] for row in rows} == {"train", "model"}
    for row in rows:
        assert set(row) == {"name", "section", "default", "type", "allowed", "help"}
        assert row["help"] and row["help"] != "(no description)", f"{row['section']}.{row['name']} has no meaning"


def test_vanilla_trains_from_the_printed_file(tmp_path: Path) -> None:
    printed = gan("config", "vanilla", cwd=tmp_path)
    assert printed.code == 0, printed.err
    (tmp_path / "my.toml").write_text(printed.out)
    trained = gan(
        "train", "vanilla", "--config", "my.toml", "--dataset", "ring8", "--steps", "2", "--out", "run", cwd=tmp_path
    )
    assert trained.code == 0, trained.err
    assert trained.out.startswith("trained vanilla to step 2 ")
    qualified = REGISTRY.variants.qualify("vanilla")
    expected = resolve_config(
        REGISTRY.variants[qualified], flags={"dataset": "ring8", "steps": 2}, qualified_name=qualified
    )
    saved = resolve_config(
        REGISTRY.variants[qualified], file_data=read_toml(tmp_path / "run" / "config.toml"), qualified_name=qualified
    )
    assert saved == expected
