"""Screens (`Rule.could_fire`): False on files that cannot have a finding, True on tricky ones."""

from __future__ import annotations

from pathlib import Path

from fastlint.engine.checker import applicable_rules
from fastlint.engine.project import ProjectIndex, extract_facts
from fastlint.rules.blocking import BlockingCallInAsync, TransitiveBlockingCall


def _index(tmp_path: Path, files: dict[str, str]) -> ProjectIndex:
    index = ProjectIndex()
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        index.add(extract_facts(str(path), text, name=name[:-3].replace("/", ".")))
    return index


def _fires(rule: type, tmp_path: Path, files: dict[str, str], name: str) -> bool:
    index = _index(tmp_path, files)
    facts = index.facts_for_path(str(tmp_path / name))
    return bool(rule.could_fire(files[name], facts, index))


UNRELATED = """\
import asyncio
import os.path

async def handler(items):
    await asyncio.sleep(1)
    return {"system": os.path.join("a", "b"), "items": items.get("x")}
"""


def test_fl101_screen_drops_unrelated_file(tmp_path: Path) -> None:
    assert not _fires(BlockingCallInAsync, tmp_path, {"m.py": UNRELATED}, "m.py")
    no_coroutine = "import time\n\ndef f():\n    time.sleep(1)\n"
    assert not _fires(BlockingCallInAsync, tmp_path, {"s.py": no_coroutine}, "s.py")


def test_fl101_screen_keeps_aliases_and_multiline_calls(tmp_path: Path) -> None:
    cases = {
        "a.py": "from time import sleep as nap\n\nasync def f():\n    nap(1)\n",
        "b.py": "import time as t\n\nasync def f():\n    (t\n     .sleep(1))\n",
        "c.py": "async def f():\n    with open (\n        'x'\n    ) as h:\n        pass\n",
        "d.py": "async def f(c):\n    import requests\n    requests.get(c)\n",
        "e.py": (
            "async def f():\n    from time import (\n        sleep as nap,\n    )\n    nap(1)\n"
        ),
    }
    for name in cases:
        assert _fires(BlockingCallInAsync, tmp_path, cases, name), name


def test_fl101_screen_follows_project_objects_and_reexports(tmp_path: Path) -> None:
    files = {
        "app/__init__.py": "",
        "app/clients.py": (
            "import redis\nimport requests\ncache = redis.Redis()\nhttp = requests.Session()\n"
        ),
        "app/compat.py": "from time import sleep as pause\n",
        "app/base.py": "import httpx\nclass Api(httpx.Client):\n    pass\n",
        "r1.py": "from app.clients import cache\n\nasync def f():\n    cache.hgetall('k')\n",
        "r2.py": "from app import clients\n\nasync def f():\n    clients.http.post('u')\n",
        "r3.py": "from app.compat import pause\n\nasync def f():\n    pause(1)\n",
        "r4.py": (
            "from app.base import Api\n\nclass Mine(Api):\n"
            "    async def f(self):\n        self.get('u')\n"
        ),
    }
    for name in ("r1.py", "r2.py", "r3.py", "r4.py"):
        assert _fires(BlockingCallInAsync, tmp_path, files, name), name


def test_fl101_screen_off_when_blocking_calls_are_configured(tmp_path: Path) -> None:
    index = _index(tmp_path, {"m.py": UNRELATED})
    path = str(tmp_path / "m.py")
    options = {"extend-blocking-calls": ("mylib.slow",)}
    assert BlockingCallInAsync not in applicable_rules(
        [BlockingCallInAsync], UNRELATED, "python", index, path
    )
    assert BlockingCallInAsync in applicable_rules(
        [BlockingCallInAsync], UNRELATED, "python", index, path, options
    )


def test_fl102_screen(tmp_path: Path) -> None:
    files = {
        "app/__init__.py": "from app.services import build_report as report_builder\n",
        "app/services.py": """\
import subprocess

def fetch_profile(user_id):
    return subprocess.run(["x", user_id])

def build_report(user_id):
    return fetch_profile(user_id)

class Deployer:
    def __init__(self):
        subprocess.run(["make"])
""",
        "unrelated.py": UNRELATED,
        "alias.py": "from app import report_builder as r\n\nasync def f():\n    r(1)\n",
        "cls.py": "from app.services import Deployer as D\n\nasync def f():\n    D()\n",
        "direct.py": (
            "from app.services import build_report\n\nasync def f():\n    build_report(1)\n"
        ),
    }
    assert not _fires(TransitiveBlockingCall, tmp_path, files, "unrelated.py")
    for name in ("alias.py", "cls.py", "direct.py"):
        assert _fires(TransitiveBlockingCall, tmp_path, files, name), name
