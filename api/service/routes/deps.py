"""Parameters the routes share: the server's state, the caller's role and scope, path ids."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from api.i18n import Lang
from api.service.auth import Caller, require
from api.service.error_handlers import header_language
from api.service.state import Service


def _service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


ServiceDep = Annotated[Service, Depends(_service)]
Reader = Annotated[Caller, Depends(require("viewer"))]
Dispatcher = Annotated[Caller, Depends(require("dispatcher"))]
CityDispatcher = Annotated[Caller, Depends(require("dispatcher", city_wide=True))]
JobId = Annotated[str, Path(min_length=1, max_length=64, description="Job id.")]
BatchId = Annotated[str, Path(min_length=1, max_length=64, description="Batch id.")]
CommunityId = Annotated[str, Path(min_length=1, max_length=200, description="Community id.")]
VolunteerId = Annotated[str, Path(min_length=1, max_length=200, description="Volunteer id.")]
#: The caller's language, by its ``Accept-Language`` (English by default).
Language = Annotated[Lang, Depends(header_language)]
