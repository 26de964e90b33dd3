"""The demo ledger: the same seed gives the same files, and they read back as a ledger."""

from __future__ import annotations

from pathlib import Path

from api.demo.data import generate
from api.plan.ledger import read_ledger
from geo.addresses import Building


def test_the_same_seed_gives_the_same_ledger(
    tmp_path: Path, buildings: tuple[Building, ...]
) -> None:
    """Two ledgers of seed 3 are byte for byte the same and valid; volunteers as asked."""
    a = generate(tmp_path / "a", buildings=buildings, households=20, volunteers=6, seed=3)
    b = generate(tmp_path / "b", buildings=buildings, households=20, volunteers=6, seed=3)
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    ledger = read_ledger(*a)
    assert len(ledger.volunteers) == 6 and len(ledger.households) == 20
    assert {v.mode for v in ledger.volunteers} <= {"walk", "bike", "ebike", "drive"}
    assert any("medicine" in v.skills for v in ledger.volunteers)
