"""Issue 21 on the command line: every ledger gets a clear error or a plan naming everyone."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from api.outputs.summary_html import summary_html
from api.plan.ledger import LedgerError, ledger_from_json, read_ledger

DATE = "2026-11-25"
HH_HEAD = "household_id,lon,lat,residents,observation_start,observation_end\n"
HH_ROWS = (
    "H1,24.9410,60.1695,1,2026-11-20,2026-12-03\n"
    "H2,24.9420,60.1700,2,2026-11-24,2026-11-30\n"
    "H3,24.9430,60.1690,1,2027-01-01,2027-01-10\n"
)
VOL_HEAD = "volunteer_id,mode,capacity_kg,available_from,available_to,depot_id\n"
VOL_ROWS = "V1,walk,40,09:00,15:00,D1\n"
DEP = "depot_id,lon,lat,name\nD1,24.9388,60.1681,Community hall\n"


def _ledger(tmp: Path, hh: str = HH_HEAD + HH_ROWS, vol: str = VOL_HEAD + VOL_ROWS) -> list[Path]:
    tmp.mkdir(parents=True, exist_ok=True)
    paths = [tmp / "households.csv", tmp / "volunteers.csv", tmp / "depots.csv"]
    for p, text in zip(paths, (hh, vol, DEP), strict=True):
        p.write_text(text, encoding="utf-8")
    return paths


def _plan(
    paths: list[Path], helsinki: Path, out: Path, *extra: str, date: str = DATE
) -> tuple[int, str]:
    hh, vol, dep = paths
    args = ["plan", "--map", str(helsinki), "--households", str(hh), "--volunteers", str(vol)]
    args += ["--depots", str(dep), "--date", date, "--out", str(out), "--time-limit", "1"]
    result = CliRunner().invoke(app, [*args, *extra])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def _error_line(output: str) -> dict[str, object]:
    """The error object written as the last line of stderr."""
    last = [line for line in output.strip().splitlines() if line.startswith("{")][-1]
    error: dict[str, object] = json.loads(last)
    return error


def _fields(error: dict[str, object]) -> set[str]:
    details = error["details"]
    assert isinstance(details, list)
    return {str(d["field"]) for d in details}


# ---------------------------------------------------------------- 1. no volunteers


def test_no_volunteers_is_a_ledger_error_naming_the_table(tmp_path: Path, helsinki: Path) -> None:
    """A ledger without volunteers exits 4 naming volunteers.csv and its field, no traceback."""
    paths = _ledger(tmp_path / "in", vol=VOL_HEAD)
    status, output = _plan(paths, helsinki, tmp_path / "out")
    assert status == 4, output
    error = _error_line(output)
    assert error["code"] == "INVALID_LEDGER" and "volunteer_id" in _fields(error)
    assert "volunteers.csv" in json.dumps(error)
    with pytest.raises(LedgerError) as err:
        ledger_from_json({"households": [], "volunteers": [], "depots": []})
    assert err.value.details[0].record == "volunteers"


# ---------------------------------------------------------------- 3. bounds on numbers


@pytest.mark.parametrize(
    ("table", "row", "field"),
    [
        ("vol", "V1,walk,1e300,09:00,15:00,D1\n", "capacity_kg"),
        ("vol", "V1,walk,nan,09:00,15:00,D1\n", "capacity_kg"),
        ("vol", "V1,walk,inf,09:00,15:00,D1\n", "capacity_kg"),
        ("hh", "H1,24.94,60.17,1000000000,2026-11-20,2026-12-03\n", "residents"),
        ("hh", "H1,24.94,60.17,1,2026-11-20,2026-12-03\n", "depot lat"),
    ],
)
def test_numbers_out_of_bounds_are_ledger_errors(
    tmp_path: Path, table: str, row: str, field: str
) -> None:
    """Huge, infinite or NaN numbers are refused naming the record and field (not a crash
    deep in the solver)."""
    hh, vol = HH_HEAD + row, VOL_HEAD + VOL_ROWS
    if table == "vol":
        hh, vol = HH_HEAD + HH_ROWS, VOL_HEAD + row
    paths = _ledger(tmp_path, hh, vol)
    if field == "depot lat":
        paths[2].write_text("depot_id,lon,lat\nD1,24.94,1e300\n", encoding="utf-8")
        field = "lat"
    with pytest.raises(LedgerError) as err:
        read_ledger(*paths)
    assert field in {d.field for d in err.value.details}, err.value


# ---------------------------------------------------------------- 4. previous plan


@pytest.mark.parametrize(
    "previous",
    [
        {"routes": ["x"]},
        {"routes": [{"stops": [{"household_ids": ["H1"]}]}]},
        {"routes": [{"volunteer_id": "V1", "stops": [{"household_ids": 5}]}]},
        {"routes": [{"volunteer_id": "V1", "stops": "x"}]},
    ],
)
def test_previous_plan_of_the_wrong_shape_exits_4(
    tmp_path: Path, helsinki: Path, previous: dict[str, object]
) -> None:
    """A --previous plan.json of the wrong shape exits 4 with the error line naming its field."""
    paths = _ledger(tmp_path / "in")
    prev = tmp_path / "previous.json"
    prev.write_text(json.dumps(previous), encoding="utf-8")
    status, output = _plan(paths, helsinki, tmp_path / "out", "--previous", str(prev))
    assert status == 4, output
    error = _error_line(output)
    assert error["code"] == "INVALID_LEDGER"
    assert "previous" in json.dumps(error)


# ---------------------------------------------------------------- 5. sizes up front


def test_matrix_memory_is_estimated_before_building(
    tmp_path: Path, helsinki: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over the memory bound, the plan stops before any matrix with the figure named."""
    monkeypatch.setenv("DOORSTEP_MATRIX_MAX_BYTES", "100")
    paths = _ledger(tmp_path / "in")
    status, output = _plan(paths, helsinki, tmp_path / "out")
    assert status == 4, output
    error = _error_line(output)
    assert error["code"] == "PLAN_TOO_LARGE"
    # 3 distinct points (depot, 2 doors) on 1 mode: 3 x 3 x 16 bytes
    assert "144 bytes" in str(error["message"]) and "100 bytes" in str(error["message"])
    assert not (tmp_path / "out" / "plan.json").exists()


# ---------------------------------------------------------------- 6. everyone named


def test_rows_outside_their_period_are_named_in_plan_json(tmp_path: Path, helsinki: Path) -> None:
    """A household not under observation on the date is listed in not_observed with its
    period; the others are planned as usual."""
    status, output = _plan(_ledger(tmp_path / "in"), helsinki, tmp_path / "out")
    assert status in (0, 3), output
    doc = json.loads((tmp_path / "out" / "plan.json").read_text())
    named = {u["household_id"]: u for u in doc["not_observed"]}
    assert set(named) == {"H3"}
    assert named["H3"]["observation_start"] == "2027-01-01"
    assert named["H3"]["observation_end"] == "2027-01-10"
    assert doc["summary"]["households_not_observed"] == 1


def test_a_date_nobody_is_observed_on_is_a_warning_with_its_own_status(
    tmp_path: Path, helsinki: Path
) -> None:
    """A wrong year: every household is named in not_observed, plan.json carries a warning
    and the command exits 8, not 0; the summary page's verdict is that warning, not an
    all-clear, and it shows no map, table, balance or all-clear of runs and households
    there are none of."""
    status, output = _plan(_ledger(tmp_path / "in"), helsinki, tmp_path / "out", date="2025-11-25")
    assert status == 8, output
    doc = json.loads((tmp_path / "out" / "plan.json").read_text())
    assert {u["household_id"] for u in doc["not_observed"]} == {"H1", "H2", "H3"}
    assert [w["code"] for w in doc["warnings"]] == ["NOBODY_UNDER_OBSERVATION"]
    assert (
        doc["summary"]["balance"] == "Balance bound: 2 x the mean run and stops; no runs to bound."
    )
    assert "2025-11-25" in doc["warnings"][0]["message"] and "warning" in output
    assert "No runs today." in output and "Balance bound" not in output and "┏" not in output
    page = (tmp_path / "out" / "summary.html").read_text(encoding="utf-8")
    verdict = re.findall(r'<p class="[a-z ]*verdict">(.*?)</p>', page, flags=re.S)
    assert verdict == [doc["warnings"][0]["message"]]
    assert page.count(doc["warnings"][0]["message"]) == 1  # (not again among the warnings)
    assert "Everyone under observation is covered" not in page and "<svg" not in page
    # Nothing said of runs, balance or households there are none of: no vacuous all-clear.
    assert "No runs today." in page and '<table class="runs">' not in page
    assert "Balance bound" not in page and "longest run" not in page
    assert "is on a run" not in page and "has something due today" not in page
    assert page.count("<p>None.</p>") == 2  # (not served, nothing due)


def test_ids_with_square_brackets_are_printed_as_they_are(tmp_path: Path, helsinki: Path) -> None:
    """Ids are the coordinator's text: a volunteer "V[bold] 2" is printed as it is in the
    terminal's table of runs (read as markup, "[bold]" vanished and the rest was bold)."""
    vol = VOL_HEAD + VOL_ROWS.replace("V1,", "V[bold] 2,", 1)
    status, output = _plan(_ledger(tmp_path / "in", vol=vol), helsinki, tmp_path / "out")
    assert status in (0, 3), output
    doc = json.loads((tmp_path / "out" / "plan.json").read_text())
    assert [r["volunteer_id"] for r in doc["routes"]] == ["V[bold] 2"]
    assert "V[bold] 2" in output


def test_the_commands_console_prints_brackets_as_text() -> None:
    """What a command prints is never read as markup: a hint naming a package extra keeps
    it (it read "pip install 'doorstep'"), a closing tag that closes nothing is text (it
    raised Rich's MarkupError), colours come as styles."""
    from api.cli.options import cli_console

    console = cli_console(stderr=False)
    with console.capture() as said:
        console.print("pip install 'doorstep[distributed]'", style="red")
        console.print("[/x] closes nothing")
    assert said.get() == "pip install 'doorstep[distributed]'\n[/x] closes nothing\n"


# ---------------------------------------------------------------- 7. smaller


def _json_volunteer(volunteer_id: str) -> dict[str, object]:
    """One walking volunteer of a JSON ledger, starting in central Helsinki."""
    return {
        "volunteer_id": volunteer_id,
        "mode": "walk",
        "capacity_kg": 10,
        "available_from": "09:00",
        "available_to": "12:00",
        "start_lon": 24.94,
        "start_lat": 60.17,
    }


@pytest.mark.parametrize("bad", ["V/1", "V\x001", "V\n1", "V\\1"])
def test_ids_outside_the_character_set_are_refused(tmp_path: Path, bad: str) -> None:
    """A volunteer id with '/', a backslash, NUL or a line break is refused naming the field."""
    with pytest.raises(LedgerError) as err:
        ledger_from_json({"households": [], "volunteers": [_json_volunteer(bad)]})
    assert [d.field for d in err.value.details] == ["volunteer_id"]


def test_json_ledger_takes_no_numbers_as_flags(tmp_path: Path) -> None:
    """In a JSON ledger a flag must be true/false (or yes/no text), not 0 or 1."""
    hh = {
        "household_id": "H1",
        "lon": 24.94,
        "lat": 60.17,
        "residents": 1,
        "observation_start": "2026-11-20",
        "observation_end": "2026-12-03",
        "elderly_alone": 0,
    }
    with pytest.raises(LedgerError) as err:
        ledger_from_json({"households": [hh], "volunteers": [_json_volunteer("V1")]})
    assert [d.field for d in err.value.details] == ["elderly_alone"]


def test_summary_shows_the_depot_name(tmp_path: Path, helsinki: Path) -> None:
    """The depot's name, promised on the summary by docs/INPUTS.md, is shown there; a day
    with everyone due served says so of the households due."""
    status, output = _plan(_ledger(tmp_path / "in"), helsinki, tmp_path / "out")
    assert status in (0, 3), output
    doc = json.loads((tmp_path / "out" / "plan.json").read_text())
    assert doc["routes"] and doc["routes"][0]["depot_name"] == "Community hall"
    page = summary_html(doc, {})
    assert "Community hall" in page
    # Everyone due is served: said of those due, with the runs' table and the balance.
    assert doc["unassigned"] == [] and doc["summary"]["households_served"] == 2
    assert "Every household with something due today is on a run." in page
    assert '<table class="runs">' in page and "No runs today." not in page
    assert "Balance bound" in page and "<p>None.</p>" not in page
