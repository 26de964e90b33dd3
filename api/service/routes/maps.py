"""The street maps a server plans on, and each map's streets as a GeoJSON base layer."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response

from api.errors import ServiceError
from api.i18n import N_, Message
from api.service import schemas
from api.service.routes.deps import Reader, ServiceDep
from api.service.routes.openapi import AUTH, GEOJSON, READ, error_responses

router = APIRouter(tags=["maps"])

_STREETS_EXAMPLE: dict[str, Any] = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "geometry": {
                "type": "MultiLineString",
                "coordinates": [[[24.938801, 60.168097], [24.938852, 60.168073]]],
            },
            "properties": {"kind": "streets", "mode": "walk"},
        }
    ],
    "properties": {"attribution": "© OpenStreetMap contributors"},
}


@router.get(
    "/v1/maps", response_model=schemas.MapList, responses=error_responses("ListMaps", *AUTH)
)
async def list_maps(service: ServiceDep, _caller: Reader) -> dict[str, Any]:
    """The street maps this server plans on (loaded at start-up)."""
    return {"maps": [m.info() for m in service.maps.values()]}


@router.get(
    "/v1/maps/{name}/streets.geojson",
    response_class=Response,
    responses={
        200: {
            "content": {GEOJSON: {"schema": {"type": "object"}, "example": _STREETS_EXAMPLE}},
            "description": "The streets of the map's walking graph (MultiLineString).",
        },
        **error_responses("MapStreets", *READ),
    },
)
async def map_streets(
    name: Annotated[str, Path(min_length=1, max_length=200)],
    service: ServiceDep,
    _caller: Reader,
) -> Response:
    """Streets of a map as GeoJSON (base layer of the map page when tiles are off)."""
    loaded = service.maps.get(name)
    if loaded is None:
        raise ServiceError("NOT_FOUND", Message(N_("no map named %(name)s"), name=repr(name)))
    return Response(loaded.streets_geojson, media_type=GEOJSON)
