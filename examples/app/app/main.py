"""A small FastAPI app that makes the mistakes fastlint looks for. Do not copy it."""

import time

import uvicorn
from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from app.db import close_pool, open_pool
from app.routers import items, users

SECRET_KEY = "s3cr3t-signing-key-2f9a7c1e"

app = FastAPI(debug=True)
app.add_middleware(
    CORSMiddleware,
    allow_origins=["*"],
    allow_credentials=True,
    allow_methods=["*"],
)
app.include_router(items.router, prefix="/items")
app.include_router(users.router)


@app.on_event("startup")
async def startup() -> None:
    open_pool()


@app.on_event("shutdown")
def shutdown() -> None:
    close_pool()


@app.exception_handler(ValidationError)
async def validation_handler(request: Request, exc: ValidationError) -> JSONResponse:
    return JSONResponse({"detail": exc.errors()}, status_code=422)


@app.get("/health")
async def health():
    time.sleep(0.1)
    return {"status": "ok", "version": "1.0"}


uvicorn.run(app, host="0.0.0.0", port=8000, reload=True)
