"""The real offline models (slow): MiniLM against a reference and sentence-transformers,
SmolLM2 from its GGUF."""

from __future__ import annotations

import numpy as np
import pytest

from w2sg.models import extract_activations, load_model, resolve_model

pytestmark = pytest.mark.slow


def _cos(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


def test_minilm_matches_one_text_at_a_time_and_sentence_transformers(texts):
    import torch
    from sentence_transformers import SentenceTransformer

    resolved = resolve_model("minilm-l6")
    got = extract_activations("minilm-l6", texts, layers=(-1, 3), dtype="float32",
                              progress=False)  # fmt: skip
    model, tokenizer = load_model(resolved, "float32", "cpu")
    for i, text in enumerate(texts[:6]):
        ids = tokenizer(text, return_tensors="pt")["input_ids"]
        with torch.no_grad():
            hs = model(input_ids=ids, output_hidden_states=True).hidden_states
        np.testing.assert_allclose(got[-1][i], hs[-1][0].mean(0).numpy(), rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(got[3][i], hs[3][0].mean(0).numpy(), rtol=1e-4, atol=1e-5)
    st = SentenceTransformer(str(resolved.path), device="cpu")
    assert _cos(got[-1], st.encode(texts)).min() > 0.9999
    bf16 = extract_activations("minilm-l6", texts, dtype="bfloat16", progress=False)[-1]
    assert _cos(got[-1], bf16).min() >= 0.99


def test_smollm2_gguf_gives_finite_last_token_vectors(texts):
    resolved = resolve_model("smollm2-135m")
    assert resolved.kind == "decoder" and resolved.gguf_file.endswith(".gguf")
    got = extract_activations("smollm2-135m", texts[:4], layers=(-1, 15), dtype="float32",
                              progress=False)  # fmt: skip
    assert got[-1].shape == (4, 576) and got[15].shape == (4, 576)
    assert np.isfinite(got[-1]).all() and np.abs(got[-1]).max() > 0
    assert not np.allclose(got[-1][0], got[-1][1])


@pytest.mark.parametrize(("model", "dtype"), [("minilm-l6", "bfloat16"), ("mpnet-base", "float32")])
def test_real_vectors_do_not_depend_on_the_company(texts, model, dtype):
    """A text alone and among others of its length gives the same bits (the store's premise)."""
    same_length = ["a great movie", "a dull movie", "a fine movie", "a sad movie"]
    alone = extract_activations(model, same_length[:1], dtype=dtype, progress=False)[-1]
    together = extract_activations(model, same_length + texts[:4], dtype=dtype,
                                   progress=False)[-1]  # fmt: skip
    np.testing.assert_array_equal(alone[0], together[0])
