"""What the engine knows about FastAPI and Starlette themselves."""

from __future__ import annotations

APP_CLASSES = frozenset(
    {
        "fastapi.FastAPI",
        "fastapi.applications.FastAPI",
        "starlette.applications.Starlette",
    }
)
ROUTER_CLASSES = frozenset(
    {
        "fastapi.APIRouter",
        "fastapi.routing.APIRouter",
        "starlette.routing.Router",
    }
)
APP_OR_ROUTER_CLASSES = APP_CLASSES | ROUTER_CLASSES
