"""The fast overlap score equals the plain float64 computation (docs/methods.md#detection)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from w2sg.errors import W2SGError
from w2sg.overlap.similarity import (
    _BF16,
    _round,
    as_similarity,
    max_similarity,
    max_similarity_plain,
)


@pytest.fixture
def random_acts() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    q = rng.standard_normal((300, 48)).astype(np.float32)
    k = (rng.standard_normal((120, 48)) * rng.uniform(0.2, 3.0, (120, 1))).astype(np.float32)
    return q, k


@pytest.mark.parametrize("similarity", ["abs_cosine", "dot"])
@pytest.mark.parametrize("screen", ["bfloat16", "float32"])
def test_fast_equals_plain_float64(random_acts, similarity: str, screen: str) -> None:
    q, k = random_acts
    got = max_similarity(q, k, similarity, screen=screen)
    np.testing.assert_allclose(got, max_similarity_plain(q, k, similarity), rtol=1e-12, atol=0)


@pytest.mark.parametrize("similarity", ["abs_cosine", "dot"])
def test_near_ties_and_duplicates_are_resolved_exactly(similarity: str) -> None:
    # Concentrated vectors (all cosines near 1), repeated keys and a zero key: many rows have
    # more possible winners than the kept top entries, which exercises every tier.
    rng = np.random.default_rng(1)
    base = rng.standard_normal(32)
    q = (base + 1e-3 * rng.standard_normal((200, 32))).astype(np.float32)
    k = (base + 1e-3 * rng.standard_normal((150, 32))).astype(np.float32)
    k[10:40] = k[5]  # 31 identical keys
    k[50] = 0.0
    got = max_similarity(q, k, similarity)
    np.testing.assert_allclose(got, max_similarity_plain(q, k, similarity), rtol=1e-12, atol=0)


@pytest.mark.parametrize("chunk_elems", [1, 500, 7_919, 1 << 23])
def test_chunked_equals_unchunked(random_acts, chunk_elems: int) -> None:
    q, k = random_acts
    whole = max_similarity(q, k, chunk_elems=1 << 30)
    np.testing.assert_array_equal(max_similarity(q, k, chunk_elems=chunk_elems), whole)


def test_selected_rows_equal_copied_subsets(random_acts) -> None:
    q, k = random_acts
    x = np.concatenate([q, k])
    qrows = np.arange(0, 300, 3)
    krows = np.arange(300, 420, 2)
    got = max_similarity(x, x, query_rows=qrows, key_rows=krows)
    np.testing.assert_array_equal(got, max_similarity(x[qrows], x[krows]))


def test_torch_and_float64_inputs(random_acts) -> None:
    q, k = random_acts
    ref = max_similarity_plain(q, k)
    np.testing.assert_allclose(max_similarity(torch.from_numpy(q), torch.from_numpy(k)), ref)
    np.testing.assert_allclose(max_similarity(q.astype(np.float64), k.astype(np.float64)), ref)


def test_zero_vectors_have_cosine_zero() -> None:
    q = np.array([[0.0, 0.0], [1.0, 0.0]], dtype=np.float32)
    k = np.array([[0.0, 0.0], [0.0, 2.0], [-3.0, 0.1]], dtype=np.float32)
    np.testing.assert_allclose(max_similarity(q, k), [0.0, 3.0 / np.hypot(3.0, 0.1)])


def test_the_rounding_bound_holds_on_random_data() -> None:
    # The screening bound assumes float32 sums of exact bfloat16 products. Check that the
    # observed bfloat16 error stays within the part of the bound that covers it.
    rng = np.random.default_rng(2)
    d = 256
    q = rng.standard_normal((64, d))
    k = rng.standard_normal((512, d))
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    k /= np.linalg.norm(k, axis=1, keepdims=True)
    rq, rk = _round(q, "bfloat16"), _round(k, "bfloat16")
    got = (rq.mat @ rk.mat.T).double().numpy()
    gamma = (d + 1) * 2.0**-24
    nq, nk = rq.norm_hat[:, None], rk.norm_hat[None]
    bound = nq * rk.resid + rq.resid[:, None] * nk + rq.resid[:, None] * rk.resid + gamma * nq * nk
    err = np.abs(got - q @ k.T)
    assert (err <= bound + _BF16.ulp * np.abs(got)).all()
    assert err.max() > 0  # bfloat16 really is approximate here


def test_as_similarity_passes_the_two_names_and_refuses_others() -> None:
    assert [as_similarity(s) for s in ("abs_cosine", "dot")] == ["abs_cosine", "dot"]
    for bad in ("euclid", "cosine", "", "DOT"):
        with pytest.raises(W2SGError, match=f"unknown similarity '{bad}'; use 'abs_cosine' or"):
            as_similarity(bad)


def test_bad_arguments_raise_one_line_errors(random_acts) -> None:
    q, k = random_acts
    with pytest.raises(W2SGError, match="unknown similarity"):
        max_similarity(q, k, "euclid")  # type: ignore[arg-type]
    with pytest.raises(W2SGError, match="dimensions"):
        max_similarity(q, k[:, :10])
    with pytest.raises(W2SGError, match="no keys"):
        max_similarity(q, k[:0])
    with pytest.raises(W2SGError, match="out of range"):
        max_similarity(q, k, key_rows=np.array([0, 500]))
    assert max_similarity(q[:0], k).shape == (0,)


def test_every_tier_is_used_and_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    # Concentrated vectors: bfloat16 cannot separate them, float32 settles some rows, and
    # rows with identical keys need the plain float64 last resort.
    from w2sg.overlap import similarity as sim

    used: dict[str, int] = {}
    screen, exact = sim._screen, sim._exact_rows

    def spy_screen(*args):  # noqa: ANN002, ANN202
        value, unsettled = screen(*args)
        used[args[7].dtype_name] = used.get(args[7].dtype_name, 0) + int((~unsettled).sum())
        return value, unsettled

    def spy_exact(*args):  # noqa: ANN002, ANN202
        used["float64"] = used.get("float64", 0) + len(args[0])
        return exact(*args)

    monkeypatch.setattr(sim, "_screen", spy_screen)
    monkeypatch.setattr(sim, "_exact_rows", spy_exact)
    rng = np.random.default_rng(1)
    base = rng.standard_normal(32)
    q = (base + 3e-3 * rng.standard_normal((200, 32))).astype(np.float32)
    k = (base + 3e-3 * rng.standard_normal((150, 32))).astype(np.float32)
    other = rng.standard_normal(32).astype(np.float32)
    k[10:40] = other
    q[:20] = 2 * other  # their maximum is shared by 30 identical keys
    for similarity in ("abs_cosine", "dot"):
        used.clear()
        got = max_similarity(q, k, similarity, chunk_elems=150 * 64)
        np.testing.assert_allclose(got, max_similarity_plain(q, k, similarity), rtol=1e-12)
        assert used.get("float32", 0) > 0 and used.get("float64", 0) > 0, used
    used.clear()
    spread = rng.standard_normal((250, 32)).astype(np.float32)
    max_similarity(spread[:100], spread[100:])
    assert used.get("bfloat16", 0) > 90, used  # well-spread data is settled in bfloat16
