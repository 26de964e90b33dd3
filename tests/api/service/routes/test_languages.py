"""The service's errors in the caller's language: Accept-Language zh-CN gets the catalog's
Chinese sentences with the same code, status, ids and fields as the English answer."""

from __future__ import annotations

import re
import time
from typing import Any

from api.service.db import jobs
from api.service.sample import plan_request
from tests.api.service.routes.conftest import VIEWER, Client, service_of

ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def _both(
    client: Client, method: str, path: str, headers: dict[str, str] | None = None, **kw: Any
) -> tuple[dict[str, Any], dict[str, Any], int]:
    """The error body of one call in Chinese and in English, and the (shared) status."""
    headers = headers or {}
    zh = client.request(method, path, headers={**headers, **ZH}, **kw)
    en = client.request(method, path, headers=headers, **kw)
    assert zh.status_code == en.status_code
    return zh.json(), en.json(), zh.status_code


def _english_words(text: str) -> list[str]:
    """Latin words of ``text`` other than ids, paths, codes and quoted values."""
    plain = re.sub(r"'[^']*'|/\S*|\b[A-Z_]{3,}\b|\b[0-9a-f]{32}\b", " ", text)
    return re.findall(r"[A-Za-z]{3,}", plain)


def test_missing_unknown_and_forbidden_keys_are_told_in_chinese(client: Client) -> None:
    """No key (401), a viewer's key where a dispatcher's is needed (403) and an unknown job
    (404) keep their codes and answer in Chinese; without the header in English."""
    zh, en, status = _both(client, "GET", "/v1/jobs/nope", headers={"Authorization": ""})
    assert status == 401 and zh["code"] == en["code"] == "UNAUTHORIZED"
    assert zh["message"] == "需要 API 密钥：请发送请求头 Authorization: Bearer KEY"
    assert en["message"].startswith("an API key is required")
    viewer = {"Authorization": f"Bearer {VIEWER}"}
    zh, en, status = _both(client, "POST", "/v1/jobs", headers=viewer, json=plan_request(2))
    assert status == 403 and zh["code"] == "FORBIDDEN"
    assert "dispatcher" in zh["message"] and "viewer" in zh["message"]
    assert CJK.search(zh["message"]) and en["message"].startswith("this needs the dispatcher")
    zh, en, status = _both(client, "GET", "/v1/jobs/nope")
    assert status == 404 and (zh["message"], en["message"]) == ("没有任务 'nope'", "no job 'nope'")


def test_request_faults_name_the_same_fields_in_chinese(client: Client) -> None:
    """A request naming a map the server lacks: UNKNOWN_MAP in Chinese with the same
    record and field; an unknown path and a wrong method too."""
    body = {**plan_request(2), "map": "atlantis"}
    zh, en, status = _both(client, "POST", "/v1/jobs", json=body)
    assert status == 422 and zh["code"] == en["code"] == "UNKNOWN_MAP"
    assert zh["message"] == "没有名为 'atlantis' 的地图；本服务器提供：demo"
    assert [(d["record"], d["field"]) for d in zh["details"]] == [("request", "map")]
    assert zh["details"][0]["problem"] == "未知地图 'atlantis'"
    zh, en, status = _both(client, "GET", "/v1/nowhere")
    assert status == 404 and (zh["message"], en["message"]) == ("没有此路径", "no such path")
    zh, en, status = _both(client, "PUT", "/v1/jobs")
    assert status == 405 and zh["message"].startswith("此处不允许该方法；允许的方法：")
    assert zh["message"].split("：")[-1] == en["message"].split(": ")[-1]


def test_malformed_body_and_busy_plan_in_chinese(client: Client) -> None:
    """A body that does not fit the model has its head and its problems in Chinese (fields
    as they are); a synchronous plan nobody solves in time is BUSY naming its job, in
    Chinese."""
    zh, en, status = _both(client, "POST", "/v1/jobs", json={"households": 3})
    assert status == 422 and zh["code"] == "INVALID_REQUEST"
    n = len(en["details"])
    assert n > 0 and zh["message"] == f"请求中有 {n} 个问题"
    assert [d["field"] for d in zh["details"]] == [d["field"] for d in en["details"]]
    problems = {
        d["field"]: (d["problem"], e["problem"])
        for d, e in zip(zh["details"], en["details"], strict=True)
    }
    assert problems["households"] == ("必须是列表", "must be a list")
    assert all(CJK.search(said) for said, _ in problems.values()), problems
    res = client.post("/v1/plans", json=plan_request(2, seed=3), headers=ZH)
    assert res.status_code == 503 and res.json()["code"] == "BUSY"
    job = res.headers["x-doorstep-job"]
    said = res.json()["message"]
    assert said == f"未能在 0.5 秒内完成；它将作为任务 {job} 继续运行：请轮询 GET /v1/jobs/{job}"
    assert _english_words(said) == []


def test_oversized_body_is_refused_in_chinese(client: Client) -> None:
    """PAYLOAD_TOO_LARGE, answered before the app reads the body, is in Chinese too."""
    big = b"x" * (client.app.state.service.settings.max_body_bytes + 1)
    res = client.post("/v1/jobs", content=big, headers={**ZH, "Content-Type": "text/plain"})
    assert res.status_code == 413 and res.json()["code"] == "PAYLOAD_TOO_LARGE"
    assert res.json()["message"].startswith("请求内容超过") and "DOORSTEP_" in res.json()["message"]


def _interrupted(client: Client, job_id: str) -> None:
    """Fail job ``job_id`` as the store does when its servers stopped once too often."""
    store = service_of(client).store
    claimed = store.claim("a-server-that-died")
    assert claimed is not None and claimed.id == job_id
    with store.engine.begin() as conn:
        conn.execute(jobs.update().values(heartbeat_at=time.time() - 3600))
    (reaped,) = store.reap(me="test-server", lease_s=60, attempts=1)
    assert reaped.action == "failed"


def test_failed_job_error_is_told_in_the_readers_language(client: Client) -> None:
    """A failed job's stored error reads in Chinese under Accept-Language zh-CN and in
    English without it (GET of the job and the job list); a row stored as English text
    before messages were kept still reads, in its English."""
    job_id = client.post("/v1/jobs", json=plan_request(2)).json()["id"]
    _interrupted(client, job_id)
    zh = client.get(f"/v1/jobs/{job_id}", headers=ZH).json()
    en = client.get(f"/v1/jobs/{job_id}").json()
    assert zh["status"] == "failed" and zh["error"]["code"] == en["error"]["code"] == "INTERRUPTED"
    assert zh["error"]["message"] == "服务器在求解此任务时停止了 1 次；不再重新运行"
    assert (
        en["error"]["message"]
        == "the server stopped while solving this job 1 time(s); it is not run again"
    )
    listed = client.get("/v1/jobs", headers=ZH).json()["jobs"]
    assert [j["error"]["message"] for j in listed] == [zh["error"]["message"]]
    plan = client.get(f"/v1/jobs/{job_id}/plan", headers=ZH).json()
    assert plan["code"] == "JOB_NOT_DONE"
    assert plan["message"] == f"任务 {job_id} 的状态为 failed：{zh['error']['message']}"
    old = client.post("/v1/jobs", json=plan_request(3)).json()["id"]
    store = service_of(client).store
    assert store.claim("test-server") is not None
    english = {"code": "INTERRUPTED", "message": "the server stopped twice", "details": []}
    store.finish_failed(old, english)
    assert client.get(f"/v1/jobs/{old}", headers=ZH).json()["error"] == english


def test_refused_batch_community_error_is_told_in_chinese(client: Client) -> None:
    """A batch community refused at once (a map the server lacks) has its stored error,
    message and detail, in Chinese when the batch is read in Chinese; fields unchanged."""
    body = {"communities": [{**plan_request(2), "community_id": "a", "map": "atlantis"}]}
    batch = client.post("/v1/batches", json=body, headers=ZH).json()
    (a,) = batch["communities"]
    assert a["error"]["message"] == "没有名为 'atlantis' 的地图；本服务器提供：demo"
    assert [(d["record"], d["field"]) for d in a["error"]["details"]] == [("request", "map")]
    assert a["error"]["details"][0]["problem"] == "未知地图 'atlantis'"
    (read,) = client.get(f"/v1/batches/{batch['id']}", headers=ZH).json()["communities"]
    assert read["error"] == a["error"]
    (en,) = client.get(f"/v1/batches/{batch['id']}").json()["communities"]
    assert en["error"]["message"].startswith("no map named 'atlantis'")
