"""Writing files so that a reader never sees half of one: write a temporary sibling, then rename it.

``os.replace`` is atomic on POSIX and Windows when source and target are on one file system, which a
sibling always is; a process killed at any moment leaves either the old file or the new one. The
temporary name carries the process id, so two writers never share one.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path


def atomic_write(path: Path, write: Callable[[Path], object], *, fsync: bool = False) -> Path:
    """Call ``write(temporary_path)``, then move the result to ``path``; on failure remove the temporary.

    ``fsync`` flushes the contents to disk before the rename, for files whose loss would cost work
    (checkpoints); logs and caches skip it.
    """
    path = Path(path)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        write(partial)
        if fsync:
            with partial.open("rb") as handle:
                os.fsync(handle.fileno())
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def atomic_write_text(path: Path, text: str) -> Path:
    """``path.write_text(text)`` (UTF-8), atomically."""
    return atomic_write(path, lambda partial: partial.write_text(text, encoding="utf-8"))
