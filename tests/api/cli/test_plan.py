"""The ``doorstep plan`` command: outputs written and exit statuses per error class."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from typer.testing import CliRunner

from api.cli import app
from api.cli.plan import EXIT_LEDGER, EXIT_MAP, EXIT_OK, EXIT_UNSERVED
from api.demo.data import DEMO_DATE, generate
from geo.addresses import Building


def _args(paths: tuple[Path, Path, Path], map_file: Path, out: Path) -> list[str]:
    hh, vol, dep = paths
    return [
        "plan",
        "--map",
        str(map_file),
        "--households",
        str(hh),
        "--volunteers",
        str(vol),
        "--depots",
        str(dep),
        "--date",
        DEMO_DATE.isoformat(),
        "--out",
        str(out),
        "--time-limit",
        "1",
    ]


def test_plan_writes_outputs_and_names_unserved(
    tmp_path: Path, helsinki: Path, buildings: tuple[Building, ...]
) -> None:
    """A small ledger is planned to files; the status says whether anyone is unserved."""
    paths = generate(tmp_path / "in", buildings=buildings, households=25, volunteers=5, seed=5)
    result = CliRunner().invoke(app, _args(paths, helsinki, tmp_path / "out"))
    doc = json.loads((tmp_path / "out" / "plan.json").read_text())
    expected = EXIT_UNSERVED if doc["unassigned"] else EXIT_OK
    assert result.exit_code == expected, result.output
    assert doc["unassigned"]  # the generator always adds one address that is on no map
    assert (tmp_path / "out" / "summary.html").exists()
    assert len(list((tmp_path / "out" / "manifests").glob("*.html"))) == len(doc["routes"])


def test_bad_ledger_and_bad_map_have_their_own_status(
    tmp_path: Path, helsinki: Path, buildings: tuple[Building, ...]
) -> None:
    """An invalid ledger exits 4 listing the rows; an unreadable map exits 5."""
    paths = generate(tmp_path / "in", buildings=buildings, households=5, volunteers=2, seed=1)
    with paths[0].open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    rows[1]["residents"] = "two"
    rows[3]["observation_end"] = "soon"
    with paths[0].open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    bad = CliRunner().invoke(app, _args(paths, helsinki, tmp_path / "out"))
    assert bad.exit_code == EXIT_LEDGER
    assert "line 3" in bad.output and "residents" in bad.output
    assert "line 5" in bad.output and "observation_end" in bad.output
    assert not (tmp_path / "out" / "plan.json").exists()
    good = generate(tmp_path / "in2", buildings=buildings, households=5, volunteers=2, seed=1)
    nomap = tmp_path / "missing.osm.pbf"
    res = CliRunner().invoke(app, _args(good, nomap, tmp_path / "out2"))
    assert res.exit_code == EXIT_MAP, res.output


def test_suggest_and_previous_from_the_command_line(
    tmp_path: Path, helsinki: Path, buildings: tuple[Building, ...]
) -> None:
    """--suggest-volunteers writes checked suggestions; --previous reuses a plan.json."""
    paths = generate(tmp_path / "in", buildings=buildings, households=30, volunteers=2, seed=9)
    # The limit covers the whole call, the re-plans of the suggestion included; the effort
    # bound ends every search long before it, so the machine's load never decides.
    # One trip each, so that two volunteers cannot serve thirty households: the suggestion
    # first asks them to go out again.
    suggest = ["--suggest-volunteers", "--time-limit", "120", "--effort", "30", "--single-trip"]
    first = CliRunner().invoke(app, [*_args(paths, helsinki, tmp_path / "a"), *suggest])
    assert first.exit_code == EXIT_UNSERVED, first.output
    doc = json.loads((tmp_path / "a" / "plan.json").read_text())
    suggestion = doc["suggestion"]
    assert suggestion["verified"] and suggestion["extend"]
    assert all("go out" in e["text"] for e in suggestion["extend"])
    with (tmp_path / "a" / "suggested_volunteers.csv").open(newline="") as fh:
        added = list(csv.DictReader(fh))
    asked = len(suggestion["extend"])
    assert len(added) == asked + sum(g["count"] for g in suggestion["groups"])
    again = CliRunner().invoke(
        app,
        [*_args(paths, helsinki, tmp_path / "b"), "--previous", str(tmp_path / "a" / "plan.json")],
    )
    assert again.exit_code in (EXIT_OK, EXIT_UNSERVED), again.output
    doc2 = json.loads((tmp_path / "b" / "plan.json").read_text())
    assert "continuity" in doc2["summary"]
    (tmp_path / "bad.json").write_text("{}")
    bad = CliRunner().invoke(
        app, [*_args(paths, helsinki, tmp_path / "c"), "--previous", str(tmp_path / "bad.json")]
    )
    assert bad.exit_code == EXIT_LEDGER


def test_bad_rules_file_exits_4_naming_key_and_value(
    tmp_path: Path, helsinki: Path, buildings: tuple[Building, ...]
) -> None:
    """A bad --rules file exits 4 before any planning; its last stderr line is the error
    shape naming the file, the key and the value."""
    paths = generate(tmp_path / "in", buildings=buildings, households=5, volunteers=2, seed=1)
    rules = tmp_path / "rules.toml"
    rules.write_text('meal_window = "lunch"\n', encoding="utf-8")
    args = [*_args(paths, helsinki, tmp_path / "out"), "--rules", str(rules)]
    bad = CliRunner().invoke(app, args)
    assert bad.exit_code == EXIT_LEDGER
    error = json.loads(bad.stderr.strip().splitlines()[-1])
    assert error["code"] == "INVALID_RULES"
    (detail,) = error["details"]
    assert detail["record"] == str(rules) and detail["field"] == "meal_window"
    assert "lunch" in detail["problem"]
    assert not (tmp_path / "out" / "plan.json").exists()
