"""Probes: liveness always; readiness only with the database, maps and a solver process."""

from __future__ import annotations

from api.i18n import Lang, joined
from api.service.routes.probes import not_ready
from tests.api.service.routes.conftest import Client, service_of


def test_liveness_needs_no_key(client: Client) -> None:
    """/healthz answers ok without a key."""
    res = client.get("/healthz", headers={"Authorization": ""})
    assert res.status_code == 200 and res.json() == {"status": "ok"}


def test_not_ready_without_solver_processes(client: Client) -> None:
    """With no solver process started, /readyz is 503 NOT_READY saying so."""
    res = client.get("/readyz")
    assert res.status_code == 503 and res.json()["code"] == "NOT_READY"
    assert res.json()["message"] == "no solver process is ready"


def test_reasons_name_each_missing_part(client: Client) -> None:
    """A silent database and no solver are both named; with no maps either, still both."""
    service = service_of(client)
    assert not_ready(service, db_ok=False) == [
        "the database does not answer",
        "no solver process is ready",
    ]
    service.maps = {}
    assert not_ready(service, db_ok=True) == ["no solver process is ready"]


def test_not_ready_reasons_are_told_in_chinese(client: Client) -> None:
    """/readyz's reasons come in the Accept-Language language: one reason, and two joined
    as Chinese joins them."""
    zh = {"Accept-Language": "zh-CN"}
    res = client.get("/readyz", headers=zh)
    assert res.status_code == 503 and res.json()["code"] == "NOT_READY"
    assert res.json()["message"] == "没有就绪的求解进程"
    service = service_of(client)
    both = joined(not_ready(service, db_ok=False))
    assert Lang("zh_CN").text(both) == "数据库没有响应；没有就绪的求解进程"
    assert both == "the database does not answer; no solver process is ready"
