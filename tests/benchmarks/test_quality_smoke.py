"""Smoke run of the quality harness on two tiny generated instances, so it cannot rot."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from benchmarks import peers, quality

SOLVERS = [s for s in ("doorstep", "pyvrp", "vroom", "ortools-plain") if peers.available(s)]


def _solomon_text(n: int, seed: int) -> str:
    rng = np.random.default_rng(seed)
    rows = [" 0 50 50 0 0 1000 0"]
    for i in range(1, n + 1):
        x, y = rng.integers(0, 100, size=2)
        ready = int(rng.integers(0, 500))
        rows.append(f" {i} {x} {y} {int(rng.integers(1, 10))} {ready} {ready + 300} 10")
    head = ["TINY1", "", "VEHICLE", "NUMBER     CAPACITY", "  6         40", "", "CUSTOMER"]
    head += ["CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME", ""]
    return "\r\n".join(head + rows) + "\r\n"


def _vrplib_text(n: int, seed: int) -> str:
    rng = np.random.default_rng(seed)
    coords = rng.integers(0, 1000, size=(n + 1, 2))
    demand = [0, *(int(d) for d in rng.integers(1, 20, size=n))]
    lines = [
        f"NAME : X-n{n + 1}-k3",
        "TYPE : CVRP",
        f"DIMENSION : {n + 1}",
        "EDGE_WEIGHT_TYPE : EUC_2D",
        "CAPACITY : 60",
        "NODE_COORD_SECTION",
        *(f"{i + 1}\t{x}\t{y}" for i, (x, y) in enumerate(coords)),
        "DEMAND_SECTION",
        *(f"{i + 1}\t{d}" for i, d in enumerate(demand)),
        "DEPOT_SECTION",
        "1",
        "-1",
        "EOF",
    ]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("data")
    (root / "solomon").mkdir()
    (root / "solomon" / "TINY1.txt").write_text(_solomon_text(12, 1), newline="")
    (root / "solomon" / "bks.csv").write_text(
        "instance,distonly_distance,exact_trunc1dec_distance\nTINY1,300.0,\n"
    )
    (root / "cvrplib-x").mkdir()
    (root / "cvrplib-x" / "X-n13-k3.vrp").write_text(_vrplib_text(12, 2))
    (root / "cvrplib-x" / "bks.csv").write_text("instance,cost\nX-n13-k3,3000\n")
    return root


@pytest.mark.parametrize("set_name", ["solomon", "x"])
def test_harness_runs_checks_and_tabulates(
    set_name: str, data_dir: Path, tmp_path: Path, monkeypatch, capsys
) -> None:
    """Every available solver runs 1 s on a tiny instance; rows are checked, CSV and table out."""
    monkeypatch.setenv("DOORSTEP_DATA", str(data_dir))
    out = tmp_path / "r.csv"
    args = ["--set", set_name, "--time-limit", "1", "--seeds", "1", "--quiet"]
    code = quality.main([*args, "--solvers", ",".join(SOLVERS), "--out", str(out)])
    assert code == 0
    with out.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert sorted(r["solver"] for r in rows) == sorted(SOLVERS)
    for r in rows:
        # The strong solvers must solve a 12-stop instance; the plain model may not.
        if r["solver"] != "ortools-plain":
            assert r["feasible"] == "True", r
            assert int(r["violations"]) == 0 and int(r["unassigned"]) == 0
            assert float(r["gap_pct"]) == pytest.approx(
                100 * (float(r["customary_cost"]) / float(r["bks"]) - 1), abs=1e-3
            )
    table = capsys.readouterr().out
    assert f"#### {set_name}: 1 instances" in table
    assert "mean gap to BKS" in table
    if set_name == "solomon":  # each pure-distance column of bks.csv on its own
        assert "gap to `distonly_distance` (%)" in table
        assert "gap to `exact_trunc1dec_distance` (%)" in table
    assert "doorstep / pyvrp" in table or "doorstep" not in SOLVERS


def test_rebuilds_table_from_csv(data_dir: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    """The table rebuilt from a written CSV equals the one printed after the run."""
    monkeypatch.setenv("DOORSTEP_DATA", str(data_dir))
    out = tmp_path / "r.csv"
    solvers = ",".join(s for s in SOLVERS if s in ("vroom", "pyvrp"))
    args = ["--set", "x", "--time-limit", "0.2", "--quiet", "--solvers", solvers]
    assert quality.main([*args, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert quality.main(["--from-csv", str(out)]) == 0
    assert capsys.readouterr().out == printed


def test_resume_runs_only_missing_rows(data_dir: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    """--resume keeps the rows already written and runs only the missing ones."""
    monkeypatch.setenv("DOORSTEP_DATA", str(data_dir))
    out = tmp_path / "r.csv"
    solvers = [s for s in SOLVERS if s in ("vroom", "pyvrp")]
    args = ["--set", "x", "--time-limit", "0.2", "--quiet", "--solvers", ",".join(solvers)]
    assert quality.main([*args, "--out", str(out)]) == 0
    lines = out.read_text().splitlines()
    out.write_text("\n".join(lines[:-1]) + "\n")  # as if stopped before the last run
    assert quality.main([*args, "--out", str(out), "--resume"]) == 0
    capsys.readouterr()
    rows = quality.read_csv([out])
    assert sorted(r.solver for r in rows) == sorted(solvers)
    assert rows[0] == quality.read_csv([out])[0]
    assert out.read_text().splitlines()[: len(lines) - 1] == lines[:-1]
