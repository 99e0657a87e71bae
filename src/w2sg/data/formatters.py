"""Formatters of the literature registry: one source row -> (text, label in {0, 1}).

docs/tasks.md. Text layouts are those of the published EleutherAI/w2s registry, so results stay
comparable. Multiple-choice rows become binary: the right answer (label 1) or a uniformly chosen
wrong one (label 0), ½ each, drawn from the caller's numpy Generator. A malformed row raises
KeyError / TypeError / ValueError; the registry turns that into one line naming the file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

Row = Mapping[str, Any]
Formatter = Callable[[Row, np.random.Generator], tuple[str, int]]


# ---------------------------------------------------------------- formatting helpers


def _coin(rng: np.random.Generator) -> int:
    """1 or 0 with probability ½ each."""
    return int(rng.random() < 0.5)


def _candidate(choices: Sequence[str], correct: int, rng: np.random.Generator) -> tuple[str, int]:
    """The right answer (label 1) or a uniformly chosen wrong one (label 0), ½ each."""
    if not 0 <= correct < len(choices):
        raise ValueError(f"answer index {correct} is not one of the {len(choices)} choices")
    right = choices[correct]
    wrong = [c for i, c in enumerate(choices) if i != correct and c != right]
    if _coin(rng) or not wrong:
        return right, 1
    return wrong[int(rng.integers(len(wrong)))], 0


def _binary(value: Any) -> int:
    """A yes/no label (bool, 0/1, or the words) as 0 or 1; anything else is left to fail."""
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "false", "no"):
        return int(value.strip().lower() in ("true", "yes"))
    return int(value)


def _lettered(row: Row) -> tuple[list[str], int]:
    """Choices given as {"text": [...], "label": ["A", ...]} and the answerKey's index."""
    letters = list(row["choices"]["label"])
    if row["answerKey"] not in letters:
        raise ValueError(f"answerKey {row['answerKey']!r} is not one of {letters}")
    return list(row["choices"]["text"]), letters.index(row["answerKey"])


# ---------------------------------------------------------------- templates and formatters

T_ANLI = "Premise: {premise}\nHypothesis: {hypothesis}\n\nDoes the premise entail the hypothesis?"
T_SENTENCE = "{sentence}"
T_DREAM = "{dialogue}\n\nQ: {question} A: {answer}"
T_DEONTOLOGY = "Q: Is the following a morally valid excuse?\n\n{scenario}\n\n{excuse}\n\nA:"
T_JUSTICE = "Q: Does this statement exemplify justice?\n\n{scenario}\n\nA:"
T_VIRTUE = "Q: Does this behavior match the adjective that follows?\n\n{scenario}\n\nA:"
T_UTILITARIANISM = "Which is more pleasant?\n1) {first}\n2) {second} A: {stated}"
T_MC_TACO = "{sentence}\n\nGiven the above, {question} Is the answer {answer}?"
T_HELLASWAG = (
    'Context:\n{ctx}\n\nContinuations:\n\n{endings}\n\nQ: Is "{answer}" the best continuation?'
)
T_PASSAGE_QA = 'Passage:\n\n{passage}\n\nQ: "{question}" Is the answer "{answer}"?'
T_QUARTZ = 'Passage:\n{passage}\n\nQ: "{question}" Is the answer "{answer}"?'
T_OPENBOOKQA = "Q: {question}\n\nChoices:\n{choices}\n\nAnswer: {answer}"
T_PAWS = (
    "Sent 1: {sentence1}\nSent 2: {sentence2}\n\nQ: Are these sentences semantically equivalent?"
)
T_QA_LINE = "Q: {question} A: {answer}"
T_SOCIAL_I_QA = (
    'Context:\n{context}\n\nQuestion: "{question}"\n\nChoices:\n{choices}\n\n'
    'Is the answer "{answer}"?'
)
T_WIC = (
    "Sentence 1:\n{sentence1}\n\nSentence 2:\n{sentence2}\n\n"
    'Q: Does "{word}" have the same meaning in the above sentences?'
)
T_TEXT = "{text}"
T_SCIQ_SUPPORT = 'Name: Bob\n\nPassage 1:\n{support}\n\nQ1: "{question}" Is the answer "{answer}"?'
T_DIALOGUE = "{chosen or rejected dialogue}"
T_COSMOS = "Context: {context}\nQuestion: {question}\nAnswer: {answer}"
T_BOOLQ = "Passage: {passage}\nQuestion: {question}"
T_AMAZON = "{title} {content}"


def format_anli(row: Row, rng: np.random.Generator) -> tuple[str, int]:
    """Label 1 when the premise entails the hypothesis (source label 0)."""
    text = T_ANLI.format(premise=row["premise"], hypothesis=row["hypothesis"])
    return text, int(int(row["label"]) == 0)


def format_sentence(row: Row, rng: np.random.Generator) -> tuple[str, int]:
    """cola (acceptable) and sst2 (positive): the sentence itself."""
    return T_SENTENCE.format(sentence=row["sentence"]), int(row["label"])


def format_dream(row: Row, rng: np.random.Generator) -> tuple[str, int]:
    """Dialogue lines, then the question and a random answer."""
    choices = list(row["choice"])
    if row["answer"] not in choices:
        raise ValueError(f"answer {row['answer']!r} is not one of the choices")
    answer, label = _candidate(choices, choices.index(row["answer"]), rng)
    dialogue = "\n".join(row["dialogue"])
    return T_DREAM.format(dialogue=dialogue, question=row["question"], answer=answer), label


def format_deontology(row: Row, rng: np.random.Generator) -> tuple[str, int]:
    """Whether the excuse is morally valid for the scenario."""
    return T_DEONTOLOGY.format(scenario=row["scenario"], excuse=row["excuse"]), int(row["label"])


def format_justice(row: Row, rng: np.random.Generator) -> tuple[str, int]:
    """Whether the statement exemplifies justice."""
    return T_JUSTICE.format(scenario=row["scenario"]), int(row["label"])


def format_virtue(row: Row, rng: np.random.Generator) -> tuple[str, int]:
    """Whether the behaviour matches the adjective (the scenario holds both, [SEP]-joined)."""
    return T_VIRTUE.format(scenario=row["scenario"]), int(row["label"])


def format_utilitarianism(row: Row, rng: np.random.Generator) -> tuple[str, int]:
    """The two scenarios in random order; label 1 when the stated number is the baseline.

    In this source the `baseline` scenario is always the more pleasant one.
    """
    label = _coin(rng)
    pair = [row["baseline"], row["less_pleasant"]]
    baseline_at = int(rng.integers(2))
    if baseline_at == 1:
        pair.reverse()
    stated = baseline_at if label else 1 - baseline_at
    return T_UTILITARIANISM.format(first=pair[0], second=pair[1], stated=stated + 1), label


def format_mc_taco(row: Row, rng: np.random.Generator) -> tuple[str, int]:
    """Sentence, question and whether the candidate answer holds (label: plausible)."""
    text = T_MC_TACO.format(
        sentence=row["sentence"], question=row["question"], answer=row["answer"]
    )
    return text, int(row["label"])


def format_hellaswag(row: Row, rng: np.random.Generator) -> tuple[str, int]:
    """Context, all endings, then whether a random ending is the best continuation."""
    endings = list(row["endings"])
    answer, label = _candidate(endings, int(row["label"]), rng)
    text = T_HELLASWAG.format(ctx=row["ctx"], endings="\n".join(endings), answer=answer)
    return text, label


def format_multirc(row: Row, rng: np.random.Generator) -> tuple[str, int]:
    """Passage, question and candidate answer (label: the answer is right)."""
    text = T_PASSAGE_QA.format(
        passage=row["paragraph"], question=row["question"], answer=row["answer"]
    )
    return text, int(row["label"])


def format_openbookqa(row: Row, rng: np.random.Generator) -> tuple[str, int]:
    """Question, lettered choices, a random answer's text.

    (The reference code writes the right answer's letter rather than its text; this writes
    the text for both labels, so the label cannot be read off the answer's form.)
    """
    texts, correct = _lettered(row)
    answer, label = _candidate(texts, correct, rng)
    lettered = "\n".join(f"{k}) {t}" for k, t in zip(row["choices"]["label"], texts, strict=True))
    text = T_OPENBOOKQA.format(question=row["question_stem"], choices=lettered, answer=answer)
    return text, label


def format_paws(row: Row, rng: np.random.Generator) -> tuple[str, int]:
    """Two sentences and whether they are paraphrases."""
    text = T_PAWS.format(sentence1=row["sentence1"], sentence2=row["sentence2"])
    return text, int(row["label"])


def format_piqa(row: Row, rng: np.random.Generator) -> tuple[str, int]:
    """Q goal A a random one of the two solutions."""
    answer, label = _candidate([row["sol1"], row["sol2"]], int(row["label"]), rng)
    return T_QA_LINE.format(question=row["goal"], answer=answer), label


def format_quail(row: Row, rng: np.random.Generator) -> tuple[str, int]:
    """Context, question, a random one of the four answers."""
    answer, label = _candidate(list(row["answers"]), int(row["correct_answer_id"]), rng)
    text = T_PASSAGE_QA.format(passage=row["context"], question=row["question"], answer=answer)
    return text, label


def format_quartz(row: Row, rng: np.random.Generator) -> tuple[str, int]:
    """Passage, question, a random one of the two answers."""
    texts, correct = _lettered(row)
    answer, label = _candidate(texts, correct, rng)
    return T_QUARTZ.format(passage=row["para"], question=row["question"], answer=answer), label


def format_social_i_qa(row: Row, rng: np.random.Generator) -> tuple[str, int]:
    """Context, question, the three choices, a random one of them.

    The source (lighteval/siqa, as the original) labels the right answer "1"–"3"; a copy
    relabelled 0-based would silently shift every answer, so any other label is refused.
    """
    choices = [row["answerA"], row["answerB"], row["answerC"]]
    if str(row["label"]).strip() not in ("1", "2", "3"):
        raise ValueError(f"label {row['label']!r} is not one of '1', '2', '3' (1-based answers)")
    answer, label = _candidate(choices, int(row["label"]) - 1, rng)
    text = T_SOCIAL_I_QA.format(
        context=row["context"], question=row["question"], choices="\n".join(choices), answer=answer
    )
    return text, label


def format_wic(row: Row, rng: np.random.Generator) -> tuple[str, int]:
    """Two sentences and whether the word means the same in both."""
    text = T_WIC.format(sentence1=row["sentence1"], sentence2=row["sentence2"], word=row["word"])
    return text, int(row["label"])


def format_text(row: Row, rng: np.random.Generator) -> tuple[str, int]:
    """twitter-sentiment: the tweet itself."""
    return T_TEXT.format(text=row["text"]), int(row["label"])


def _sciq_answer(row: Row, rng: np.random.Generator) -> tuple[str, int]:
    choices = [row["correct_answer"], row["distractor1"], row["distractor2"], row["distractor3"]]
    return _candidate(choices, 0, rng)


def format_sciq(row: Row, rng: np.random.Generator) -> tuple[str, int]:
    """Q question A a random answer."""
    answer, label = _sciq_answer(row, rng)
    return T_QA_LINE.format(question=row["question"], answer=answer), label


def format_sciq_with_support(row: Row, rng: np.random.Generator) -> tuple[str, int]:
    """Supporting passage, question, a random answer."""
    answer, label = _sciq_answer(row, rng)
    text = T_SCIQ_SUPPORT.format(support=row["support"], question=row["question"], answer=answer)
    return text, label


def format_anthropic_hh(row: Row, rng: np.random.Generator) -> tuple[str, int]:
    """The chosen dialogue (label 1) or the rejected one (label 0), ½ each."""
    label = _coin(rng)
    return str(row["chosen"] if label else row["rejected"]), label


def format_cosmos_qa(row: Row, rng: np.random.Generator) -> tuple[str, int]:
    """Context, question, a random answer; a true "None of the above" always gives label 0."""
    choices = [row[f"answer{i}"] for i in range(4)]
    correct = int(row["label"])
    if not 0 <= correct < 4:
        raise ValueError(f"answer index {correct} is not one of the 4 choices")
    if "None of the above choices" in choices[correct]:
        wrong = [c for c in choices if c != choices[correct]]
        answer, label = wrong[int(rng.integers(len(wrong)))], 0
    else:
        answer, label = _candidate(choices, correct, rng)
    return T_COSMOS.format(context=row["context"], question=row["question"], answer=answer), label


def format_boolq(row: Row, rng: np.random.Generator) -> tuple[str, int]:
    """Passage and question; label 1 when the answer is yes (google/boolq: a bool)."""
    return T_BOOLQ.format(passage=row["passage"], question=row["question"]), _binary(row["answer"])


def format_amazon_polarity(row: Row, rng: np.random.Generator) -> tuple[str, int]:
    """Title and content; label 1 when positive."""
    return T_AMAZON.format(title=row["title"], content=row["content"]), int(row["label"])
