"""Fixtures of the page tests: a Beijing day with every case the pages must show.

The shared Zhongguancun ledger (Chinese notes: a bell not to be rung, calls asked for; two
rows outside their observation period; afternoon volunteers), plus one household whose
address is on no map and one heavier than anyone carries, planned once (bounded by
effort) and written in English and Chinese.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from api.i18n import Lang
from api.outputs.document import plan_document
from api.outputs.write import write_outputs
from api.plan.ledger import read_ledger
from api.plan.result import PlanResult
from api.plan.travel import StreetTravel
from geo.addresses import AddressIndex
from tests.api.plan.day_plans import plan
from tests.china import conftest as china

# The Beijing extract's fixtures, shared with the China tests.
zgc_map = china.zgc_map
zgc_ledger_dir = china.zgc_ledger_dir
zgc_travel = china.zgc_travel
zgc_addresses = china.zgc_addresses

DAY = dt.date(2022, 11, 28)
#: Households added to the shared ledger: an address on no map, a load nobody can carry.
EXTRA_HOUSEHOLDS = (
    {
        "household_id": "H901",
        "name": "周敏",
        "address": "海淀区不存在路999号",
        "residents": "1",
        "note": "",
        "phone": "+86 139 0000 0901",
    },
    {
        "household_id": "H902",
        "name": "吴刚",
        "lon": "116.318900",
        "lat": "39.996300",
        "address": "海淀区中关村北大街151号",
        "residents": "60",
        "note": "",
        "phone": "+86 139 0000 0902",
    },
)


@dataclass(frozen=True, slots=True)
class WrittenDay:
    """One planned day and its pages written in both languages."""

    result: PlanResult
    doc: dict[str, Any]
    out: dict[str, Path]
    notes: dict[str, str]
    phones: dict[str, str]


def _ledger_files(src: Path, out: Path) -> tuple[Path, Path, Path]:
    with (src / "households.csv").open(encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header = list(reader.fieldnames or [])
        rows = list(reader)
    for extra in EXTRA_HOUSEHOLDS:
        row = dict.fromkeys(header, "")
        row.update(observation_start="2022-11-20", observation_end="2022-12-03")
        row.update(needs="meals", elderly_alone="no", medical_needs="no", coord_source="WGS84")
        row.update(extra)
        rows.append(row)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "households.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=header)
        w.writeheader()
        w.writerows(rows)
    return path, src / "volunteers.csv", src / "depots.csv"


@pytest.fixture(scope="session")
def beijing_day(
    tmp_path_factory: pytest.TempPathFactory,
    zgc_ledger_dir: Path,
    zgc_travel: StreetTravel,
    zgc_addresses: AddressIndex,
) -> WrittenDay:
    """The Beijing day planned (effort-bounded search) and written in en and zh-CN."""
    base = tmp_path_factory.mktemp("beijing")
    ledger = read_ledger(*_ledger_files(zgc_ledger_dir, base / "ledger"))
    result = plan(
        ledger, DAY, travel=zgc_travel, addresses=zgc_addresses, time_limit=120.0, effort=20
    )
    doc = plan_document(result)
    out = {}
    for locale in ("en", "zh_CN"):
        out[locale] = base / locale
        write_outputs(doc, result.geometry, {}, out[locale], Lang(locale), streets=result.streets)
    return WrittenDay(
        result,
        doc,
        out,
        {h.household_id: h.note for h in ledger.households},
        {h.household_id: h.phone for h in ledger.households},
    )
