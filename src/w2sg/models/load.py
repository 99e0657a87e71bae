"""Turning a resolved model into a (model, tokenizer) pair in the right precision
(docs/methods.md#activations).

`dtype="auto"` picks the fastest precision the hardware computes natively: bfloat16 on a GPU
that supports it (float16 otherwise) and on CPUs with native bf16 kernels (AVX512-BF16 / AMX,
about twice as fast as float32 for MPNet on this machine kind); float32 elsewhere.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from w2sg.errors import W2SGError
from w2sg.models.resolve import ResolvedModel

DTYPES = ("auto", "float32", "bfloat16", "float16")


@lru_cache(maxsize=1)
def cpu_has_native_bf16() -> bool:
    """Whether this CPU computes bf16 matmuls natively (oneDNN reports AVX512-BF16 or AMX)."""
    import torch  # heavy: loaded on first use

    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        try:
            flags = open("/proc/cpuinfo").read()
        except OSError:
            return False
        return "avx512_bf16" in flags or "amx_bf16" in flags


def check_device_name(device: object, name: str = "device") -> str:
    """A device name w2sg knows: auto, cpu, cuda or cuda:N (no torch needed)."""
    if not isinstance(device, str) or not re.fullmatch(r"auto|cpu|cuda(:\d+)?", device):
        raise W2SGError(
            f"{name} must be auto, cpu, cuda or cuda:N (N a whole number), got {device!r}"
        )
    return device


def devices_here() -> list[str]:
    """The devices of this machine torch can use: cpu, then cuda:0 … cuda:N-1."""
    import torch  # heavy: loaded on first use

    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    return ["cpu", *(f"cuda:{i}" for i in range(count))]


def pick_device(device: str = "auto") -> str:
    """`auto` → `cuda` when a GPU is visible, else `cpu`; a device this machine does not have
    is one error listing the ones it has."""
    check_device_name(device)
    if device == "cpu":  # every machine has it: no need to load torch to ask
        return device
    here = devices_here()
    if device == "auto":
        return "cuda" if len(here) > 1 else "cpu"
    if (device if ":" in device else "cuda:0") not in here:
        raise W2SGError(
            f"device {device} does not exist on this machine; devices here: {', '.join(here)}"
        )
    return device


def resolve_dtype(dtype: str, device: str = "cpu") -> str:
    """The concrete dtype name (`float32`, `bfloat16`, `float16`) that `dtype` means here."""
    import torch  # heavy: loaded on first use

    if dtype not in DTYPES:
        raise W2SGError(f"dtype must be one of {', '.join(DTYPES)}, not {dtype!r}")
    if dtype != "auto":
        return dtype
    if device.startswith("cuda"):
        return "bfloat16" if torch.cuda.is_bf16_supported() else "float16"
    if device == "cpu" and cpu_has_native_bf16():
        return "bfloat16"
    return "float32"


def prepare_tokenizer(tokenizer: Any) -> Any:
    """Give the tokenizer a pad token without growing the vocabulary; pad on the right.

    A model without a pad token pads with its end-of-text (or unknown, or first) token; the
    attention mask, not the pad id, decides which positions count. Padding is on the right for
    every model: with an attention mask, real tokens then keep their positions and context
    whether attention is causal or bidirectional, so a padded batch equals unpadded passes.
    """
    if tokenizer.pad_token is None:
        for candidate in (tokenizer.eos_token, tokenizer.unk_token, tokenizer.bos_token):
            if candidate is not None:
                tokenizer.pad_token = candidate
                break
        else:
            tokenizer.pad_token = tokenizer.convert_ids_to_tokens(0)
    tokenizer.padding_side = "right"
    return tokenizer


def _kwargs(resolved: ResolvedModel) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"local_files_only": True}
    if resolved.gguf_file:
        kwargs["gguf_file"] = resolved.gguf_file
        try:
            import accelerate  # noqa: F401
            import gguf  # noqa: F401
        except ImportError:
            raise W2SGError(
                f"{resolved.name} is a GGUF model and needs the gguf and accelerate packages; "
                "install them with `pip install 'w2sg[decoder]'`"
            ) from None
    return kwargs


def _files_stamp(resolved: ResolvedModel) -> tuple | None:
    """The model folder's files as (name, size, mtime), or None when it is not a folder."""
    try:
        with os.scandir(resolved.path) as entries:
            files = [(e.name, e.stat()) for e in entries if e.is_file()]
    except OSError:
        return None
    return tuple(sorted((n, st.st_size, st.st_mtime_ns) for n, st in files))


def _once(read: Callable[[ResolvedModel], Any], resolved: ResolvedModel) -> Any:
    """`read(resolved)` once per process for the same model files (a sweep asks for each
    model's tokenizer and configuration once per cell and warm-up: 35 ms a tokenizer)."""
    stamp = _files_stamp(resolved)
    return read(resolved) if stamp is None else _read_once(read, resolved, stamp)


@lru_cache(maxsize=16)
def _read_once(read: Callable[[ResolvedModel], Any], resolved: ResolvedModel, stamp: tuple) -> Any:
    return read(resolved)  # `stamp` is in the cache key only: new files, a new read


def _read_tokenizer(resolved: ResolvedModel) -> Any:
    from transformers import AutoTokenizer  # heavy: loaded on first use

    try:
        tokenizer = AutoTokenizer.from_pretrained(str(resolved.path), **_kwargs(resolved))
    except (OSError, ValueError) as err:
        raise W2SGError(f"could not load the tokenizer of {resolved.name}: {err}") from None
    return prepare_tokenizer(tokenizer)


def _read_config(resolved: ResolvedModel) -> Any:
    from transformers import AutoConfig  # heavy: loaded on first use

    try:
        return AutoConfig.from_pretrained(str(resolved.path), **_kwargs(resolved))
    except (OSError, ValueError) as err:
        raise W2SGError(f"could not read the configuration of {resolved.name}: {err}") from None


def load_tokenizer(resolved: ResolvedModel) -> Any:
    """The model's tokenizer, given a pad token and right padding (see `prepare_tokenizer`).

    Loaded once per process: w2sg calls the tokenizer with every setting it needs (lengths,
    truncation, padding) and never changes its attributes, so one object serves every caller."""
    return _once(_read_tokenizer, resolved)


def load_config(resolved: ResolvedModel) -> Any:
    """The model's configuration (cheap: no weights are read), with as many blocks as its cut
    keeps (`NAME:layerK`: K), so layer -1 means the cut's last layer everywhere. Read once per
    process; each caller gets its own copy to change."""
    config = copy.deepcopy(_once(_read_config, resolved))
    if resolved.cut is not None:
        blocks = num_hidden_layers(config)
        if resolved.cut > blocks:
            raise W2SGError(
                f"{resolved.name}: {resolved.base_name} has {blocks} blocks "
                f"(hidden_states[0..{blocks}]); "
                f"cut it at layer0..layer{blocks}"
            )
        config.num_hidden_layers = resolved.cut  # transformers maps the name (n_layer, ...)
    return config


def num_hidden_layers(config: Any) -> int:
    """Transformer blocks in a model config (`hidden_states` has one more entry)."""
    for attr in ("num_hidden_layers", "n_layer", "num_layers"):
        value = getattr(config, attr, None)
        if isinstance(value, int):
            return value
    raise W2SGError(f"cannot tell how many layers {type(config).__name__} has")


def load_model(
    resolved: ResolvedModel,
    dtype: str = "auto",
    device: str = "auto",
    tokenizer: Any = None,
    *,
    truncate: bool = False,
) -> tuple[Any, Any]:
    """Load the base model (no task head) and its tokenizer, in eval mode on `device`.

    A cut model (`NAME:layerK`) loads whole unless `truncate`: extraction reads
    `hidden_states[K]` of the full model (what the store holds for layer K), while fine-tune
    mode trains the first K blocks as a smaller model.
    """
    import torch  # heavy: loaded on first use
    from transformers import AutoModel  # heavy: loaded on first use

    device = pick_device(device)
    torch_dtype = getattr(torch, resolve_dtype(dtype, device))
    kwargs = _kwargs(resolved)
    if truncate and resolved.cut is not None:
        kwargs["config"] = load_config(resolved)
    path = str(resolved.path)
    if tokenizer is None:
        tokenizer = load_tokenizer(resolved)
    try:
        try:
            model = AutoModel.from_pretrained(
                path, dtype=torch_dtype, attn_implementation="sdpa", **kwargs
            )
        except (ValueError, ImportError):  # an architecture without SDPA support
            model = AutoModel.from_pretrained(path, dtype=torch_dtype, **kwargs)
    except OSError as err:
        raise W2SGError(f"could not load {resolved.name} from {path}: {err}") from None
    return model.to(device=device, dtype=torch_dtype).eval(), tokenizer
