"""The tuning loop: variant specs, the ``configs`` hook of ``solve`` and the summary table."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from benchmarks import peers, tune
from benchmarks.peers import doorstep_peer
from solver._ortools import SearchConfig
from tests.benchmarks.test_quality_smoke import data_dir  # noqa: F401  (fixture)


def test_spec_changes_fields_and_operators() -> None:
    """A spec sets typed fields, switches operators and leaves the rest of the base as is."""
    base = SearchConfig(first_solution="SAVINGS")
    cfg = doorstep_peer.config(
        "gls_lambda=0.25;min_neighbors=7;bandit=true;reset_penalties=none;-cross;+use_tsp_opt",
        base,
    )
    assert cfg.first_solution == "SAVINGS"
    assert cfg.gls_lambda == 0.25 and cfg.min_neighbors == 7 and cfg.bandit is True
    assert cfg.reset_penalties is None
    assert dict(cfg.operators) == {"use_cross": False, "use_tsp_opt": True}


@pytest.mark.parametrize("spec", ["gls_lambda", "nosuch=1", "bandit=maybe", "operators=x"])
def test_bad_spec_is_refused(spec: str) -> None:
    """A part that is not field=value of a settable field, or +/-operator, raises."""
    with pytest.raises(ValueError):
        doorstep_peer.config(spec, SearchConfig())


def test_every_named_variant_reads() -> None:
    """Every named variant's spec is understood (no typo waits for a long run)."""
    for name in tune.VARIANTS:
        assert peers.known(tune.solver_name(name))
        peers.get(tune.solver_name(name))


def test_tune_runs_variants_beside_the_reference(
    data_dir: Path,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Two variants and VROOM run on a tiny instance; rows are checked, ratios tabulated."""
    if not peers.available("vroom"):
        pytest.skip("vroom not installed")
    monkeypatch.setenv("DOORSTEP_DATA", str(data_dir))
    out = tmp_path / "t.csv"
    args = ["--variants", "base,@gls_lambda=0.3;-cross", "--instances", "tiny*"]
    code = tune.main([*args, "--time-limit", "1", "--workers", "1", "--out", str(out)])
    assert code == 0
    with out.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["solver"] for r in rows] == ["vroom", "doorstep@", "doorstep@gls_lambda=0.3;-cross"]
    assert all(r["feasible"] == "True" for r in rows)
    table = capsys.readouterr().out
    assert "| base | `(default)` |" in table
    assert "`gls_lambda=0.3;-cross`" in table
    assert "| TINY1 |" in table
