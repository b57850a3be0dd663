from __future__ import annotations

from typing import Optional

import libcst as cst
import pytest

from fastlint.engine.checker import check_source
from fastlint.engine.findings import Severity
from fastlint.engine.project import ProjectIndex
from fastlint.engine.rule import Rule
from fastlint.engine.source import SourceFile


class RecordCalls(Rule):
    """Test rule: reports every call with the qualified name of its callee."""

    code = "FL999"
    name = "record-calls"
    severity = Severity.INFO
    summary = "test"
    docs = ""

    def visit_Call(self, node: cst.Call) -> None:
        self.report(node, str(self.context.qualified_name(node.func)))


def resolved(code: str, module_name: str = "pkg.mod") -> list[Optional[str]]:
    source = SourceFile("x.py", "x.py", code)
    findings = check_source(source, [RecordCalls], ProjectIndex(), {}, module_name=module_name)
    return [f.message for f in findings]


@pytest.mark.parametrize(
    "code, expected",
    [
        ("import time\ntime.sleep(1)\n", "time.sleep"),
        ("from time import sleep as snooze\nsnooze(1)\n", "time.sleep"),
        ("import requests as r\nr.get('x')\n", "requests.get"),
        ("import os.path\nos.path.join('a')\n", "os.path.join"),
        ("import urllib.request as ur\nur.urlopen('x')\n", "urllib.request.urlopen"),
        ("open('x')\n", "builtins.open"),
        ("from . import helpers\nhelpers.run()\n", "pkg.helpers.run"),
        ("from ..core import run\nrun()\n", "core.run"),
        ("def local():\n    pass\nlocal()\n", "pkg.mod.local"),
    ],
)
def test_imports_and_aliases(code: str, expected: str) -> None:
    assert resolved(code)[-1] == expected


def test_local_assignment_shadows_import() -> None:
    code = "import requests\n\ndef f():\n    requests = []\n    requests.append(1)\n"
    assert resolved(code) == ["None"]


def test_parameter_shadows_import() -> None:
    code = "import requests\n\ndef f(requests):\n    requests.get('x')\n"
    assert resolved(code) == ["None"]


def test_module_level_rebinding_shadows_import() -> None:
    assert resolved("import requests\nrequests = None\nrequests.get('x')\n") == ["None"]


def test_shadowing_is_per_function() -> None:
    code = (
        "import requests\n\n"
        "def a():\n    requests = []\n    requests.pop()\n\n"
        "def b():\n    requests.get('x')\n"
    )
    assert resolved(code) == ["None", "requests.get"]


def test_global_declaration_refers_to_module() -> None:
    code = "import requests\n\ndef f():\n    global requests\n    requests.get('x')\n"
    assert resolved(code) == ["requests.get"]


def test_class_scope_is_not_visible_from_methods() -> None:
    code = (
        "import requests\n\n"
        "class C:\n    requests = None\n\n    def m(self):\n        requests.get('x')\n"
    )
    assert resolved(code) == ["requests.get"]


def test_import_inside_function() -> None:
    code = "def f():\n    import requests as rq\n    rq.post('x')\n"
    assert resolved(code) == ["requests.post"]


def test_alternative_imports_resolve_to_first() -> None:
    code = "try:\n    import ujson as json\nexcept ImportError:\n    import json\njson.loads('1')\n"
    assert resolved(code) == ["ujson.loads"]


def test_lambda_parameter_shadows() -> None:
    assert resolved("import os\nf = lambda os: os.system('x')\n") == ["None"]


def test_decorator_resolves_in_enclosing_scope() -> None:
    code = "import app\n\n@app.route()\ndef f(app):\n    pass\n"
    assert resolved(code) == ["app.route"]


@pytest.mark.parametrize(
    "code",
    [
        # Bindings made by statements, in a file without `:=` (expressions are not entered).
        "import time\nwith open('x') as time:\n    time.sleep(1)\n",
        "import time\nfor time in range(3):\n    time.sleep(1)\n",
        "import time\ntry:\n    pass\nexcept E as time:\n    time.sleep(1)\n",
        "import time\ntime: int = 3\ntime.sleep(1)\n",
        # `:=` deep inside an expression still binds.
        "import time\nif [(time := 3)]:\n    time.sleep(1)\n",
    ],
)
def test_rebinding_shadows_the_import(code: str) -> None:
    assert resolved(code)[-1] == "None"
