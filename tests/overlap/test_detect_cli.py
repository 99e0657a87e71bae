"""`w2sg detect` reads weak probabilities and activations from files and writes the partition."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from w2sg.cli import app, main
from w2sg.overlap import detect_overlap


@pytest.fixture
def pool(tmp_path: Path) -> tuple[np.ndarray, np.ndarray, Path]:
    rng = np.random.default_rng(0)
    kinds = np.repeat([0, 1, 2], 40)  # easy-only, hard-only, overlap
    y = rng.choice([-1.0, 1.0], len(kinds))
    x = rng.normal(0, 0.3, (len(kinds), 8))
    x[kinds != 1, 0] += 3 * y[kinds != 1]
    x[kinds != 0, 4] += 3 * y[kinds != 0]
    p = 1 / (1 + np.exp(-2 * x[:, 0]))
    return p, x.astype(np.float32), tmp_path


def _run(args: list[str]) -> None:
    res = CliRunner().invoke(app, ["detect", *args])
    assert res.exit_code == 0, res.output
    assert "overlap" in res.output and "thresholds" in res.output


def _check_outputs(out: Path, p: np.ndarray, x: np.ndarray, **kw) -> None:
    ref = detect_overlap(p, x, **kw)
    z = np.load(out / "overlap.npz")
    for name in ("overlap", "easy_only", "hard_only", "confidence", "scores"):
        np.testing.assert_array_equal(z[name], getattr(ref, name))
    doc = json.loads((out / "overlap.json").read_text())
    assert doc["n_overlap"] == len(ref.overlap) and doc["n"] == len(p)
    assert doc["confidence_threshold"] == ref.confidence_threshold
    assert doc["fallback"] is False and doc["reasons"] == []
    assert doc["config"]["similarity"] == kw.get("similarity", "abs_cosine")
    assert doc["confidence_split"]["verdict"] in ("found", "arbitrary")  # methods.md#split-strength
    assert doc["confidence_split"]["threshold"] == ref.confidence_threshold


def test_npy_inputs(pool) -> None:
    p, x, tmp = pool
    np.save(tmp / "p.npy", p)
    np.save(tmp / "x.npy", x)
    _run(
        [
            "--weak-probs",
            str(tmp / "p.npy"),
            "--strong-acts",
            str(tmp / "x.npy"),
            "--out",
            str(tmp / "out"),
        ]
    )
    _check_outputs(tmp / "out", p, x)


def test_json_csv_and_safetensors_inputs_with_variant_b(pool) -> None:
    from safetensors.numpy import save_file

    p, x, tmp = pool
    (tmp / "p.json").write_text(json.dumps(p.tolist()))
    rows = "\n".join(f"{i},{v!r}" for i, v in enumerate(p.tolist()))
    (tmp / "p.csv").write_text("id,weak_prob\n" + rows + "\n")
    save_file({"pooled": x, "other": x[:, :2].copy()}, str(tmp / "x.safetensors"))
    for probs, extra in (("p.json", []), ("p.csv", ["--column", "weak_prob"])):
        out = tmp / f"out_{probs}"
        _run(
            [
                "--weak-probs",
                str(tmp / probs),
                *extra,
                "--strong-acts",
                str(tmp / "x.safetensors"),
                "--tensor",
                "pooled",
                "--similarity",
                "dot",
                "--strict-hard",
                "--out",
                str(out),
            ]
        )
        _check_outputs(out, p, x, similarity="dot", strict_hard=True)
        assert json.loads((out / "overlap.json").read_text())["config"]["strict_hard"] is True


def test_a_folder_with_one_safetensors_file(pool) -> None:
    """`w2sg extract --out vecs.safetensors` output, given by its folder."""
    from safetensors.numpy import save_file

    p, x, tmp = pool
    folder = tmp / "vectors"
    folder.mkdir()
    tensors = {"layer_-1": np.ascontiguousarray(x, dtype=np.float32)}
    save_file(tensors, str(folder / "v.safetensors"))
    np.save(tmp / "p.npy", p)
    _run(["--weak-probs", str(tmp / "p.npy"), "--strong-acts", str(folder),
          "--out", str(tmp / "out")])  # fmt: skip
    _check_outputs(tmp / "out", p, x)


def _main_error(monkeypatch, capsys, args: list[str]) -> str:
    monkeypatch.setattr(sys, "argv", ["w2sg", "detect", *args])
    with pytest.raises(SystemExit) as ex:
        main()
    assert ex.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err
    return err


def test_bad_inputs_give_one_error_line(pool, monkeypatch, capsys) -> None:
    p, x, tmp = pool
    np.save(tmp / "p.npy", p[:-1])
    np.save(tmp / "x.npy", x)
    err = _main_error(
        monkeypatch,
        capsys,
        ["--weak-probs", str(tmp / "p.npy"), "--strong-acts", str(tmp / "x.npy")],
    )
    assert "119 points but strong_acts has 120" in err
    (tmp / "two.csv").write_text("a,b\n0.1,0.2\n")
    err = _main_error(
        monkeypatch,
        capsys,
        ["--weak-probs", str(tmp / "two.csv"), "--strong-acts", str(tmp / "x.npy")],
    )
    assert "--column" in err
    np.save(tmp / "bad.npy", p * 3)
    err = _main_error(
        monkeypatch,
        capsys,
        ["--weak-probs", str(tmp / "bad.npy"), "--strong-acts", str(tmp / "x.npy")],
    )
    assert "[0, 1]" in err
    err = _main_error(
        monkeypatch,
        capsys,
        ["--weak-probs", str(tmp / "missing.npy"), "--strong-acts", str(tmp / "x.npy")],
    )
    assert "not a file" in err


def test_detector_is_chosen_by_name(pool) -> None:
    p, x, tmp = pool
    np.save(tmp / "p.npy", p)
    np.save(tmp / "x.npy", x)
    args = ["--weak-probs", str(tmp / "p.npy"), "--strong-acts", str(tmp / "x.npy")]
    _run([*args, "--detector", "knn:5", "--out", str(tmp / "knn")])
    ref = detect_overlap(p, x, detector="knn:5")
    z = np.load(tmp / "knn" / "overlap.npz")
    np.testing.assert_array_equal(z["scores"], ref.scores)
    np.testing.assert_array_equal(z["overlap"], ref.overlap)
    assert json.loads((tmp / "knn" / "overlap.json").read_text())["config"]["detector"] == "knn:5"
    # the kNN score is a mean of the top similarities, never above the reference's maximum
    plain = detect_overlap(p, x)
    rest = ~np.isnan(plain.scores)
    assert (ref.scores[rest] <= plain.scores[rest] + 1e-12).all()
    assert not np.allclose(ref.scores[rest], plain.scores[rest])
