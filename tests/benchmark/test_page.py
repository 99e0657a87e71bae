"""The page's provenance: durations, a sweep's cold and cached time, its command line."""

from __future__ import annotations

from w2sg.benchmark.inputs import RunTimes, run_times, sweep_command
from w2sg.benchmark.page import duration, short_times, time_line


def test_durations_read_as_hours_minutes_or_seconds():
    assert duration(3725) == "1 h 02 min" and duration(185) == "3 min 05 s"
    assert duration(41.25) == "41.2 s" and duration(None) == "not measured"


def test_a_sweep_without_recorded_runs_says_so():
    times = run_times([])
    assert times == RunTimes(None, 0, 0, 0, None, None, None)
    line = time_line("runs/old", times)
    assert "cold time not recorded" in line and "no cached rerun yet" in line
    assert short_times((times,)) == "sweep cold not recorded, cached not yet run"


def test_the_cold_time_says_how_much_of_it_were_warm_ups():
    runs = [{"to_run": 4, "wall_s": 100.0, "warm_s": 30.0, "finished": False},
            {"to_run": 2, "wall_s": 50.0, "warm_s": 5.0, "finished": True},
            {"to_run": 0, "wall_s": 3.0, "warm_s": 0.0, "finished": True}]  # fmt: skip
    times = run_times(runs)
    assert times.cold_s == 150.0 and times.cold_warm_s == 35.0 and times.cached_s == 3.0
    line = time_line("runs/b", times)
    assert "cold 2 min 30 s (2 run(s) computing 6 cells, 1 of them stopped early" in line
    assert "35.0 s of it warm-ups" in line
    old = run_times([{**runs[0], "warm_s": None}, runs[1]])  # a run from before the record
    assert old.cold_warm_s is None and "warm-ups" not in time_line("runs/b", old)
    none = run_times([{**r, "warm_s": 0.0} for r in runs])  # a method without warm-ups
    assert none.cold_warm_s == 0.0 and "warm-ups" not in time_line("runs/b", none)


def test_a_failed_cached_run_is_not_the_cached_time():
    runs = [{"to_run": 4, "wall_s": 100.0, "finished": True},
            {"to_run": 0, "wall_s": 9.0, "finished": False}]  # fmt: skip
    times = run_times(runs)
    assert times.cold_s == 100.0 and times.cached_s is None


def test_the_sweep_command_reads_any_entry_point():
    def manifest(argv):
        return {"runs": [{"command": argv}]}

    assert sweep_command(manifest(["/x/.venv/bin/w2sg", "sweep", "a.yaml"])) == "w2sg sweep a.yaml"
    main = ["/x/src/w2sg/__main__.py", "sweep", "a.yaml", "--out", "o"]
    assert sweep_command(manifest(main)) == "w2sg sweep a.yaml --out o"
    assert sweep_command(manifest(["/x/pytest/__main__.py", "-q"])) == "__main__.py -q"
    assert sweep_command({"runs": []}) is None


def test_an_excluded_task_says_why_once():
    import pandas as pd

    from w2sg.benchmark.sections import _note

    excluded = pd.Series(
        {
            "guarded": True,
            "note": "excluded: ceiling - weak = -0.0611 < margin 0.01; 5 of 5 seeds have no PGR",
            "pgr_reason": "no PGR: ceiling - weak = -0.061 < 0.01",
            "size_note": "",
        }
    )
    assert _note(excluded) == excluded["note"]
    kept = excluded.copy()
    kept["guarded"], kept["note"] = False, "1 of 5 seeds have no PGR"
    assert _note(kept) == "1 of 5 seeds have no PGR; no PGR: ceiling - weak = -0.061 < 0.01"
    small = kept.copy()
    small["too_small"], small["size_note"], small["pgr_reason"] = True, "test 100 < 300", ""
    assert _note(small) == "too small: not a result; 1 of 5 seeds have no PGR; test 100 < 300"
