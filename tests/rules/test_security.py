"""FL402 cors-wildcard-with-credentials, FL403 hardcoded-secret, FL404 debug-enabled."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fastlint.rules.security import (
    _SECRET_TARGET_RE,
    CorsWildcardWithCredentials,
    DebugEnabled,
    HardcodedSecret,
    _secret_targets,
    is_secret_name,
    looks_like_secret,
)
from tests.helpers import lint_tree, write_tree


def _lines(tmp_path: Path, rule: type, files: dict[str, str]) -> list[tuple[str, int]]:
    write_tree(tmp_path, files)
    return [(f.path, f.line) for f in lint_tree(tmp_path, [rule])]


# --- FL402 ---------------------------------------------------------------------------------

CORS = "from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\n"


@pytest.mark.parametrize(
    "call",
    [
        'app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True)',
        'app.add_middleware(CORSMiddleware, allow_origins="*", allow_credentials=True)',
        'app.add_middleware(CORSMiddleware, allow_origins=("*",), allow_credentials=True)',
        'app.add_middleware(CORSMiddleware, allow_origins=["*"] + EXTRA, allow_credentials=True)',
        'app.add_middleware(CORSMiddleware, allow_origin_regex="^.*$", allow_credentials=True)',
        'app.add_middleware(CORSMiddleware, allow_origin_regex=".+", allow_credentials=True)',
        'wrapped = CORSMiddleware(app, allow_origins=["*"], allow_credentials=True)',
        "app.add_middleware(CORSMiddleware, allow_origins=ORIGINS, allow_credentials=True)",
        "app.add_middleware(CORSMiddleware, allow_origins=[*ORIGINS], allow_credentials=True)",
    ],
)
def test_fl402_positive(tmp_path: Path, call: str) -> None:
    code = CORS + 'ORIGINS = ["*"]\nEXTRA = []\napp = FastAPI()\n' + call + "\n"
    assert _lines(tmp_path, CorsWildcardWithCredentials, {"main.py": code}) == [("main.py", 6)]


def test_fl402_constant_in_function_and_middleware_list(tmp_path: Path) -> None:
    code = (
        "from starlette.middleware import Middleware\n"
        "from starlette.middleware.cors import CORSMiddleware\n"
        "def build():\n"
        '    origins = ["https://a.example", "*"]\n'
        "    return [Middleware(CORSMiddleware, allow_origins=origins, allow_credentials=True)]\n"
    )
    assert _lines(tmp_path, CorsWildcardWithCredentials, {"main.py": code}) == [("main.py", 5)]


def test_fl402_project_subclass_of_cors_middleware(tmp_path: Path) -> None:
    files = {
        "cors.py": (
            "from starlette.middleware.cors import CORSMiddleware\n"
            "class AppCORS(CORSMiddleware): ...\n"
        ),
        "main.py": (
            "from cors import AppCORS\n"
            "app.add_middleware(AppCORS, allow_origins=['*'], allow_credentials=True)\n"
        ),
    }
    assert _lines(tmp_path, CorsWildcardWithCredentials, files) == [("main.py", 2)]


@pytest.mark.parametrize(
    "call",
    [
        'app.add_middleware(CORSMiddleware, allow_origins=["*"])',
        'app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=False)',
        'app.add_middleware(CORSMiddleware, allow_origins=["https://a.example"], '
        "allow_credentials=True)",
        'app.add_middleware(CORSMiddleware, allow_origin_regex=r"https://.*\\.example\\.com", '
        "allow_credentials=True)",
        "app.add_middleware(CORSMiddleware, allow_origins=settings.origins, "
        "allow_credentials=True)",
        "app.add_middleware(CORSMiddleware, allow_origins=ORIGINS, allow_credentials=CRED)",
        'app.add_middleware(GZipMiddleware, allow_origins=["*"], allow_credentials=True)',
        'app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=settings.c)',
    ],
)
def test_fl402_negative(tmp_path: Path, call: str) -> None:
    code = (
        CORS
        + "from fastapi.middleware.gzip import GZipMiddleware\n"
        + 'ORIGINS = ["https://a.example"]\nCRED = False\napp = FastAPI()\n'
        + call
        + "\n"
    )
    assert _lines(tmp_path, CorsWildcardWithCredentials, {"main.py": code}) == []


# --- FL403 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("SECRET_KEY", True),
        ("JWT_SECRET", True),
        ("api_key", True),
        ("openaiApiKey", True),
        ("db_password", True),
        ("GITHUB_TOKEN", True),
        ("client_secret", True),
        ("token_url", False),
        ("tokenUrl", False),
        ("password_field", False),
        ("TOKEN_TYPE", False),
        ("ACCESS_TOKEN_EXPIRE_MINUTES", False),
        ("max_tokens", False),
        ("cache_key", False),
        ("password_hash", False),
        ("_LEGACY_DEFAULT_ADMIN_PASSWORD", False),
    ],
)
def test_secret_names(name: str, expected: bool) -> None:
    assert is_secret_name(name) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7", True),
        ("t0p-s3cr3t", True),
        ("sk-proj-4f8a9b2c7d1e", True),
        ("", False),
        ("abc123", False),  # too short to matter
        ("changeme", False),
        ("change-me-in-production-42", False),
        ("your-secret-key-here1", False),
        ("<api-key>", False),
        ("${API_KEY}", False),
        ("OPENAI_API_KEY", False),  # an environment variable's name
        ("access_token", False),
        ("X-API-Key", False),
        ("urn:ietf:params:oauth:token-type:access_token", False),
        ("https://example.com/token", False),
        ("/run/secrets/db_password", False),
        ("Invalid password, try again", False),
        ("xxxxxxxxxxxx", False),
    ],
)
def test_secret_values(value: str, expected: bool) -> None:
    assert looks_like_secret(value) is expected


@pytest.mark.parametrize(
    "code",
    [
        'SECRET_KEY = "a9f3c2d17e5b48c0"\n',
        'settings.secret_key = "a9f3c2d17e5b48c0"\n',
        "class Settings:\n    def __init__(self):\n        self.api_key = 'a9f3c2d17e5b48c0'\n",
        'import os\nDB_PASSWORD = os.environ.get("DB_PASSWORD", default="Welcome1234")\n',
        'import os\nDB_PASSWORD = os.environ.get("DB_PASSWORD") or "Welcome1234"\n',
        'connect(host="db", password="Welcome1234")\n',
        'from jose import jwt\njwt.decode(token, key="secret", algorithms=["HS256"])\n',
        'import jwt as pyjwt\npyjwt.encode({}, "k", algorithm="HS256")\n',
    ],
)
def test_fl403_positive(tmp_path: Path, code: str) -> None:
    assert len(_lines(tmp_path, HardcodedSecret, {"app/config.py": code})) == 1


@pytest.mark.parametrize(
    "code",
    [
        'import os\nSECRET_KEY = os.getenv("SECRET_KEY", "")\n',
        'import os\nSECRET_KEY = os.getenv("SECRET_KEY", "changeme")\n',
        'SECRET_KEY: str\nAPI_KEY = None\nTOKEN = ""\n',
        'OAUTH_TOKEN_URL = "https://auth.example.com/token"\n',
        "from enum import Enum\nclass Kind(Enum):\n    API_KEY = 'api-key-v2'\n",
        'import jwt\njwt.decode(token, options={"verify_signature": False})\n',
        'import jwt\njwt.decode(token, settings.key, algorithms=["HS256"])\n',
        'login(username="admin", password=form.password)\n',
        'tokenizer = load(token_type="bpe-2048")\n',
    ],
)
def test_fl403_negative(tmp_path: Path, code: str) -> None:
    assert _lines(tmp_path, HardcodedSecret, {"app/config.py": code}) == []


@pytest.mark.parametrize(
    "path",
    [
        "tests/test_auth.py",
        "app/tests/factories.py",
        "test_login.py",
        "conftest.py",
        "auth_test.py",
    ],
)
def test_fl403_skips_test_files(tmp_path: Path, path: str) -> None:
    code = 'import jwt\nSECRET_KEY = "a9f3c2d17e5b48c0"\njwt.encode({}, "k")\n'
    assert _lines(tmp_path, HardcodedSecret, {path: code}) == []


# --- FL404 ---------------------------------------------------------------------------------


def test_fl404_project_subclass_from_another_module(tmp_path: Path) -> None:
    files = {
        "core/__init__.py": "",
        "core/app.py": "from fastapi import FastAPI\nclass App(FastAPI): ...\n",
        "main.py": "from core.app import App\napp = App(debug=True)\n",
    }
    write_tree(tmp_path, files)
    [finding] = lint_tree(tmp_path, [DebugEnabled])
    assert (finding.path, finding.line) == ("main.py", 2)
    assert finding.fix is not None
    lint_tree(tmp_path, [DebugEnabled], fix=True)
    assert (tmp_path / "main.py").read_text() == "from core.app import App\napp = App()\n"


@pytest.mark.parametrize(
    "code",
    [
        "from fastapi import FastAPI\napp = FastAPI(debug=False)\n",
        "from fastapi import FastAPI\napp = FastAPI(debug=settings.debug)\n",
        "from fastapi import FastAPI\napp = FastAPI(debug=DEBUG)\n",
        "import uvicorn\nuvicorn.Config(app, debug=True)\n",
        "def make(FastAPI):\n    return FastAPI(debug=True)\n",
        "from fastapi import FastAPI\nFastAPI = dict\napp = FastAPI(debug=True)\n",
    ],
)
def test_fl404_negative(tmp_path: Path, code: str) -> None:
    assert _lines(tmp_path, DebugEnabled, {"main.py": code}) == []


def test_security_rules_are_marked_for_sarif() -> None:
    assert HardcodedSecret.security and CorsWildcardWithCredentials.security
    assert DebugEnabled.security


def test_fl404_skips_test_files(tmp_path: Path) -> None:
    code = "from fastapi import FastAPI\napp = FastAPI(debug=True)\n"
    files = {"tests/test_app.py": code, "conftest.py": code, "app/main.py": code}
    assert _lines(tmp_path, DebugEnabled, files) == [("app/main.py", 2)]


def test_fl404_fix_through_the_cli(tmp_path: Path) -> None:
    write_tree(tmp_path, {"main.py": "from fastapi import FastAPI\napp = FastAPI(debug=True)\n"})
    command = [sys.executable, "-m", "fastlint", "check", ".", "--select", "FL404"]
    before = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    assert before.returncode == 1 and "FL404" in before.stdout
    fixed = subprocess.run([*command, "--fix"], cwd=tmp_path, capture_output=True, text=True)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert (tmp_path / "main.py").read_text() == "from fastapi import FastAPI\napp = FastAPI()\n"


@pytest.mark.parametrize(
    "text",
    [
        'API_KEY = "abc"\nmy_token_ : str = 1\nKeyToken= 2\nx.secret_key == 1\nsecret_=(1)\n',
        "tokénkey=1\nσecret=2\nΣECRET_KEY =3\nPASSWORD  # the admin's\n  = 'x'\n",
        "İ = 1\nDB_PASSWORD = 'hunter22'\n",  # lowercases to two characters: the slow path
    ],
)
def test_secret_targets_are_the_full_patterns_matches(text: str) -> None:
    expected = [(m.group(1), m.group(2), m.end()) for m in _SECRET_TARGET_RE.finditer(text)]
    assert expected and list(_secret_targets(text)) == expected
