"""The experiment store: manifest, status log, atomic per-batch Parquet parts, reading back."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.engine.store import (
    ExperimentMismatchError,
    ExperimentStore,
    concat_frames,
    part_name,
    write_part,
)


def run_rows(run_id: str, point: int, replicate: int, months: int = 3) -> pd.DataFrame:
    """A fake per-month, per-country table of one run."""
    rows = [
        {
            "run_id": run_id,
            "point": point,
            "replicate": replicate,
            "seed": np.uint64(2**63 + point * 10 + replicate),
            "month": m,
            "country": c,
            "value": float(point * 100 + replicate * 10 + m) + (0.5 if c == "B" else 0.0),
        }
        for m in range(months)
        for c in ("B", "A")
    ]
    frame = pd.DataFrame(rows)
    frame["seed"] = frame["seed"].astype(np.uint64)
    frame["regime"] = pd.Categorical(["x" if replicate % 2 else "y"] * len(frame))
    return frame


def summary_rows(*runs: tuple[str, int, int]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "run_id": [r[0] for r in runs],
            "point": [r[1] for r in runs],
            "replicate": [r[2] for r in runs],
            "score": [float(r[1] + r[2]) for r in runs],
        }
    )


RUNS = [("r00", 0, 0), ("r01", 0, 1), ("r10", 1, 0), ("r11", 1, 1)]


def fill(store: ExperimentStore, batches: list[list[tuple[str, int, int]]]) -> None:
    """Write each batch's tables as the executor would (summary last)."""
    for i, batch in enumerate(batches):
        batch_id = f"b{i:02d}-" + "-".join(r[0] for r in batch)
        frames = [run_rows(*r) for r in batch]
        write_part(store.path, "cells", batch_id, concat_frames(frames))
        write_part(store.path, "summary", batch_id, summary_rows(*batch))


def test_create_resume_and_mismatch(tmp_path: Path) -> None:
    store = ExperimentStore(tmp_path / "exp")
    written = store.create({"experiment_id": "e1", "design": {"n": 4}})
    assert written["experiment_id"] == "e1"
    assert json.loads(store.manifest_path.read_text())["design"] == {"n": 4}
    fill(store, [RUNS[:2]])
    # same id: resume, nothing rewritten, results kept
    again = ExperimentStore(tmp_path / "exp").create({"experiment_id": "e1", "design": {"n": 9}})
    assert again["design"] == {"n": 4}
    assert store.done_run_ids() == {"r00", "r01"}
    # another id: a clear error naming both ids
    with pytest.raises(ExperimentMismatchError, match=r"already holds experiment 'e1', not 'e2'"):
        store.create({"experiment_id": "e2"})
    assert store.done_run_ids() == {"r00", "r01"}
    # unless told to overwrite: the old results go
    store.create({"experiment_id": "e2"}, overwrite=True)
    assert store.manifest()["experiment_id"] == "e2"
    assert store.tables() == []
    assert store.done_run_ids() == set()


def test_manifest_without_id_gets_content_hash(tmp_path: Path) -> None:
    a = ExperimentStore(tmp_path / "a").create({"design": [1, 2]})
    b = ExperimentStore(tmp_path / "b").create({"design": [1, 2]})
    assert a["experiment_id"] == b["experiment_id"]
    assert len(a["experiment_id"]) == 32


def test_tables_without_manifest_refused(tmp_path: Path) -> None:
    store = ExperimentStore(tmp_path)
    fill(store, [RUNS[:1]])
    with pytest.raises(ExperimentMismatchError, match=r"no manifest\.json"):
        store.create({"experiment_id": "e"})


def test_stray_tmp_is_ignored_and_cleaned(tmp_path: Path) -> None:
    store = ExperimentStore(tmp_path)
    fill(store, [RUNS[:2]])
    expected = store.read("cells")
    # a killed writer leaves a half-written hidden temporary file next to the parts
    stray = tmp_path / "cells" / f".{part_name('dead')}.0123abcd.tmp"
    stray.write_bytes(b"PAR1 half a file")
    stray_summary = tmp_path / "summary" / f".{part_name('dead')}.4567.tmp"
    stray_summary.write_bytes(b"")
    assert store.parts("cells") == [tmp_path / "cells" / part_name("b00-r00-r01")]
    pd.testing.assert_frame_equal(store.read("cells"), expected)
    assert store.done_run_ids() == {"r00", "r01"}
    assert len(pd.read_parquet(tmp_path / "cells")) == len(expected)
    # opening removes only stale ones (a fresh one may be a batch being written right now)
    ExperimentStore(tmp_path, clean=False)
    ExperimentStore(tmp_path)
    assert stray.exists()
    old = time.time() - 3600
    os.utime(stray, (old, old))
    ExperimentStore(tmp_path)
    assert not stray.exists() and stray_summary.exists()
    # the executor's start removes them all
    assert store.clean_tmp() == [stray_summary]


def test_rewriting_a_batch_replaces_its_file(tmp_path: Path) -> None:
    store = ExperimentStore(tmp_path)
    fill(store, [RUNS[:2]])
    fill(store, [RUNS[:2]])
    assert len(store.parts("cells")) == 1
    assert len(store.read("summary")) == 2
    assert not list(tmp_path.rglob("*.tmp"))


def test_read_is_independent_of_batching_and_drops_duplicate_runs(tmp_path: Path) -> None:
    one = ExperimentStore(tmp_path / "one")
    fill(one, [RUNS])
    other = ExperimentStore(tmp_path / "other")
    # other batching and order; r01 executed twice in two different batches
    fill(other, [[RUNS[3], RUNS[1]], [RUNS[2]], [RUNS[0], RUNS[1]]])
    assert len(other.parts("cells")) == 3
    for table in ("cells", "summary"):
        pd.testing.assert_frame_equal(one.read(table), other.read(table), check_exact=True)
    cells = one.read("cells")
    assert list(cells.columns[:4]) == ["run_id", "point", "replicate", "seed"]
    assert cells["seed"].dtype == np.uint64
    assert list(cells.drop_duplicates(["point", "replicate"])["run_id"]) == [r[0] for r in RUNS]
    first = cells[cells["run_id"] == "r00"]
    assert list(first["month"]) == [0, 0, 1, 1, 2, 2]
    assert list(first["country"]) == ["A", "B"] * 3
    # categories differing between batches are unified (sorted), not turned into objects
    assert isinstance(cells["regime"].dtype, pd.CategoricalDtype)
    assert list(cells["regime"].dtype.categories) == ["x", "y"]


def test_unknown_table(tmp_path: Path) -> None:
    store = ExperimentStore(tmp_path)
    fill(store, [RUNS[:1]])
    assert store.tables() == ["cells", "summary"]
    with pytest.raises(KeyError, match="tables: \\['cells', 'summary'\\]"):
        store.read("nope")


def test_status_log_is_json_lines(tmp_path: Path) -> None:
    store = ExperimentStore(tmp_path)
    store.log("start", runs=4)
    store.log("batch", batch_id="b1", runs=2, seconds=0.5, worker="h:1")
    with open(store.status_path, "a") as fh:
        fh.write('{"event": "batch", "bat')  # torn by a kill
    records = store.status()
    assert [r["event"] for r in records] == ["start", "batch"]
    assert set(records[1]) >= {"timestamp", "event", "batch_id", "runs", "seconds", "worker"}
    assert store.seconds_per_run() == pytest.approx(0.25)


# single-run batches: the categorical column has different categories in different parts
MIXED = [[RUNS[0]], [RUNS[1]], RUNS[2:]]


def test_folder_opens_in_pandas(tmp_path: Path) -> None:
    store = ExperimentStore(tmp_path)
    fill(store, MIXED)
    (tmp_path / "cells" / ".stray.tmp").write_bytes(b"junk")
    direct = pd.read_parquet(tmp_path / "cells")
    assert len(direct) == len(store.read("cells"))
    assert set(direct["run_id"]) == {r[0] for r in RUNS}
    assert set(direct["regime"]) == {"x", "y"}


def test_folder_opens_in_duckdb(tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    store = ExperimentStore(tmp_path)
    fill(store, MIXED)
    (tmp_path / "cells" / ".stray.tmp").write_bytes(b"junk")
    rows = duckdb.sql(
        f"select regime, count(*) from read_parquet('{tmp_path}/cells/*.parquet') "
        "group by regime order by regime"
    ).fetchall()
    assert rows == [("x", 12), ("y", 12)]


def test_folder_opens_in_polars(tmp_path: Path) -> None:
    pl = pytest.importorskip("polars")
    store = ExperimentStore(tmp_path)
    fill(store, MIXED)
    (tmp_path / "cells" / ".stray.tmp").write_bytes(b"junk")
    frame = pl.read_parquet(f"{tmp_path}/cells/*.parquet")
    assert frame.height == len(store.read("cells"))
    assert pl.read_parquet(f"{tmp_path}/summary/*.parquet").height == 4


def test_parts_with_different_column_types_still_read(tmp_path: Path) -> None:
    store = ExperimentStore(tmp_path)
    a, b = run_rows(*RUNS[0]), run_rows(*RUNS[1])
    b["regime"] = b["regime"].astype("str")  # plain strings in one part, categories in the other
    b["extra"] = 1.0  # and a column the other part lacks
    write_part(tmp_path, "cells", "a", a)
    write_part(tmp_path, "cells", "b", b)
    cells = store.read("cells")
    assert len(cells) == len(a) + len(b)
    assert list(cells["regime"].dtype.categories) == ["x", "y"]
    assert cells["extra"].isna().sum() == len(a)
