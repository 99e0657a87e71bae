"""Model names: `NAME:layerK` is the model read up to layer K (its last layer is K, the store
serves it as the full model's layer K), `tfidf` is a weak model only; bad names are one line."""

from __future__ import annotations

import numpy as np
import pytest

from w2sg.errors import W2SGError
from w2sg.models.activations import get_text_activations
from w2sg.models.extract import extract_activations
from w2sg.models.layers import model_layers, resolve_layer
from w2sg.models.load import load_model
from w2sg.models.names import check_strong_model, check_weak_model, parse_model_name
from w2sg.models.provenance import model_identity
from w2sg.models.resolve import resolve_model


@pytest.mark.parametrize(
    ("name", "base", "cut"),
    [("minilm-l6", "minilm-l6", None), ("minilm-l6:layer2", "minilm-l6", 2),
     ("org/name@abc:layer0", "org/name@abc", 0), ("tfidf", "tfidf", None)],
)  # fmt: skip
def test_names_parse(name: str, base: str, cut: int | None) -> None:
    parsed = parse_model_name(name)
    assert (parsed.base, parsed.cut, parsed.bow) == (base, cut, name == "tfidf")


@pytest.mark.parametrize(
    ("name", "message"),
    [("minilm-l6:foo", "write layerK"), ("minilm-l6:layer", "write layerK"),
     ("tfidf:layer1", "tfidf has no layers"), ("a:b:layer2", "one ':layerK' at the end"),
     ("", "must be a model name")],
)  # fmt: skip
def test_bad_names_are_one_line(name: str, message: str) -> None:
    with pytest.raises(W2SGError, match=message) as err:
        parse_model_name(name, "--weak")
    assert "\n" not in str(err.value)


def test_tfidf_is_a_weak_model_with_one_layer() -> None:
    assert check_weak_model("tfidf", -1).bow and check_weak_model("tfidf", 0).bow
    with pytest.raises(W2SGError, match="one layer of features"):
        check_weak_model("tfidf", 3)
    with pytest.raises(W2SGError, match="weak model only"):
        check_strong_model("tfidf")
    with pytest.raises(W2SGError, match="bag-of-words model: it has no weights"):
        resolve_model("tfidf")


def test_a_cut_model_ends_at_its_layer(tiny_bert: str) -> None:
    cut = resolve_model(f"{tiny_bert}:layer1")
    assert cut.cut == 1 and cut.identity == resolve_model(tiny_bert).identity
    assert model_layers(f"{tiny_bert}:layer1") == 1 and model_layers(tiny_bert) == 2
    assert resolve_layer(-1, f"{tiny_bert}:layer1") == 1
    assert model_identity(f"{tiny_bert}:layer1")["cut"] == 1
    with pytest.raises(W2SGError, match="has 2 blocks"):
        model_layers(f"{tiny_bert}:layer3")
    with pytest.raises(W2SGError, match="out of range"):
        get_text_activations(f"{tiny_bert}:layer1", ["a text"], layers=(2,), progress=False)


def test_a_cut_reads_the_full_models_layer_and_shares_its_store(
    tiny_bert: str, texts: list[str]
) -> None:
    full = get_text_activations(tiny_bert, texts, layers=(1,), progress=False)[1]
    cut = get_text_activations(f"{tiny_bert}:layer1", texts, layers=(-1, 0), progress=False)
    np.testing.assert_array_equal(cut[-1], full)
    np.testing.assert_array_equal(
        cut[0], get_text_activations(tiny_bert, texts, layers=(0,), progress=False)[0]
    )
    uncached = extract_activations(f"{tiny_bert}:layer1", texts, progress=False)[-1]
    np.testing.assert_allclose(uncached, full, atol=1e-6)


def test_truncate_loads_only_the_first_blocks(tiny_bert: str) -> None:
    cut = resolve_model(f"{tiny_bert}:layer1")
    whole, _ = load_model(cut, "float32", "cpu")
    small, _ = load_model(cut, "float32", "cpu", truncate=True)
    assert len(whole.encoder.layer) == 2 and len(small.encoder.layer) == 1
