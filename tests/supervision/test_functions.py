"""Built-in label functions and label-function files (docs/methods.md#weak-supervision)."""

from __future__ import annotations

import json

import pytest

from w2sg.errors import W2SGError
from w2sg.supervision import (
    apply_label_functions,
    keyword_lf,
    lexicon_lf,
    load_label_functions,
    regex_lf,
    vader_lf,
)


def test_keywords_match_whole_words_and_phrases_case_insensitively():
    lf = keyword_lf("praise", ["must see", "gem"], 1)
    assert lf("A MUST   SEE for everyone") == 1
    assert lf("a hidden gem.") == 1
    assert lf("gems and gemstones") == -1
    assert lf("mustard seed") == -1


def test_regex_function_votes_its_label_on_a_match():
    lf = regex_lf("negated", [r"\bnot\s+good\b", r"\bno fun\b"], 0)
    assert [lf(t) for t in ("not good", "NO FUN at all", "good")] == [0, 0, -1]


def test_vader_scores_with_thresholds():
    default = vader_lf("vader")
    assert default("A wonderful, moving and funny film!") == 1
    assert default("Dull, boring and awful.") == 0
    assert default("The film runs ninety minutes.") == -1
    strict = vader_lf("strict", positive_at=0.9, negative_at=-0.9)
    assert strict("A good film.") == -1


def test_lexicon_keywords_come_from_vaders_ratings():
    positive = lexicon_lf("strong_positive", 1, at_least=2.5)
    negative = lexicon_lf("strong_negative", 0, at_most=-2.5)
    assert positive("an excellent cast") == 1  # 'excellent' is rated 2.7 in VADER's lexicon
    assert positive("a good cast") == -1  # 'good' is rated 1.9
    assert negative("a horrible script") == 0  # 'horrible' is rated -2.5


def test_shipped_sentiment_set_loads_and_labels_texts():
    lfs = load_label_functions("sentiment")
    assert lfs.source == "w2sg:sentiment"
    assert lfs.names[0] == "vader_compound" and len(lfs.names) == 6
    matrix = apply_label_functions(lfs.functions, ["A masterpiece.", "A boring waste of time."])
    assert (matrix[0][matrix[0] != -1] == 1).all() and (matrix[0] != -1).sum() >= 2
    assert (matrix[1][matrix[1] != -1] == 0).all() and (matrix[1] != -1).sum() >= 2


def test_label_function_file_with_a_callable(tmp_path, monkeypatch):
    (tmp_path / "my_rules.py").write_text(
        "def is_question(text):\n    return 0 if text.endswith('?') else -1\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    spec = {
        "name": "mine",
        "functions": [
            {"name": "q", "kind": "callable", "target": "my_rules:is_question"},
            {"name": "yay", "kind": "keywords", "label": 1, "keywords": ["yay"]},
        ],
    }
    path = tmp_path / "lfs.json"
    path.write_text(json.dumps(spec))
    lfs = load_label_functions(str(path))
    assert lfs.name == "mine" and lfs.names == ["q", "yay"]
    assert apply_label_functions(lfs.functions, ["yay?", "ok"]).tolist() == [[0, 1], [-1, -1]]
    assert lfs.to_json()["functions"][0] == {"name": "q", "kind": "callable"}


@pytest.mark.parametrize(
    ("functions", "match"),
    [
        ([{"name": "a", "kind": "spell"}], "unknown kind 'spell'"),
        ([{"name": "a", "kind": "regex", "label": 1, "patterns": ["("]}], "bad regular"),
        ([{"name": "a", "kind": "keywords", "label": 2, "keywords": ["x"]}], "0 or 1, got 2"),
        ([{"name": "a", "kind": "keywords", "label": 1, "words": ["x"]}], "'a' \\(keywords\\)"),
        ([{"name": "a", "kind": "callable", "target": "nosuchmodule:f"}], "cannot import"),
        ([{"kind": "regex"}], "needs a 'name'"),
        ([], "non-empty list"),
    ],
)
def test_bad_label_function_files_give_one_clear_error(tmp_path, functions, match):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"functions": functions}))
    with pytest.raises(W2SGError, match=match):
        load_label_functions(str(path))


def test_unknown_label_function_set_lists_the_shipped_ones():
    with pytest.raises(W2SGError, match="shipped: sentiment"):
        load_label_functions("sentimnet")
