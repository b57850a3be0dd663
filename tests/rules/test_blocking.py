"""FL101 blocking-call-in-async and FL102 transitive-blocking-call."""

from __future__ import annotations

import pickle
import textwrap
from pathlib import Path
from typing import Any, Optional

import pytest

from fastlint.engine.findings import Finding
from fastlint.engine.project import ProjectIndex, extract_facts
from fastlint.rules.blocking import (
    BlockingCallInAsync,
    TransitiveBlockingCall,
    _FileWords,
    _new_blocking_graph,
)
from tests.helpers import lint_tree, write_tree

RULES = [BlockingCallInAsync, TransitiveBlockingCall]


def lint(
    tmp_path: Path, files: dict[str, str], options: Optional[dict[str, Any]] = None
) -> list[Finding]:
    write_tree(tmp_path, {name: textwrap.dedent(text) for name, text in files.items()})
    return lint_tree(tmp_path, RULES, options=options)


def lint_one(tmp_path: Path, code: str, options: Optional[dict[str, Any]] = None) -> list[Finding]:
    return lint(tmp_path, {"app.py": code}, options)


def codes(findings: list[Finding]) -> list[tuple[str, int]]:
    return [(f.code, f.line) for f in findings]


# --- FL101: each family ----------------------------------------------------------------------

BLOCKING_CASES = {
    "time.sleep": ("import time", "time.sleep(1)"),
    "requests function": ("import requests", "requests.post('https://x', timeout=5)"),
    "requests api module": ("import requests.api", "requests.api.get('https://x')"),
    "requests session": (
        "import requests",
        "session = requests.Session()\n    session.get('https://x')",
    ),
    "requests session inline": ("import requests", "requests.Session().get('https://x')"),
    "httpx function": ("import httpx", "httpx.get('https://x')"),
    "httpx client": (
        "import httpx",
        "with httpx.Client() as client:\n        client.post('https://x')",
    ),
    "urlopen": ("import urllib.request", "urllib.request.urlopen('https://x')"),
    "urlopen from": ("from urllib.request import urlopen", "urlopen('https://x')"),
    "urllib3": ("import urllib3", "urllib3.PoolManager().request('GET', 'https://x')"),
    "urllib3 function": ("import urllib3", "urllib3.request('GET', 'https://x')"),
    "subprocess": ("import subprocess", "subprocess.run(['ls'], check=True)"),
    "subprocess popen": ("from subprocess import Popen", "Popen(['ls'])"),
    "os.system": ("import os", "os.system('ls')"),
    "os.popen": ("import os", "os.popen('ls')"),
    "os.waitpid": ("import os", "os.waitpid(pid, 0)"),
    "open": ("", "open('data.txt')"),
    "io.open": ("import io", "io.open('data.txt')"),
    "path annotation": ("from pathlib import Path", "path.read_text()"),
    "path constructor": ("import pathlib", "pathlib.Path('x').write_bytes(b'')"),
    "path division": ("from pathlib import Path", "(Path('x').parent / 'y').read_bytes()"),
    "socket create_connection": ("import socket", "socket.create_connection(('x', 80))"),
    "socket connect": ("import socket", "sock = socket.socket()\n    sock.connect(('x', 80))"),
    "psycopg2": ("import psycopg2", "psycopg2.connect('dbname=x')"),
    "psycopg": ("import psycopg", "psycopg.connect('dbname=x')"),
    "pymysql": ("import pymysql", "pymysql.connect(host='x')"),
    "sqlite3": ("import sqlite3", "sqlite3.connect('x.db')"),
    "pymongo": ("from pymongo import MongoClient", "MongoClient('mongodb://x')"),
    "redis command": ("import redis", "cache = redis.Redis()\n    cache.get('k')"),
    "input": ("", "input('name? ')"),
}


@pytest.mark.parametrize("case", sorted(BLOCKING_CASES))
def test_each_blocking_family_is_reported(tmp_path: Path, case: str) -> None:
    imports, body = BLOCKING_CASES[case]
    code = f"{imports}\nfrom pathlib import Path\n\nasync def handler(path: Path, pid: int):\n"
    code += f"    {body}\n"
    findings = lint_one(tmp_path, code)
    assert [f.code for f in findings] == ["FL101"], findings
    assert "inside `async def`" in findings[0].message


def test_messages_say_what_to_do_instead(tmp_path: Path) -> None:
    findings = lint_one(
        tmp_path,
        """\
        import requests, subprocess

        async def handler():
            requests.get("https://x", timeout=5)
            subprocess.run(["ls"])
            open("x")
        """,
    )
    messages = [f.message for f in findings]
    assert "httpx.AsyncClient" in messages[0] and "asyncio.to_thread" in messages[0]
    assert "create_subprocess_exec" in messages[1]
    assert "aiofiles" in messages[2]


NOT_BLOCKING = {
    "waitpid with WNOHANG": "import os\n\nasync def f(pid):\n    os.waitpid(pid, os.WNOHANG)\n",
    "redis client creation": "import redis\n\nasync def f():\n    return redis.Redis()\n",
    "redis from_url": "import redis\n\nasync def f(url):\n    return redis.Redis.from_url(url)\n",
    "redis pipeline object": (
        "import redis\nr = redis.Redis()\n\nasync def f():\n    r.pipeline()\n"
    ),
    "async httpx": (
        "import httpx\n\nasync def f():\n"
        "    async with httpx.AsyncClient() as client:\n        await client.get('x')\n"
    ),
    "aiofiles": "import aiofiles\n\nasync def f():\n    async with aiofiles.open('x') as h:\n"
    "        await h.read()\n",
    "requests.Request object": (
        "import requests\n\nasync def f():\n    requests.Request('GET', 'x')\n"
    ),
    "asyncio.sleep": "import asyncio\n\nasync def f():\n    await asyncio.sleep(1)\n",
    "pure path": (
        "from pathlib import PurePath\n\nasync def f():\n    PurePath('x').with_suffix('.y')\n"
    ),
}


@pytest.mark.parametrize("case", sorted(NOT_BLOCKING))
def test_non_blocking_look_alikes(tmp_path: Path, case: str) -> None:
    assert lint_one(tmp_path, NOT_BLOCKING[case]) == []


# --- FL101: names, shadowing, scopes ---------------------------------------------------------


def test_aliases_resolve(tmp_path: Path) -> None:
    findings = lint_one(
        tmp_path,
        """\
        import requests as r
        from time import sleep as snooze
        from requests import get as fetch
        import subprocess as sp

        async def handler():
            r.get("x")
            snooze(1)
            fetch("x")
            sp.check_output(["ls"])
        """,
    )
    assert codes(findings) == [("FL101", 7), ("FL101", 8), ("FL101", 9), ("FL101", 10)]
    assert "`time.sleep()`" in findings[1].message


def test_local_names_shadow_blocking_apis(tmp_path: Path) -> None:
    findings = lint_one(
        tmp_path,
        """\
        import requests
        import time

        async def handler(time):
            requests = []
            requests.append(1)
            time.sleep(1)
            open = lambda path: path
            open("x")
            input = str
            input(1)
        """,
    )
    assert findings == []


def test_optional_import_replaced_by_none_is_not_trusted(tmp_path: Path) -> None:
    findings = lint_one(
        tmp_path,
        """\
        try:
            import requests
        except ImportError:
            requests = None

        async def handler():
            requests.get("x")
        """,
    )
    assert findings == []


def test_module_level_def_shadows_builtin(tmp_path: Path) -> None:
    findings = lint_one(
        tmp_path,
        """\
        def open(path):
            return path

        async def handler():
            open("x")
        """,
    )
    assert codes(findings) == []


def test_offloaded_by_reference_is_fine(tmp_path: Path) -> None:
    findings = lint_one(
        tmp_path,
        """\
        import asyncio
        import functools
        import anyio
        import requests
        from fastapi.concurrency import run_in_threadpool

        async def handler(url):
            await asyncio.to_thread(requests.get, url, timeout=5)
            await run_in_threadpool(requests.get, url)
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, functools.partial(requests.get, url))
            await anyio.to_thread.run_sync(requests.get, url)
        """,
    )
    assert findings == []


def test_nested_def_and_lambda_are_not_the_coroutine(tmp_path: Path) -> None:
    findings = lint_one(
        tmp_path,
        """\
        import time

        async def handler():
            def later():
                time.sleep(1)
            callback = lambda: time.sleep(1)
            nested = lambda: lambda: time.sleep(1)
            return later, callback, nested
        """,
    )
    assert findings == []


def test_plain_def_route_is_fine_but_async_route_is_not(tmp_path: Path) -> None:
    findings = lint_one(
        tmp_path,
        """\
        import time
        from fastapi import FastAPI

        app = FastAPI()

        @app.get("/sync")
        def sync_route():
            time.sleep(1)

        @app.get("/async")
        async def async_route():
            time.sleep(1)
        """,
    )
    assert codes(findings) == [("FL101", 12)]


def test_async_method_and_dependency(tmp_path: Path) -> None:
    findings = lint_one(
        tmp_path,
        """\
        import sqlite3
        from fastapi import Depends

        async def get_db():
            connection = sqlite3.connect("app.db")
            yield connection

        class Repository:
            async def load(self):
                return open("rows.json").read()
        """,
    )
    assert codes(findings) == [("FL101", 5), ("FL101", 10)]


def test_file_without_async_is_not_parsed(tmp_path: Path) -> None:
    assert BlockingCallInAsync.triggers == ("async",)
    assert lint_one(tmp_path, "import time\n\ndef f():\n    time.sleep(1)\n") == []


def test_extend_blocking_calls(tmp_path: Path) -> None:
    findings = lint(
        tmp_path,
        {
            "app.py": """\
            import boto3
            from legacy import fetch_all as everything

            async def handler(client: boto3.Client):
                everything()
                client.download_file("bucket", "key", "dest")
            """,
        },
        options={"extend-blocking-calls": ["legacy.fetch_all", "boto3.Client.download_file"]},
    )
    assert codes(findings) == [("FL101", 5), ("FL101", 6)]
    assert "extend-blocking-calls" in findings[0].message


def test_module_level_client_imported_from_another_module(tmp_path: Path) -> None:
    findings = lint(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/clients.py": "import redis\nimport httpx\n\ncache = redis.Redis()\n"
            "http = httpx.Client()\n",
            "pkg/routes.py": """\
            from pkg.clients import cache, http

            async def handler():
                cache.set("k", "v")
                http.get("https://x")
            """,
        },
    )
    assert codes(findings) == [("FL101", 4), ("FL101", 5)]


# --- FL101: the fix --------------------------------------------------------------------------


def fixed(tmp_path: Path, code: str) -> str:
    write_tree(tmp_path, {"app.py": textwrap.dedent(code)})
    lint_tree(tmp_path, [BlockingCallInAsync], fix=True)
    return (tmp_path / "app.py").read_text(encoding="utf-8")


def test_fix_in_generator_expression_is_not_offered(tmp_path: Path) -> None:
    code = """\
    import time

    async def handler(items):
        return sum(time.sleep(i) or 1 for i in items)
    """
    findings = lint_one(tmp_path, code)
    assert [f.code for f in findings] == ["FL101"] and findings[0].fix is None


def test_fix_is_not_offered_when_asyncio_means_something_else(tmp_path: Path) -> None:
    code = """\
    import time
    import trio as asyncio

    async def handler():
        time.sleep(1)
    """
    findings = lint_one(tmp_path, code)
    assert [f.code for f in findings] == ["FL101"] and findings[0].fix is None


def test_fix_keeps_the_import_once(tmp_path: Path) -> None:
    result = fixed(
        tmp_path,
        """\
        import time

        async def one():
            time.sleep(1)

        async def two():
            time.sleep(2)
        """,
    )
    assert result.count("import asyncio") == 1
    assert "await asyncio.sleep(1)" in result and "await asyncio.sleep(2)" in result


# --- FL102 -----------------------------------------------------------------------------------

THREE_MODULES = {
    "app/__init__.py": "",
    "app/clients.py": """\
        import requests

        def fetch_profile(user_id):
            return requests.get(f"https://x/{user_id}", timeout=5).json()
        """,
    "app/services.py": """\
        from app.clients import fetch_profile as load_profile

        def build_report(user_id):
            return {"profile": load_profile(user_id)}
        """,
    "app/routes.py": """\
        from fastapi import APIRouter
        from app import services

        router = APIRouter()

        @router.get("/report/{user_id}")
        async def report(user_id: int):
            return services.build_report(user_id)

        @router.get("/sync/{user_id}")
        def sync_report(user_id: int):
            return services.build_report(user_id)
        """,
}


def test_chain_across_three_modules(tmp_path: Path) -> None:
    findings = lint(tmp_path, THREE_MODULES)
    assert [(f.path, f.code, f.line) for f in findings] == [("app/routes.py", "FL102", 8)]
    message = findings[0].message
    assert "build_report() → fetch_profile() → requests.get()" in message
    assert "app.clients, line 4" in message


def test_offloaded_helpers_are_fine(tmp_path: Path) -> None:
    files = dict(THREE_MODULES)
    files["app/routes.py"] = """\
        import asyncio
        import anyio
        from fastapi import BackgroundTasks
        from starlette.concurrency import run_in_threadpool
        from app.services import build_report

        async def report(user_id: int, background_tasks: BackgroundTasks):
            await asyncio.to_thread(build_report, user_id)
            await run_in_threadpool(build_report, user_id)
            await asyncio.get_running_loop().run_in_executor(None, build_report, user_id)
            await anyio.to_thread.run_sync(build_report, user_id)
            background_tasks.add_task(build_report, user_id)
            await asyncio.to_thread(lambda: build_report(user_id))
        """
    assert lint(tmp_path, files) == []


def test_methods_on_self_and_constructors(tmp_path: Path) -> None:
    findings = lint_one(
        tmp_path,
        """\
        import subprocess
        import time

        class Deployer:
            def __init__(self):
                self._wait()

            def _wait(self):
                time.sleep(5)

            def _run(self, command):
                return self._shell(command)

            def _shell(self, command):
                return subprocess.run(command, check=True)

            async def deploy(self):
                self._run(["make"])

        async def create():
            return Deployer()
        """,
    )
    assert codes(findings) == [("FL102", 18), ("FL102", 21)]
    assert "Deployer._run() → Deployer._shell() → subprocess.run()" in findings[0].message
    assert "Deployer.__init__() → Deployer._wait() → time.sleep()" in findings[1].message


def test_inherited_method_and_external_base(tmp_path: Path) -> None:
    findings = lint_one(
        tmp_path,
        """\
        import httpx

        class Base:
            def load(self):
                return open("x").read()

        class Child(Base):
            pass

        class Api(httpx.Client):
            def profile(self):
                return self.get("/profile")

        async def handler(api: Api):
            Child().load()
            api.profile()
        """,
    )
    assert codes(findings) == [("FL102", 15), ("FL102", 16)]
    assert "httpx.Client.get()" in findings[1].message


def test_nested_sync_helper_called_in_coroutine(tmp_path: Path) -> None:
    findings = lint_one(
        tmp_path,
        """\
        import requests

        async def handler():
            def work():
                return requests.get("x", timeout=5)
            return work()
        """,
    )
    assert codes(findings) == [("FL102", 6)]


def test_recursion_cycles_terminate(tmp_path: Path) -> None:
    findings = lint_one(
        tmp_path,
        """\
        import time

        def ping(n):
            return pong(n - 1) if n else 0

        def pong(n):
            return ping(n)

        def even(n):
            return odd(n - 1) if n else time.sleep(0)

        def odd(n):
            return even(n - 1)

        async def handler():
            ping(3)
            even(4)
            odd(3)
        """,
    )
    assert codes(findings) == [("FL102", 17), ("FL102", 18)]
    assert "odd() → even() → time.sleep()" in findings[1].message


def test_cached_helpers_and_awaited_calls_are_fine(tmp_path: Path) -> None:
    findings = lint_one(
        tmp_path,
        """\
        import functools
        from asgiref.sync import sync_to_async

        _CONFIG = None

        @functools.lru_cache(maxsize=None)
        def settings():
            return open("settings.json").read()

        def config():
            global _CONFIG
            if _CONFIG is not None:
                return _CONFIG
            _CONFIG = open("config.json").read()
            return _CONFIG

        _STORE = None

        def store():
            global _STORE
            if _STORE is None:
                _STORE = open("store.json").read()
            return _STORE

        @sync_to_async
        def load():
            return open("data.json").read()

        async def handler():
            settings()
            config()
            store()
            await load()
        """,
    )
    assert findings == []


def test_async_helpers_and_pure_helpers_are_not_followed(tmp_path: Path) -> None:
    findings = lint_one(
        tmp_path,
        """\
        import asyncio
        import time

        async def tick():
            time.sleep(1)

        def total(values):
            return sum(values)

        async def handler():
            asyncio.create_task(tick())
            return total([1, 2])
        """,
    )
    assert codes(findings) == [("FL101", 5)]


def test_blocking_call_not_reported_twice(tmp_path: Path) -> None:
    findings = lint_one(
        tmp_path,
        "import time\n\nasync def handler():\n    time.sleep(1)\n",
    )
    assert [f.code for f in findings] == ["FL101"]


def test_extend_blocking_calls_applies_to_chains(tmp_path: Path) -> None:
    findings = lint(
        tmp_path,
        {
            "app.py": """\
            import legacy

            def sync_all():
                legacy.fetch_all()

            async def handler():
                sync_all()
            """,
        },
        options={"extend-blocking-calls": ["legacy.fetch_all"]},
    )
    assert codes(findings) == [("FL102", 7)]
    assert "sync_all() → legacy.fetch_all()" in findings[0].message


def test_shadowed_name_in_helper_is_not_blocking(tmp_path: Path) -> None:
    findings = lint_one(
        tmp_path,
        """\
        import requests

        def helper(requests):
            return requests.get("x")

        def other():
            requests = {}
            return requests.get("x")

        async def handler():
            helper({})
            other()
        """,
    )
    assert findings == []


def test_suppressing_a_helper_cuts_the_chain_for_every_caller(tmp_path: Path) -> None:
    findings = lint(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/boot.py": """\
            import subprocess
            import time

            def start_server():  # noqa: FL102
                subprocess.run(["server"])

            def wait_ready():
                time.sleep(1)  # fastlint: ignore[FL101]

            def warm():
                time.sleep(1)  # noqa: E501
            """,
            "pkg/routes.py": """\
            from pkg.boot import start_server, wait_ready, warm

            async def one():
                start_server()
                wait_ready()
                warm()
            """,
        },
    )
    assert [(f.path, f.code, f.line) for f in findings] == [("pkg/routes.py", "FL102", 6)]


def test_function_facts_are_picklable_and_skip_nested_code() -> None:
    facts = extract_facts(
        "/tmp/module.py",
        textwrap.dedent(
            """\
            import requests

            def outer():
                def inner():
                    requests.get("x")
                callback = lambda: requests.post("x")
                return inner, callback
            """
        ),
    )
    restored = pickle.loads(pickle.dumps(facts))
    assert [c[0] for c in restored.callables["outer"].calls] == []
    assert [c[0] for c in restored.callables["outer.<locals>.inner"].calls] == ["requests.get"]


def test_self_referencing_locals_do_not_loop() -> None:
    facts = extract_facts(
        "/tmp/module.py",
        textwrap.dedent(
            """\
            def clean(text):
                value = value.strip()
                client = client.session()
                client.get("x")
                return value
            """
        ),
    )
    assert "clean" in facts.callables


def test_lambda_returning_lambda_keeps_scopes_balanced(tmp_path: Path) -> None:
    findings = lint_one(
        tmp_path,
        """\
        import time

        FACTORIES = {"a": lambda: lambda x: x}

        async def handler():
            time.sleep(1)
        """,
    )
    assert codes(findings) == [("FL101", 6)]


def test_sync_generators_block_only_where_they_are_iterated(tmp_path: Path) -> None:
    findings = lint_one(
        tmp_path,
        """\
        from contextlib import contextmanager
        from starlette.responses import StreamingResponse

        def chunks(path):
            with open(path, "rb") as handle:
                yield from handle

        @contextmanager
        def locked(path):
            handle = open(path)
            yield handle

        async def download(path):
            return StreamingResponse(chunks(path))

        async def count(path):
            total = 0
            for chunk in chunks(path):
                total += len(chunk)
            with locked(path):
                pass
            return total + sum(len(c) for c in chunks(path))
        """,
    )
    assert codes(findings) == [("FL102", 18), ("FL102", 20), ("FL102", 22)]


def test_cli_reports_the_chain_and_fixes_sleep(tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    files = dict(THREE_MODULES)
    files["app/wait.py"] = "import time\n\nasync def pause():\n    time.sleep(1)\n"
    write_tree(tmp_path, {name: textwrap.dedent(text) for name, text in files.items()})
    command = [sys.executable, "-m", "fastlint", "--select", "FL1", "--format", "json"]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert result.returncode == 1, result.stderr
    found = {(f["path"], f["code"]): f for f in json.loads(result.stdout)}
    assert set(found) == {("app/routes.py", "FL102"), ("app/wait.py", "FL101")}
    assert (
        "build_report() → fetch_profile() → requests.get()"
        in found[("app/routes.py", "FL102")]["message"]
    )
    fixed = subprocess.run(
        [*command, "--fix"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert fixed.returncode == 1  # the FL102 finding has no fix
    assert "await asyncio.sleep(1)" in (tmp_path / "app/wait.py").read_text(encoding="utf-8")


def test_relative_imports_inside_functions(tmp_path: Path) -> None:
    findings = lint(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/sub/__init__.py": "",
            "pkg/io.py": "def read():\n    return open('x').read()\n",
            "pkg/sub/service.py": """\
            def load():
                from ..io import read
                return read()
            """,
            "pkg/sub/routes.py": """\
            from .service import load

            async def handler():
                from ..io import read
                return read(), load()
            """,
        },
    )
    assert [(f.path, f.code, f.line, f.column) for f in findings] == [
        ("pkg/sub/routes.py", "FL102", 5, 12),
        ("pkg/sub/routes.py", "FL102", 5, 20),
    ]
    assert "load() → read() → open()" in findings[1].message


CHAINS = """\
import time

def top():
    longer()
    shorter()

def longer():
    deeper()

def deeper():
    time.sleep(1)

def shorter():
    time.sleep(1)
"""


def test_chain_does_not_depend_on_earlier_questions() -> None:
    """The chain a finding names is the same whatever was asked before (files checked earlier
    in this process or in another worker): a memoized chain is no shortcut."""
    index = ProjectIndex([extract_facts("m.py", CHAINS, name="m")])
    fresh = _new_blocking_graph(index, frozenset()).chain("m.top")
    primed = _new_blocking_graph(index, frozenset())
    assert primed.chain("m.longer") is not None
    assert primed.chain("m.top") == fresh
    assert fresh is not None and [step.callee for step in fresh] == ["shorter", "time.sleep"]


def test_names_written_after_a_name_and_a_dot() -> None:
    words = _FileWords(
        "import os\n"
        "os.path.join(a, b)\n"
        "pos.system()  # another word\n"
        "os . # a comment\n  getcwd()\n"
        "os.os.system(x)\n",
        around=_FileWords("x = os.environ\n"),
    )
    assert words.after("os") == {"path", "getcwd", "os", "system", "environ"}
    assert words.after("path") == {"join"} and words.after("time") == frozenset()
