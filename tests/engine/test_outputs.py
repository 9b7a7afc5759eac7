"""Output folders (they know every file they wrote), atomic writes, one manifest function and
the comparison's assessment rule."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.engine import files
from sim.engine.compare import NEGLIGIBLE_PERCENT, assess, with_assessment
from sim.engine.outputs import ForeignFolderError, OutputFolder
from sim.engine.provenance import experiment_id, experiment_manifest
from sim.engine.store import ExperimentMismatchError, write_part


def manifest(name: str = "one") -> dict:
    return {"kind": "test", "experiment_id": name}


def test_atomic_writes_leave_no_temporary_files_and_keep_the_old_file_on_failure(
    tmp_path: Path,
) -> None:
    target = tmp_path / "sub" / "table.csv"
    files.write_csv(pd.DataFrame({"x": [1, 2]}), target)
    assert target.read_text() == "x\n1\n2\n"
    with pytest.raises(RuntimeError), files.atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed")
    assert target.read_text() == "x\n1\n2\n"
    assert [p.name for p in target.parent.iterdir()] == ["table.csv"]
    files.write_json(tmp_path / "m.json", {"a": np.int64(3)})  # non-JSON values as strings
    assert json.loads((tmp_path / "m.json").read_text()) == {"a": "3"}


def test_claim_records_files_and_force_removes_only_those(tmp_path: Path) -> None:
    out = OutputFolder(tmp_path / "exp")
    out.claim(manifest())
    out.write_text("report.md", "# report\n")
    out.write_csv(pd.DataFrame({"x": [1]}), "tables/x.csv")
    store = out.store("runs", manifest("runs"))
    write_part(store.path, "regional", "b1", pd.DataFrame({"run_id": ["r"], "v": [1.0]}))
    store.log("batch", batch_id="b1", runs=1)
    user = tmp_path / "exp" / "tables" / "mine.txt"
    user.write_text("keep me")
    (tmp_path / "exp" / "thesis").mkdir()
    (tmp_path / "exp" / "thesis" / "chapter1.tex").write_text("keep me too")
    recorded = json.loads((tmp_path / "exp" / "manifest.json").read_text())
    assert recorded["files"] == ["report.md", "tables/x.csv"] and recorded["stores"] == ["runs"]
    # the same experiment resumes; another is refused without force
    assert out.claim(manifest())["files"] == ["report.md", "tables/x.csv"]
    with pytest.raises(ExperimentMismatchError):
        out.claim(manifest("two"))
    out.claim(manifest("two"), force=True)
    left = sorted(p.relative_to(tmp_path / "exp").as_posix() for p in out.path.rglob("*"))
    assert left == ["manifest.json", "tables", "tables/mine.txt", "thesis", "thesis/chapter1.tex"]
    assert user.read_text() == "keep me"


def test_a_non_empty_folder_without_our_manifest_is_never_touched(tmp_path: Path) -> None:
    folder = tmp_path / "theirs"
    folder.mkdir()
    (folder / "manifest.json").write_text('{"title": "not ours"}')
    for force in (False, True):
        with pytest.raises(ForeignFolderError, match="not an experiment manifest of this tool"):
            OutputFolder(folder).claim(manifest(), force=force)
    assert [p.name for p in folder.iterdir()] == ["manifest.json"]
    (folder / "manifest.json").rename(folder / "notes.json")
    with pytest.raises(ForeignFolderError, match=r"no manifest\.json of this tool"):
        OutputFolder(folder).claim(manifest(), force=True)
    assert [p.name for p in folder.iterdir()] == ["notes.json"]
    empty = tmp_path / "empty"
    empty.mkdir()
    OutputFolder(empty).claim(manifest())  # an empty folder is fine
    assert (empty / "manifest.json").is_file()


def test_recorded_paths_must_lie_inside_the_folder(tmp_path: Path) -> None:
    out = OutputFolder(tmp_path / "exp")
    out.claim(manifest())
    with pytest.raises(ValueError, match="not inside"):
        out.write_text("../escape.txt", "no")
    with pytest.raises(ValueError, match="not inside"):
        out.write_text(tmp_path / "elsewhere.txt", "no")
    assert not (tmp_path / "escape.txt").exists()


def test_the_manifest_function_separates_identity_from_provenance() -> None:
    from sim.engine.core import Run

    runs = [Run(point=0, replicate=0, seed=7, params=(("a", 1.0),), run_id="r0")]
    first = experiment_manifest("x", {"setting": 1}, runs, packages=["numpy"], command=["t"])
    again = experiment_manifest("x", {"setting": 1}, runs, packages=["pandas"])
    assert (
        first["experiment_id"] == again["experiment_id"] == experiment_id("x", {"setting": 1}, runs)
    )
    assert experiment_id("x", {"setting": 2}, runs) != first["experiment_id"]
    assert first["runs"] == [
        {"run_id": "r0", "point": 0, "replicate": 0, "seed": 7, "params": {"a": 1.0}, "label": ""}
    ]
    assert first["versions"]["numpy"] == np.__version__ and first["git"] is None
    assert first["command"] == ["t"] and again["command"] is None


@pytest.mark.parametrize(
    ("diff", "low", "high", "mean_a", "expected"),
    [
        (0.0, 0.0, 0.0, 5.0, "no difference"),
        (0.5, -0.1, 1.1, 100.0, "within noise"),
        (0.5, 0.4, 0.6, 100.0, "negligible"),  # 0.5% of A: real but small
        (-0.5, -0.6, -0.4, 100.0, "negligible"),
        (5.0, 4.0, 6.0, 100.0, "increase"),
        (-5.0, -6.0, -4.0, 100.0, "decrease"),
        (0.01, 0.005, 0.015, 0.0, "increase"),  # from zero: no relative size
        (1.0, math.nan, math.nan, 10.0, "within noise"),  # one pair: no interval
    ],
)
def test_assessment_words(
    diff: float, low: float, high: float, mean_a: float, expected: str
) -> None:
    table = pd.DataFrame(
        {"mean_a": [mean_a], "mean_b": [mean_a + diff], "diff": [diff], "ci_low": [low],
         "ci_high": [high]}
    )  # fmt: skip
    out = with_assessment(table)
    assert out["assessment"].iloc[0] == expected
    relative = out["relative_change_pct"].iloc[0]
    if mean_a:
        assert relative == pytest.approx(100 * diff / mean_a)
    else:
        assert math.isnan(relative)
    assert assess(0.5, 0.4, 0.6, 0.5, negligible=0.1) == "increase"  # the threshold is a knob
    assert NEGLIGIBLE_PERCENT == 1.0
