"""``doorstep solve``: JSON round trip, readable output, and exit codes for bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from api.cli import solve as cmd_solve
from api.instances import generate_vrptw, read_instance
from solver import Detail, ProblemValidationError
from tests.api.test_instances import SOLOMON_TINY, VRPLIB_TINY

runner = CliRunner()


def _run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["solve", *args])
    return result.exit_code, result.stdout, result.stderr


def test_json_round_trip_on_generated_instance() -> None:
    """The JSON has exactly the documented keys; routes re-evaluate to the printed cost."""
    code, out, _ = _run("--generate", "15", "--seed", "3", "--time-limit", "1", "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"instance", "cost", "routes", "unassigned", "feasible", "seconds"}
    assert data["instance"] == "generated-15-seed3"
    ids = sorted([c for r in data["routes"] for c in r] + data["unassigned"])
    assert ids == list(range(1, 16))
    inst = generate_vrptw(15, seed=3)
    assert data["cost"] == inst.route_cost(data["routes"])  # metres
    assert data["feasible"] == (data["unassigned"] == [])


@pytest.mark.parametrize(
    ("name", "text", "cost"), [("tiny.txt", SOLOMON_TINY, 10.0), ("tiny.vrp", VRPLIB_TINY, 10)]
)
def test_json_round_trip_on_files(tmp_path: Path, name: str, text: str, cost: float) -> None:
    """Tiny Solomon and VRPLIB files: ids as in the file, cost in the family's convention."""
    path = tmp_path / name
    path.write_bytes(text.encode())
    code, out, _ = _run(str(path), "--time-limit", "1", "--json")
    assert code == 0
    data = json.loads(out)
    inst = read_instance(path)
    served = sorted(c for r in data["routes"] for c in r)
    assert served == sorted(int(s.id) for s in inst.problem.stops)
    assert data["feasible"] is True and data["unassigned"] == []
    assert data["cost"] == inst.customary_cost(inst.route_cost(data["routes"]))
    assert type(data["cost"]) is type(cost)


def test_readable_output_names_routes_cost_and_verdict() -> None:
    """Without --json a person sees routes, served counts, the cost and the checker verdict."""
    code, out, _ = _run("--generate", "10", "--time-limit", "1")
    assert code == 0
    assert "Routes" in out and "Served" in out and "Cost:" in out
    assert "plan accepted" in out
    assert re.search(r"\d\d:\d\d-\d\d:\d\d", out)  # out-back clock times


def test_missing_file_exits_3(tmp_path: Path) -> None:
    """A missing file exits with 3 and names the path."""
    code, _, err = _run(str(tmp_path / "none.txt"), "--time-limit", "1")
    assert code == cmd_solve.ExitCode.FILE_UNREADABLE == 3
    assert "none.txt" in err and "not found" in err


def test_malformed_file_exits_4_naming_line_and_field(tmp_path: Path) -> None:
    """A reversed window exits with 4 naming file, line and field."""
    path = tmp_path / "bad.txt"
    path.write_bytes(
        SOLOMON_TINY.replace("10      10          20", "10      30          20").encode()
    )
    code, _, err = _run(str(path), "--time-limit", "1", "--json")
    assert code == 4
    assert f"{path}:11" in err and "DUE DATE" in err


def test_invalid_problem_exits_5(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A file that reads but fails problem validation exits with 5 naming record and field."""

    def reject(path: Path) -> None:
        raise ProblemValidationError([Detail("stop '7'", "demand", "must not be negative")])

    monkeypatch.setattr(cmd_solve, "read_instance", reject)
    code, _, err = _run(str(tmp_path / "x.txt"), "--time-limit", "1")
    assert code == 5 and "stop '7'" in err and "demand" in err


@pytest.mark.parametrize(
    "args", [[], ["x.txt", "--generate", "5"], ["--generate", "5", "--time-limit", "0"]]
)
def test_usage_errors_exit_2(args: list[str]) -> None:
    """Neither PATH nor --generate, both, or a non-positive limit is a usage error."""
    code, _, err = _run(*args)
    assert code == 2 and err


def test_readable_output_speaks_the_language_asked() -> None:
    """With --lang zh-CN the tables, counts, cost and verdict are Chinese (ids and numbers
    as they are); usage errors too."""
    code, out, _ = _run("--generate", "100", "--time-limit", "1", "--lang", "zh-CN")
    assert code == 0
    assert "路线" in out and "求解用时" in out and "计划通过" in out and "成本：" in out
    assert "Routes" not in out and "Served" not in out and "Checker" not in out
    assert "未服务的客户" in out and "Customers not served" not in out  # every 100th
    code, _, err = _run("--lang", "zh-CN")
    assert code == 2 and "二者只能选其一" in err


def test_malformed_file_is_named_in_chinese(tmp_path: Path) -> None:
    """With --lang zh-CN a reversed window is told in Chinese, naming the same file, line,
    field and times; a missing file too."""
    path = tmp_path / "bad.txt"
    path.write_bytes(
        SOLOMON_TINY.replace("10      10          20", "10      30          20").encode()
    )
    code, _, err = _run(str(path), "--time-limit", "1", "--lang", "zh-CN")
    assert code == 4
    assert f"{path}:11：字段 'DUE DATE'：截止时间 20 早于就绪时间 30" in err
    code, _, err = _run(str(tmp_path / "none.txt"), "--lang", "zh-CN")
    assert code == 3 and err.strip().endswith("none.txt：字段 'path'：找不到文件")
