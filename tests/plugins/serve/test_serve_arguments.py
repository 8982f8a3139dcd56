"""``gan serve``'s numeric options: a bad value is one line naming the option and what it allows,
exit code 2, before any run is loaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from gan_core.cli import main


@pytest.mark.parametrize(
    ("option", "value", "allowed"),
    [
        ("--port", "0", "must be an integer in [1, 65535], got 0"),
        ("--port", "65536", "must be an integer in [1, 65535], got 65536"),
        ("--port", "http", "must be an integer in [1, 65535], got 'http'"),
        ("--max-n", "0", "must be a positive integer, got 0"),
        ("--max-upload-mb", "1.5", "must be a positive integer, got '1.5'"),
    ],
)
def test_a_bad_number_is_one_line_naming_the_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str, value: str, allowed: str
) -> None:
    assert main(["serve", str(tmp_path / "no-run"), option, value]) == 2
    (error,) = capsys.readouterr().err.strip().splitlines()
    assert error == f"gan serve: error: argument {option}: {allowed} (see 'gan serve --help')"
