"""Chinese beyond the pages: terminal progress and tables, ledger errors, the specific
"why" of each unserved household, plan-batch, and the warning of a ledger mixing systems."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from api.cli import app
from api.errors import classify
from api.i18n import Lang
from api.outputs.labels import WHY, why_facts_text
from api.plan.batch import BatchSettings, plan_community, read_manifest
from api.plan.coord_check import check_coordinates
from api.plan.ledger import LedgerError, read_ledger
from api.plan.progress import Progress
from api.plan.travel import StreetTravel
from geo.addresses import AddressIndex
from solver import Depot, Problem, Profile, Stop, Vehicle
from solver.diagnose import diagnose_stop
from tests.api.plan.test_batch import make_manifest
from tests.china.conftest import shared_rows

ZH = Lang("zh_CN")
EN = Lang("en")
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")

#: Locations 0..3 on a line, 600 s and 1000 m per step.
_STEPS = np.abs(np.subtract.outer(np.arange(4), np.arange(4))).astype(np.int64)


def _facts(stop: Stop, vehicle: Vehicle, depots: tuple[Depot, ...] = ()) -> dict[str, str]:
    """The facts of the diagnosis of ``stop`` served by ``vehicle`` alone."""
    problem = Problem(
        stops=(stop,),
        vehicles=(vehicle,),
        profiles=(Profile("walk", _STEPS * 600, _STEPS * 1000),),
        depots=depots,
        dimensions=("kg",),
    )
    return dict(diagnose_stop(problem, stop).facts)


def test_why_in_chinese_names_the_same_figures() -> None:
    """The Chinese why of a window, a return, a duration and a load names the same times,
    limits and capacities as the English sentence."""
    early = Vehicle("V1", 0, 0, capacity=(10,), shift=(8 * 3600, 20 * 3600))
    late = _facts(Stop("s", 2, (1,), windows=((8 * 3600, 8 * 3600 + 600),)), early)
    said = why_facts_text("TIME_WINDOW_UNREACHABLE", late, ZH)
    assert "08:00-08:10" in said and "08:20" in said and "V1" in said and "最早到达" in said
    depot = (Depot("d", 0, window=(8 * 3600, 9 * 3600)),)
    back = _facts(Stop("s", 3, (1,), service=900), Vehicle("V2", 0, 0, capacity=(10,)), depot)
    said = why_facts_text("TIME_WINDOW_UNREACHABLE", back, ZH)
    assert "09:15" in said and "09:00" in said and "班次时间" in said
    short = Vehicle("V3", 0, 0, capacity=(10,), max_duration=3600)
    said = why_facts_text("ROUTE_LIMIT", _facts(Stop("s", 3, (1,), service=900), short), ZH)
    assert "1 小时 15 分钟" in said and "1 小时 00 分钟" in said
    small = Vehicle("V4", 0, 0, capacity=(10,))
    said = why_facts_text("DEMAND_EXCEEDS_CAPACITY", _facts(Stop("s", 1, (12,)), small), ZH)
    assert "12 kg" in said and "10 kg" in said
    assert not re.search(r"[A-Za-z]{3,}", said.replace("kg", ""))


def test_every_case_of_why_has_its_sentence() -> None:
    """Each case the diagnosis names has a sentence, and facts without a case fall back to
    the reason's own sentence."""
    assert why_facts_text("FLEET_EXHAUSTED", {}, ZH) == ZH.gettext(
        "It fits alone but not with the rest: the volunteers are full."
    )
    source = (Path(__file__).parents[2] / "solver" / "diagnose.py").read_text(encoding="utf-8")
    cases = set(re.findall(r'^\s+"([a-z_]+)",$', source, flags=re.MULTILINE))
    assert cases and cases <= set(WHY)


def test_progress_sentences_and_stages_in_chinese() -> None:
    """A progress event is told in the reader's language; English stays its own message."""
    event = Progress(
        "solve", "%(stops)d stops, %(volunteers)d volunteers", {"stops": 3, "volunteers": 2}
    )
    assert event.sentence(ZH) == "3 个站点，2 名志愿者"
    assert event.stage_name(ZH) == "求解"
    assert event.message == "3 stops, 2 volunteers"


def _bad_ledger(folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    hh = folder / "households.csv"
    hh.write_text(
        "household_id,lon,lat,residents,observation_start,observation_end,elderly_alone\n"
        "H1,39.99,116.31,2,2022-11-20,2022-12-01,也许\n"
        "H2,116.31,39.99,两,2022-11-20,2022-12-01,是\n"
        "H3,116.31,39.99,2人,2022-11-20,2022-12-01,否\n"
        "H3,116.31,39.99,1,2022-11-20,2022-12-01,否\n",
        encoding="utf-8",
    )
    vol = folder / "volunteers.csv"
    vol.write_text(
        "volunteer_id,mode,capacity_kg,available_from,available_to,start_lon,start_lat\n"
        "V1,步行,15,09:00,08:00,116.31,39.99\n",
        encoding="utf-8",
    )
    return hh, vol


def test_ledger_errors_in_chinese_keep_codes_and_fields(tmp_path: Path) -> None:
    """``doorstep plan --lang zh-CN`` on a bad ledger tells every fault in Chinese (file,
    line, column and the values named); code and field names stay English, and English
    is unchanged without the flag."""
    hh, vol = _bad_ledger(tmp_path / "in")
    args = ["plan", "--map", str(tmp_path / "none.osm"), "--households", str(hh)]
    args += ["--volunteers", str(vol), "--date", "2022-11-28", "--out", str(tmp_path / "out")]
    result = CliRunner().invoke(app, [*args, "--lang", "zh-CN"], env={"COLUMNS": "300"})
    assert result.exit_code == 4, result.output
    text = result.stderr
    assert "台账中有 5 个问题" in text
    assert "households.csv 第 2 行（household_id 'H1'）" in text
    assert "经度和纬度似乎填反了" in text and "应为 是/否" in text and "不是整数" in text
    assert "须晚于 available_from" in text and "重复使用（首次出现在第 4 行）" in text
    error = json.loads(text.strip().splitlines()[-1])
    assert error["code"] == "INVALID_LEDGER" and error["message"] == "台账中有 5 个问题："
    fields = {d["field"] for d in error["details"]}
    assert fields == {"lat", "elderly_alone", "residents", "household_id", "available_to"}
    assert all(CJK.search(d["problem"]) for d in error["details"])
    with pytest.raises(LedgerError) as exc:
        read_ledger(hh, vol)
    body = classify(exc.value)
    assert body.message == "5 problem(s) in the ledger:"
    assert "households.csv line 2 (household_id 'H1')" in {d.record for d in body.details}


def test_plan_batch_writes_communities_in_the_language(tmp_path: Path) -> None:
    """A batch community planned with locale zh_CN writes its pages in Chinese; plan-batch
    refuses a language without a catalog before starting a cluster."""
    manifest = make_manifest(tmp_path / "in", [5], seed=6)
    (row,) = read_manifest(manifest)
    settings = BatchSettings(time_limit=30.0, effort=5, locale="zh_CN")
    result = plan_community(row, str(tmp_path / "out"), settings)
    assert result.ok, result.error
    summary = (tmp_path / "out" / row.community_id / "summary.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in summary and "配送计划" in summary
    refused = CliRunner().invoke(
        app,
        ["plan-batch", "--manifest", str(manifest), "--out", str(tmp_path / "b"), "--lang", "fr"],
    )
    assert refused.exit_code == 2 and "zh-CN" in refused.stderr


def test_mixed_ledger_is_warned_about_naming_its_gcj02_rows(
    zgc_ledger_dir: Path, zgc_travel: StreetTravel, zgc_addresses: AddressIndex
) -> None:
    """The shared ledger as written (46 WGS-84 rows, 20 GCJ-02 rows, nothing declared) is
    warned about: the GCJ-02 rows are named, with both medians and the column to give them,
    in English and in Chinese."""
    ledger = read_ledger(
        zgc_ledger_dir / "households.csv",
        zgc_ledger_dir / "volunteers.csv",
        zgc_ledger_dir / "depots.csv",
    )
    _header, rows = shared_rows(zgc_ledger_dir)
    gcj = {r["household_id"] for r in rows if r["coord_source"] == "GCJ02"}
    fit = check_coordinates(ledger, zgc_travel, zgc_addresses)
    assert fit is not None and fit.warn and fit.mixed
    assert set(fit.suspects) <= gcj and len(fit.suspects) >= 15
    assert fit.best_median_m * 3 <= fit.given_median_m
    assert fit.flag == "coord_system gcj02"
    english = fit.sentence()
    n = len(fit.suspects)
    assert f"{n} of {fit.households} households" in english and fit.flag in english
    chinese = ZH.text(english)
    assert f"{fit.households} 户中有 {n} 户" in chinese and fit.flag in chinese


@pytest.mark.slow
def test_demo_terminal_speaks_chinese(tmp_path: Path) -> None:
    """``doorstep demo --lang zh-CN`` prints its progress, tables and closing lines in
    Chinese: no English word is left but ids, codes, travel modes, paths and addresses."""
    out = tmp_path / "demo"
    args = ["demo", "--out", str(out), "--households", "30", "--volunteers", "4"]
    result = CliRunner().invoke(
        app, [*args, "--effort", "20", "--lang", "zh-CN"], env={"COLUMNS": "300"}
    )
    assert result.exit_code == 0, result.output
    text = result.stderr
    for stage in ("台账", "路网", "对齐", "矩阵", "求解", "校验", "路线"):
        assert stage in text
    assert "已写入" in text and "请在浏览器中打开" in text
    _header, rows = _csv(out / "ledger" / "households.csv")
    for r in rows:
        text = text.replace(r.get("address", "") or "\0", " ")
    text = text.replace(str(tmp_path), " ")
    allowed = re.compile(
        r"/\S+|\b[A-Z][A-Z_]{3,}\b|\b[HVD]\d+\b|\b(?:walk|bike|ebike|drive)\b|--[a-z-]+"
    )
    english = re.findall(r"[A-Za-z]{2,}", allowed.sub(" ", text))
    assert english == [], english


def _csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    import csv

    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def test_suggested_volunteers_in_chinese() -> None:
    """The suggestion's groups are told from their figures and its verdict from the catalog;
    English keeps the plan's own sentences."""
    from api.i18n import Message
    from api.outputs.labels import suggestion_texts

    verdict = Message(
        "Checked: planning again with them serves every household volunteers can "
        "help (%(n)d re-plans).",
        n=2,
    )
    group = {
        "mode": "walk",
        "count": 2,
        "available_from": "09:00",
        "available_to": "12:00",
        "depot_id": "D1",
        "capacity_kg": 15.0,
        "skills": [],
        "text": "2 more walk volunteers, 09:00-12:00, 15 kg, from depot D1",
    }
    doc = {"groups": [group], "verified": True, "message": verdict}
    zh = suggestion_texts(doc, ZH)
    assert (
        zh["groups"][0]["text"] == "再增加 2 名步行志愿者，09:00-12:00，15 公斤，从取货点 D1 出发"
    )
    assert zh["message"] == (
        "已验证：加上他们重新规划后，志愿者能送达的住户都能得到配送（重新规划 2 次）。"
    )
    assert suggestion_texts(doc, Lang("en")) is doc


def test_a_load_in_grams_is_told_in_kilograms() -> None:
    """A household too heavy for every volunteer is told in kg (60 kg against 40 kg), not in
    the grams the day model counts in, in both languages."""
    facts = {"case": "too_heavy", "need": "60000", "unit": "g", "largest": "40000"}
    said = why_facts_text("DEMAND_EXCEEDS_CAPACITY", facts, ZH)
    assert "60 kg" in said and "40 kg" in said and "000" not in said
    english = why_facts_text("DEMAND_EXCEEDS_CAPACITY", {**facts, "need": "12500"}, EN)
    assert "12.5 kg" in english and "40 kg" in english
