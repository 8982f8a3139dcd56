"""The worked example in docs/theory/vanilla.md runs, its assertions hold, and it prints what the page says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[3] / "docs" / "theory" / "vanilla.md"


def _worked_example() -> tuple[str, str]:
    section = PAGE.read_text().split("## A worked example", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```(\w*)\n(.*?)```", section, flags=re.DOTALL)
    code = next(body for lang, body in blocks if lang == "python")
    output = next(body for lang, body in blocks if lang == "")
    return code, output


@pytest.mark.skipif(not PAGE.exists(), reason="the docs are not part of this checkout")
def test_worked_example_runs_and_prints_what_the_page_shows(capsys: pytest.CaptureFixture[str]) -> None:
    code, expected = _worked_example()
    exec(compile(code, str(PAGE), "exec"), {"__name__": "docs_example"})
    assert capsys.readouterr().out.strip() == expected.strip()
