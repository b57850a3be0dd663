"""FL301: the lifespan fix keeps every handler running, in order, and refuses what it cannot do."""

from __future__ import annotations

import importlib.util
import shutil
import sys
import warnings
from pathlib import Path
from types import ModuleType

import pytest
from fastapi.testclient import TestClient

from fastlint.rules.lifecycle import OnEventDeprecated
from tests.helpers import lint_tree, write_tree

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "fixes" / "FL301"
CASES = sorted(p.name.replace(".before.py", "") for p in FIXTURES.glob("*.before.py"))

# What each fixture's handlers record, startup first: the fixed app must do the same.
EXPECTED = {
    "add_event_handler": (["start_scheduler"], ["stop_scheduler"]),
    "both_sync_and_async": (["connect", "load_model"], ["disconnect", "flush_logs"]),
    "existing_arguments": (["warm_cache"], []),
    "shutdown_only": ([], ["flush"]),
    "single_line_arguments": ([], ["close"]),
    "startup_only": (["open_pool"], []),
}


def _import(path: Path) -> ModuleType:
    """Import one of our own fixture apps (never user code) under a unique name."""
    name = f"_fl301_{path.stem.replace('.', '_')}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # `on_event` in the before file
            spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
    return module


def _run(module: ModuleType) -> tuple[list[str], list[str]]:
    with TestClient(module.app):
        started = list(module.events)
    return started, module.events[len(started) :]


def test_every_case_has_expectations() -> None:
    assert sorted(EXPECTED) == CASES


@pytest.mark.parametrize("case", CASES)
def test_fixed_app_runs_the_same_handlers_in_order(tmp_path: Path, case: str) -> None:
    target = tmp_path / f"{case}.py"
    shutil.copyfile(FIXTURES / f"{case}.before.py", target)
    findings = lint_tree(tmp_path, [OnEventDeprecated], fix=True, unsafe=True)
    assert findings == [], "the fix must remove every registration"
    fixed = target.read_text(encoding="utf-8")
    assert "on_event" not in fixed and "add_event_handler" not in fixed
    assert "lifespan=lifespan" in fixed
    assert _run(_import(target)) == EXPECTED[case]
    # And the original does the same, where this FastAPI still runs `on_event` handlers
    # (`add_event_handler` went with Starlette 1.0, which is the point of the fix).
    if case != "add_event_handler":
        assert _run(_import(FIXTURES / f"{case}.before.py")) == EXPECTED[case]


def _messages(tmp_path: Path, files: dict[str, str]) -> list[str]:
    write_tree(tmp_path, files)
    findings = lint_tree(tmp_path, [OnEventDeprecated], fix=True, unsafe=True)
    for relative, text in files.items():
        assert (tmp_path / relative).read_text(encoding="utf-8") == text, "nothing is fixed"
    assert findings and all(f.fix is None for f in findings)
    return [f.message for f in findings]


HANDLER = """
@app.on_event("startup")
async def start() -> None: ...
"""


@pytest.mark.parametrize(
    ("files", "reason"),
    [
        (
            {
                "main.py": "from contextlib import asynccontextmanager\n"
                "from fastapi import FastAPI\n\n"
                "@asynccontextmanager\nasync def span(app):\n    yield\n\n"
                "app = FastAPI(lifespan=span)\n" + HANDLER
            },
            "already has a `lifespan`",
        ),
        (
            {
                "main.py": "from fastapi import FastAPI\napp = FastAPI()\n",
                "events.py": "from main import app\n" + HANDLER,
            },
            "created in another module",
        ),
        (
            {
                "main.py": "from fastapi import FastAPI\napp = FastAPI()\n" + HANDLER,
                "plugins.py": "def install(app):\n    app.add_event_handler('shutdown', print)\n",
            },
            "`plugins` also registers event handlers",
        ),
        (
            {
                "main.py": "from fastapi import FastAPI\napp = FastAPI()\n" + HANDLER + "\n"
                "def configure(app: FastAPI) -> None:\n"
                "    app.add_event_handler('shutdown', print)\n"
            },
            "registered inside",
        ),
        (
            {
                "main.py": "from fastapi import FastAPI\napp = FastAPI()\n"
                "@app.on_event('startup')\n@retry\nasync def start(): ...\n"
            },
            "has other decorators",
        ),
        (
            {"main.py": "from fastapi import FastAPI\napp = FastAPI()\n" + HANDLER + HANDLER},
            "bound more than once",
        ),
        (
            {
                "main.py": "from fastapi import FastAPI\napp = FastAPI(on_startup=[print])\n"
                + HANDLER
            },
            "`on_startup=`",
        ),
        (
            {
                "main.py": "from fastapi import FastAPI\n"
                "class App(FastAPI): ...\napp = App()\n" + HANDLER
            },
            "subclass",
        ),
        (
            {
                "main.py": "from fastapi import FastAPI\nimport db\napp = FastAPI()\n"
                "app.add_event_handler('startup', db.connect)\n",
                "db.py": "def connect(): ...\n",
            },
            "not a plain function name",
        ),
    ],
)
def test_no_fix_when_it_would_be_wrong(tmp_path: Path, files: dict[str, str], reason: str) -> None:
    messages = _messages(tmp_path, files)
    assert all("no automatic fix" in m and reason in m for m in messages), messages


def test_router_handlers_are_reported_without_fix(tmp_path: Path) -> None:
    code = (
        "from fastapi import APIRouter\nrouter = APIRouter()\n"
        "@router.on_event('startup')\nasync def start(): ...\n"
    )
    messages = _messages(tmp_path, {"routes.py": code})
    assert "no automatic fix" in messages[0]
