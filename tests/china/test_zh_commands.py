"""Commands in Chinese: ``doorstep keys``, ``purge`` and ``serve`` print their lines,
headings and errors from the catalogs under ``--lang zh-CN`` (or ``DOORSTEP_LANG``), keys,
fingerprints, codes and fields as they are; ``plan-batch`` names a manifest's faults in
Chinese."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from api.errors import classify
from api.i18n import Lang
from api.plan.batch import BatchSettings, ManifestError, plan_community, read_manifest
from api.service.keys import fingerprint

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh SQLite database for the service's commands (no other setting given)."""
    url = f"sqlite:///{tmp_path / 'jobs.db'}"
    for name in ("DOORSTEP_API_KEYS", "DOORSTEP_API_KEYS_FILE", "DOORSTEP_MAPS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DOORSTEP_DATABASE_URL", url)
    return url


def _run(*args: str, lang: str | None = "zh-CN") -> tuple[int, str, str]:
    """Exit status, standard output and standard error of ``doorstep ARGS``."""
    extra = ["--lang", lang] if lang else []
    done = CliRunner().invoke(app, [*args, *extra])
    return done.exit_code, done.stdout, done.stderr


def test_keys_add_list_revoke_in_chinese(database: str) -> None:
    """``keys add`` keeps stdout for the key alone and tells its fingerprint in Chinese;
    ``list`` has Chinese headings and states; ``revoke`` says so; an unknown fingerprint is
    NOT_FOUND in Chinese, the same code as in English."""
    status, out, err = _run("keys", "add", "--role", "viewer", "--community", "north")
    key = out.strip()
    assert status == 0 and len(key) > 20 and not CJK.search(out)
    assert err.strip() == f"指纹 {fingerprint(key)}：请妥善保存密钥，它不会再次显示"
    status, out, _ = _run("keys", "add", "--role", "dispatcher")
    city = out.strip()
    _run("keys", "revoke", fingerprint(city))
    status, out, _ = _run("keys", "list")
    lines = out.strip().splitlines()
    assert status == 0 and lines[0].split("\t") == [
        "指纹",
        "角色",
        "社区",
        "状态",
        "到期时间",
        "备注",
    ]
    rows = {line.split("\t")[0]: line.split("\t") for line in lines[1:]}
    assert rows[fingerprint(key)][1:4] == ["viewer", "north", "有效"]
    assert rows[fingerprint(city)][2:4] == ["（全市范围）", "已撤销"]
    status, out, err = _run("keys", "revoke", "f" * 16)
    said = json.loads(err.strip().splitlines()[-1])
    assert status == 1 and said["code"] == "NOT_FOUND"
    assert said["message"] == f"没有指纹为 '{'f' * 16}' 的有效密钥"
    status, out, err = _run("keys", "revoke", "f" * 16, lang=None)
    assert json.loads(err.strip().splitlines()[-1])["message"].startswith("no active key")


def test_keys_add_refuses_a_bad_role_in_chinese(database: str) -> None:
    """A role that is neither dispatcher nor viewer is INVALID_REQUEST naming both roles, in
    Chinese."""
    status, _, err = _run("keys", "add", "--role", "admin")
    said = json.loads(err.strip().splitlines()[-1])
    assert status == 2 and said["code"] == "INVALID_REQUEST"
    assert said["message"] == "角色必须是以下之一：dispatcher, viewer"


def test_purge_says_what_it_purged_in_chinese(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``purge`` with DOORSTEP_LANG=zh-CN counts what it purged in Chinese."""
    monkeypatch.setenv("DOORSTEP_LANG", "zh-CN")
    status, out, _ = _run("purge", "--days", "2", lang=None)
    assert status == 0 and out.strip() == "已清除 0 个任务和 0 个被拒绝的批次社区"


@pytest.mark.parametrize(
    ("env", "code", "said"),
    [
        (
            {"DOORSTEP_API_KEYS": "short:viewer"},
            "INVALID_SETTING",
            "DOORSTEP_API_KEYS：第 1 项：密钥至少需要 8 个字符",
        ),
        (
            {"DOORSTEP_MAPS": "x=/nowhere/x.osm.pbf"},
            "MAP_SOURCE",
            "地图 'x'，字段 'DOORSTEP_MAPS'：没有文件 '/nowhere/x.osm.pbf'",
        ),
    ],
)
def test_serve_refuses_bad_settings_in_chinese(
    database: str, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], code: str, said: str
) -> None:
    """``serve`` with a bad setting tells it in Chinese on its line and in the error object
    (code and variable as they are), and starts nothing."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    status, _, err = _run("serve", "--port", "9")
    lines = err.strip().splitlines()
    body = json.loads(lines[-1])
    assert body["code"] == code and status == {"INVALID_SETTING": 2, "MAP_SOURCE": 5}[code]
    assert lines[-2].endswith(said) and said in body["message"]
    assert body["details"][0]["field"] in env
    assert "short" not in err


def _manifest(folder: Path, rows: list[str]) -> Path:
    """A manifest CSV of ``rows`` under the standard header."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "communities.csv"
    header = "community_id,map,households,volunteers,depots,date"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_plan_batch_names_every_manifest_fault_in_chinese(tmp_path: Path) -> None:
    """An unusable manifest (an empty, a repeated and an unusable id) ends ``plan-batch
    --lang zh-CN`` with status 4 before any cluster, each line and column told in Chinese;
    the same faults in English name the same lines."""
    manifest = _manifest(
        tmp_path / "in",
        [
            ",m.osm,h.csv,v.csv,,2026-11-25",
            "north,m.osm,h.csv,v.csv,,2026-11-25",
            "north,m.osm,h.csv,v.csv,,2026-11-25",
            "../up,m.osm,h.csv,v.csv,,2026-11-25",
        ],
    )
    with pytest.raises(ManifestError) as err:
        read_manifest(manifest)
    zh = classify(err.value).text(Lang("zh_CN")).splitlines()
    assert zh == [
        "社区清单中有 3 个问题：",
        "- communities.csv 第 2 行，字段 'community_id'：第 1 列：为空",
        "- communities.csv 第 4 行，字段 'community_id'：第 1 列：'north' 与第 3 行重复",
        "- communities.csv 第 5 行，字段 'community_id'：第 1 列：'../up' 不能用作文件夹名称",
    ]
    assert str(err.value).splitlines()[0] == "3 problem(s) in the manifest:"
    args = ["plan-batch", "--manifest", str(manifest), "--out", str(tmp_path / "out")]
    done = CliRunner().invoke(app, [*args, "--lang", "zh-CN"])
    assert done.exit_code == 4 and "社区清单中有 3 个问题：" in done.stderr
    assert "与第 3 行重复" in done.stderr and "problem(s)" not in done.stderr


def test_a_community_with_faults_fails_told_in_chinese(tmp_path: Path) -> None:
    """A manifest row without a map and with a bad date fails alone as 'input', its fault
    told in Chinese with the columns it names; a row whose files are missing too."""
    manifest = _manifest(
        tmp_path / "in",
        ["north,,h.csv,v.csv,,25.11.2026", "south,m.osm,h.csv,v.csv,,2026-11-25"],
    )
    north, south = read_manifest(manifest)
    settings = BatchSettings(time_limit=2.0, effort=5)
    failed = plan_community(north, str(tmp_path / "out"), settings)
    assert not failed.ok and failed.failure == "input" and not failed.retryable
    assert Lang("zh_CN").text(failed.error) == (
        "communities.csv 第 2 行：第 2 列（map）：为空；"
        "communities.csv 第 2 行：第 6 列（date）：'25.11.2026' 不是 YYYY-MM-DD 格式的日期"
    )
    assert failed.error.startswith("communities.csv line 2: column 2 (map): is empty; ")
    missing = plan_community(south, str(tmp_path / "out"), settings)
    said = Lang("zh_CN").text(missing.error)
    assert said.startswith("社区清单第 3 行：map：没有文件 ") and said.count("没有文件") == 3


def test_help_is_told_in_the_language_asked() -> None:
    """``--help`` under DOORSTEP_LANG=zh-CN (or with the command's ``--lang zh-CN``) tells
    the commands' and options' help in Chinese, option names as they are; the next call
    without it is English again."""
    runner = CliRunner()
    listed = runner.invoke(app, ["--help"], env={"DOORSTEP_LANG": "zh-CN"})
    assert listed.exit_code == 0
    assert "在真实的 OpenStreetMap 街道上为社区志愿者规划配送路线。" in listed.stdout
    assert "提供调度 API" in listed.stdout and "Serve the dispatch API" not in listed.stdout
    keys = runner.invoke(app, ["keys", "add", "--help"], env={"DOORSTEP_LANG": "zh-CN"})
    assert "生成一个密钥并打印" in keys.stdout and "--community" in keys.stdout
    assert "它所代表的唯一社区" in keys.stdout
    wide = {"DOORSTEP_LANG": "", "COLUMNS": "250"}  # no option's help cut short
    plan = runner.invoke(app, ["plan", "--help", "--lang", "zh-CN"], env=wide)
    assert "根据台账在街道地图上规划" in plan.stdout and "输出的语言：en 或 zh-CN" in plan.stdout
    english = runner.invoke(app, ["plan", "--help"], env=wide)
    assert "Plan the runs of DATE" in english.stdout and not CJK.search(english.stdout)


def test_help_on_an_80_column_terminal_is_told_whole() -> None:
    """On 80 columns no help text is cut short with "…": a Chinese text, one word to the
    help tables (no spaces to wrap at), folds onto the next lines, every option's text of
    ``doorstep plan`` is there whole, no option name is cut (the flags have no ``--no-``
    twin that took a column), and a command's line in the list of commands runs on as
    one line, not broken where its docstring was."""
    runner = CliRunner()
    narrow = {"DOORSTEP_LANG": "", "COLUMNS": "80"}
    for lang in ("en", "zh-CN"):
        plan = runner.invoke(app, ["plan", "--help", "--lang", lang], env=narrow)
        assert plan.exit_code == 0 and "…" not in plan.stdout, plan.stdout
        flat = re.sub(r"[\s│]", "", plan.stdout)
        assert "--fewest-volunteers" in flat and "--suggest-volunteers" in flat
        if lang == "zh-CN":
            assert "整个调用的秒数：地图、矩阵、搜索、检查、建议、输出" in flat
            assert "说明还需要多少志愿者才能服务所有住户" in flat
        listed = runner.invoke(app, ["--help"], env={"DOORSTEP_LANG": lang, "COLUMNS": "80"})
        assert listed.exit_code == 0 and "…" not in listed.stdout, listed.stdout
    wide = runner.invoke(app, ["--help"], env={"DOORSTEP_LANG": "", "COLUMNS": "250"})
    assert "skill missing, ride limit, a household twice or missing) against" in wide.stdout


def test_a_community_with_a_bad_ledger_fails_told_in_chinese(tmp_path: Path) -> None:
    """A community whose households file is empty fails alone as 'input'; its error is
    the ledger's, every line told in Chinese, the same text as the ledger error in
    English."""
    folder = tmp_path / "in"
    manifest = _manifest(folder, ["north,m.osm,h.csv,v.csv,,2026-11-25"])
    for name in ("m.osm", "h.csv", "v.csv"):
        (folder / name).write_text("", encoding="utf-8")
    (north,) = read_manifest(manifest)
    failed = plan_community(north, str(tmp_path / "out"), BatchSettings(time_limit=2.0))
    assert not failed.ok and failed.failure == "input"
    zh = Lang("zh_CN").text(failed.error).splitlines()
    assert zh[0].startswith("台账中有 ") and zh[0].endswith(" 个问题：")
    assert len(zh) > 1 and all(line.startswith("- ") and CJK.search(line) for line in zh[1:])
    assert failed.error.splitlines()[0].endswith("problem(s) in the ledger:")
