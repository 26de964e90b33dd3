"""A local Dask cluster of two worker processes, shared by this folder's tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from api.plan.cluster import open_client


@pytest.fixture(scope="package")
def dask_client() -> Iterator[Any]:
    """Two single-threaded worker processes with small memory limits, closed at the end."""
    pytest.importorskip("distributed")
    with open_client(workers=2, memory_limit="1GiB") as client:
        yield client
