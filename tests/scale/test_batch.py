"""City batches on a local Dask cluster: failures stay alone, plans equal planning alone."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from api.cli import app
from api.cli.plan import EXIT_UNSERVED, plan_and_print
from api.demo.city import make_manifest
from api.plan.batch import (
    BatchResult,
    BatchSettings,
    Community,
    ManifestError,
    plan_batch,
    read_manifest,
)
from api.plan.budget import TimeCapError
from api.plan.ledger import read_ledger
from api.plan.problem import PlanOptions
from api.plan.request import PlanRequest
from api.plan.run import run_plan
from tests.scale.hooks import plan_or_crash_solver, plan_or_stall_map

SETTINGS = BatchSettings(time_limit=5.0, seed=3, effort=20)
OUTPUTS = ("plan.json", "routes.geojson", "summary.html", "notifications.csv")


def _add_row(manifest: Path, row: list[str]) -> None:
    with manifest.open("a", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerow(row)


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four generated communities, one with a broken ledger, one whose search will crash."""
    root = tmp_path_factory.mktemp("city")
    manifest = make_manifest(root, [14, 10, 16, 12], seed=5)
    rows = list(csv.reader(manifest.read_text(encoding="utf-8").splitlines()))
    good = rows[1]
    # 'broken': a copy of c00000 whose first household has an impossible coordinate.
    shutil.copytree(root / "c00000", root / "broken")
    hh = root / "broken" / "households.csv"
    lines = hh.read_text(encoding="utf-8").splitlines()
    cells = lines[1].split(",")
    cells[1] = "east"
    lines[1] = ",".join(cells)
    hh.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _add_row(
        manifest, ["broken", good[1], *(p.replace("c00000", "broken") for p in good[2:5]), good[5]]
    )
    # 'boom': valid input; the test's task makes the OR-Tools search raise.
    shutil.copytree(root / "c00001", root / "boom")
    boom = rows[2]
    _add_row(
        manifest, ["boom", boom[1], *(p.replace("c00001", "boom") for p in boom[2:5]), boom[5]]
    )
    return manifest


@pytest.fixture(scope="module")
def batch(city: Path, dask_client: Any, tmp_path_factory: pytest.TempPathFactory) -> BatchResult:
    """The city planned on the two-worker cluster."""
    out = tmp_path_factory.mktemp("out")
    return plan_batch(city, out, SETTINGS, client=dask_client, plan_fn=plan_or_crash_solver)


def test_bad_communities_fail_alone_and_the_summary_names_them(batch: BatchResult) -> None:
    """Broken input fails once, a crashing search is retried once; the other four are planned."""
    summary = batch.summary()
    assert summary["totals"]["communities"] == 6
    assert summary["totals"]["planned"] == 4
    failed = {f["community_id"]: f for f in summary["failed"]}
    assert set(failed) == {"broken", "boom"}
    assert failed["broken"]["failure"] == "input"
    assert failed["broken"]["attempts"] == 1
    assert "lon" in failed["broken"]["error"]
    assert failed["boom"]["failure"] == "crash"
    assert failed["boom"]["attempts"] == 2
    assert "search crashed" in failed["boom"]["error"]
    on_disk = json.loads((batch.out / "batch.json").read_text(encoding="utf-8"))
    assert {f["community_id"] for f in on_disk["failed"]} == {"broken", "boom"}
    assert len(on_disk["communities"]) == 6


def test_city_totals_add_up_from_each_plan(batch: BatchResult) -> None:
    """Served, unserved by reason, volunteers and km are the sums of the written plans."""
    served = unserved = called = metres = 0
    reasons: dict[str, int] = {}
    for c in batch.communities:
        if not c.ok:
            continue
        doc = json.loads((batch.out / c.community_id / "plan.json").read_text(encoding="utf-8"))
        served += doc["summary"]["households_served"]
        unserved += len(doc["unassigned"])
        called += len(doc["routes"])
        metres += sum(r["distance_m"] for r in doc["routes"])
        for u in doc["unassigned"]:
            reasons[u["reason"]] = reasons.get(u["reason"], 0) + 1
    totals = batch.summary()["totals"]
    assert served > 0
    assert totals["households_served"] == served
    assert totals["households_unassigned"] == unserved
    assert totals["unassigned_by_reason"] == reasons
    assert totals["volunteers_called"] == called
    assert totals["distance_km"] == round(metres / 1000, 3)


def _comparable(folder: Path) -> dict[str, Any]:
    doc = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    doc["summary"].pop("seconds")
    files = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    pages = {
        p.name: p.read_text(encoding="utf-8") for p in sorted((folder / "manifests").iterdir())
    }
    geojson = (folder / "routes.geojson").read_text(encoding="utf-8")
    notes = (folder / "notifications.csv").read_text(encoding="utf-8")
    return {"plan": doc, "files": files, "manifests": pages, "geojson": geojson, "notes": notes}


def test_each_plan_equals_planning_the_community_alone(
    batch: BatchResult, city: Path, tmp_path: Path
) -> None:
    """Same seed and effort bound: the batch's folders hold what `doorstep plan` writes alone."""
    for c in read_manifest(city):
        if c.community_id in {"broken", "boom"}:
            continue
        alone = tmp_path / c.community_id
        ledger = read_ledger(c.households, c.volunteers, c.depots)
        assert c.date is not None
        request = PlanRequest(
            ledger=ledger,
            date=c.date,
            options=PlanOptions(balance_factor=SETTINGS.balance),
            time_limit=SETTINGS.time_limit,
            seed=SETTINGS.seed,
            effort=SETTINGS.effort,
        )
        code = plan_and_print(request, c.map_file, alone, Console(file=io.StringIO()))
        result = next(r for r in batch.communities if r.community_id == c.community_id)
        assert result.ok and result.exit_code == code
        for name in OUTPUTS:
            assert (batch.out / c.community_id / name).is_file()
        assert _comparable(batch.out / c.community_id) == _comparable(alone)


def test_cli_runs_a_batch_on_a_running_scheduler(
    city: Path, dask_client: Any, tmp_path: Path
) -> None:
    """`doorstep plan-batch --scheduler` plans on that cluster; failures give exit status 8."""
    lines = city.read_text(encoding="utf-8").splitlines()
    small = tmp_path / "in" / "two.csv"
    small.parent.mkdir()
    # Same folder depth as the city's manifest, so its relative paths still resolve.
    small = city.parent / "two.csv"
    small.write_text("\n".join([lines[0], lines[2], lines[5]]) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [
            "plan-batch",
            "--manifest",
            str(small),
            "--out",
            str(out),
            "--scheduler",
            dask_client.scheduler.address,
            "--time-limit",
            "2",
            "--effort",
            "20",
        ],
    )
    assert result.exit_code == 8, result.output
    assert "broken" in result.output and "City summary" in result.output
    doc = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    assert doc["totals"]["planned"] == 1
    assert (out / "c00001" / "plan.json").is_file()
    assert EXIT_UNSERVED == 3  # the plan command's own statuses stay distinct from 8


def test_manifest_faults_are_listed_at_once(tmp_path: Path) -> None:
    """Missing columns, or repeated and unusable ids, are all named with their lines."""
    m = tmp_path / "m.csv"
    m.write_text("community_id,map,households,volunteers,date\n", encoding="utf-8")
    with pytest.raises(ManifestError) as err:
        read_manifest(m)
    assert [d.field for d in err.value.details] == ["depots"]
    m.write_text(
        "community_id,map,households,volunteers,depots,date\n"
        "a,m.pbf,h.csv,v.csv,,2026-11-25\n"
        "a,m.pbf,h.csv,v.csv,,2026-11-25\n"
        "../up,m.pbf,h.csv,v.csv,,2026-11-25\n",
        encoding="utf-8",
    )
    with pytest.raises(ManifestError) as err:
        read_manifest(m)
    records = [d.record for d in err.value.details]
    assert records == ["m.csv line 3", "m.csv line 4"]
    assert "repeats line 2" in str(err.value)


def test_a_bad_date_fails_only_its_community(tmp_path: Path) -> None:
    """A malformed date is that row's fault; paths resolve against the manifest's folder."""
    m = tmp_path / "m.csv"
    m.write_text(
        "community_id,map,households,volunteers,depots,date\n"
        "a,maps/x.pbf,a/h.csv,a/v.csv,,tomorrow\n"
        "b,maps/x.pbf,b/h.csv,b/v.csv,b/d.csv,2026-11-25\n",
        encoding="utf-8",
    )
    a, b = read_manifest(m)
    assert isinstance(a, Community) and a.date is None
    assert "line 2" in a.fault and "date" in a.fault
    assert b.fault == "" and b.households == tmp_path / "b" / "h.csv"
    assert a.depots is None and b.depots == tmp_path / "b" / "d.csv"


def test_a_list_of_communities_is_planned_like_a_manifest(dask_client: Any, tmp_path: Path) -> None:
    """A caller's list runs like manifest rows: a missing ledger fails alone, named by field."""
    date = dt.date(2026, 11, 25)
    gone = Community("gone", tmp_path / "m.pbf", tmp_path / "h.csv", tmp_path / "v.csv", None, date)
    batch = plan_batch([gone], tmp_path / "out", SETTINGS, client=dask_client)
    (only,) = batch.communities
    assert not only.ok and only.failure == "input" and only.attempts == 1
    assert "households: no such file" in only.error
    assert batch.summary()["failed"][0]["community_id"] == "gone"
    with pytest.raises(ManifestError, match="repeated"):
        plan_batch([gone, gone], tmp_path / "out", SETTINGS, client=dask_client)


def test_a_community_past_its_time_cap_fails_alone_and_writes_nothing(
    dask_client: Any, tmp_path: Path
) -> None:
    """A community whose map load outlasts its cap fails as 'timeout', once; the other plans."""
    manifest = make_manifest(tmp_path / "in", [10, 12], seed=7)
    rows = list(csv.reader(manifest.read_text(encoding="utf-8").splitlines()))
    shutil.copytree(tmp_path / "in" / "c00001", tmp_path / "in" / "slow")
    slow = rows[2]
    _add_row(
        manifest, ["slow", slow[1], *(p.replace("c00001", "slow") for p in slow[2:5]), slow[5]]
    )
    out = tmp_path / "out"
    batch = plan_batch(manifest, out, SETTINGS, client=dask_client, plan_fn=plan_or_stall_map)
    by_id = {c.community_id: c for c in batch.communities}
    assert by_id["c00000"].ok and by_id["c00001"].ok
    late = by_id["slow"]
    assert not late.ok and late.failure == "timeout" and late.attempts == 1
    assert late.error == "still running after the community limit of 1 s (stopped at stage 'graph')"
    assert not (out / "slow" / "plan.json").exists()
    assert [f["community_id"] for f in batch.summary()["failed"]] == ["slow"]


def test_a_plan_past_its_cap_stops_before_writing(tmp_path: Path) -> None:
    """run_plan with a spent cap raises TimeCapError at its first stage; no file is written."""
    manifest = make_manifest(tmp_path / "in", [8], seed=9)
    (row,) = read_manifest(manifest)
    ledger = read_ledger(row.households, row.volunteers, row.depots)
    assert row.date is not None
    request = PlanRequest(ledger, row.date, effort=10, time_cap=0.0)
    with pytest.raises(TimeCapError, match="time cap of 0 s exceeded"):
        run_plan(request, map_file=row.map_file, out=tmp_path / "out")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_cli_refuses_an_unusable_manifest(tmp_path: Path) -> None:
    """An unusable manifest exits with status 4 before any cluster starts."""
    m = tmp_path / "m.csv"
    m.write_text("community_id,map\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["plan-batch", "--manifest", str(m), "--out", str(tmp_path)])
    assert result.exit_code == 4
    assert "required column missing" in result.output
