"""FL501 validation-error-handler, FL502 pydantic-v1-api, FL503 asyncclient-app-argument."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import pytest

from fastlint.engine.findings import Applicability, Finding
from fastlint.engine.rule import Rule
from fastlint.engine.runner import RunOptions, run
from fastlint.rules import load_rules
from fastlint.rules.lifecycle import OnEventDeprecated
from fastlint.rules.migrations import (
    AsyncClientAppArgument,
    PydanticV1Api,
    ValidationErrorHandler,
)
from tests.helpers import lint_tree, write_tree

V2 = "from pydantic import ConfigDict\n"  # a module that marks the project as on Pydantic 2


def findings(
    tmp_path: Path, rule: type[Rule], files: dict[str, str], path: Optional[str] = None
) -> list[Finding]:
    write_tree(tmp_path, files)
    found = [f for f in lint_tree(tmp_path, [rule]) if f.code == rule.code]
    return [f for f in found if path is None or f.path == path]


def fixed(tmp_path: Path, rule: type[Rule], code: str, *, unsafe: bool = True) -> str:
    write_tree(tmp_path, {"main.py": code})
    lint_tree(tmp_path, [rule], fix=True, unsafe=unsafe)
    return (tmp_path / "main.py").read_text(encoding="utf-8")


# --- FL501 -----------------------------------------------------------------------------------

HANDLER_APP = """\
from fastapi import FastAPI
{imports}
app = FastAPI()

{registration}
"""


@pytest.mark.parametrize(
    ("imports", "registration"),
    [
        ("from pydantic import ValidationError", "app.add_exception_handler(ValidationError, h)"),
        ("from pydantic import ValidationError as VE", "@app.exception_handler(VE)\ndef h(): ..."),
        ("import pydantic", "app.add_exception_handler(pydantic.ValidationError, h)"),
        ("import pydantic_core", "app.add_exception_handler(pydantic_core.ValidationError, h)"),
        (
            "from pydantic.error_wrappers import ValidationError",
            "app.add_exception_handler(ValidationError, h)",
        ),
        (
            "from pydantic import ValidationError",
            "other = FastAPI(exception_handlers={ValidationError: h})",
        ),
    ],
)
def test_fl501_finds_validation_error_handlers(
    tmp_path: Path, imports: str, registration: str
) -> None:
    code = HANDLER_APP.format(imports=imports, registration=registration)
    assert len(findings(tmp_path, ValidationErrorHandler, {"main.py": code})) == 1


@pytest.mark.parametrize(
    ("imports", "registration"),
    [
        # Also a handler for request validation errors: this one is for the app's own errors.
        (
            "from pydantic import ValidationError\n"
            "from fastapi.exceptions import RequestValidationError",
            "app.add_exception_handler(ValidationError, h)\n"
            "app.add_exception_handler(RequestValidationError, h)",
        ),
        (
            "from pydantic import ValidationError\nfrom fastapi import RequestValidationError",
            "@app.exception_handler(RequestValidationError)\n"
            "@app.exception_handler(ValidationError)\n"
            "def h(): ...",
        ),
        (
            "from marshmallow import ValidationError",
            "app.add_exception_handler(ValidationError, h)",
        ),
        (
            "from pydantic import ValidationError",
            "errors.add_exception_handler(ValidationError, h)",
        ),
        ("from pydantic import BaseModel", "app.add_exception_handler(ValueError, h)"),
        # A local class shadows the import.
        (
            "from pydantic import ValidationError",
            "class ValidationError(Exception): ...\napp.add_exception_handler(ValidationError, h)",
        ),
    ],
)
def test_fl501_leaves_other_handlers_alone(tmp_path: Path, imports: str, registration: str) -> None:
    code = HANDLER_APP.format(imports=imports, registration=registration)
    assert findings(tmp_path, ValidationErrorHandler, {"main.py": code}) == []


def test_fl501_follows_an_app_imported_from_another_module(tmp_path: Path) -> None:
    files = {
        "pkg/__init__.py": "",
        "pkg/app.py": "from fastapi import FastAPI\napp = FastAPI()\n",
        "pkg/errors.py": (
            "from pydantic import ValidationError\n"
            "from pkg.app import app\n\n"
            "@app.exception_handler(ValidationError)\n"
            "async def h(request, exc): ...\n"
        ),
    }
    [finding] = findings(tmp_path, ValidationErrorHandler, files)
    assert finding.path == "pkg/errors.py"
    assert "RequestValidationError" in finding.message
    assert finding.fix is not None and finding.fix.applicability is Applicability.UNSAFE


def test_fl501_fix_is_unsafe_and_needs_the_flag(tmp_path: Path) -> None:
    code = HANDLER_APP.format(
        imports="from pydantic import ValidationError",
        registration="app.add_exception_handler(ValidationError, print)",
    )
    assert fixed(tmp_path, ValidationErrorHandler, code, unsafe=False) == code


def test_fl501_no_fix_when_the_name_means_something_else(tmp_path: Path) -> None:
    code = HANDLER_APP.format(
        imports="from pydantic import ValidationError\nfrom errors import RequestValidationError",
        registration="app.add_exception_handler(ValidationError, print)",
    )
    [finding] = findings(tmp_path, ValidationErrorHandler, {"main.py": code})
    assert finding.fix is None


# --- FL503 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        "import httpx\nc = httpx.AsyncClient(app=app)\n",
        "import httpx as hx\nc = hx.AsyncClient(base_url='http://t', app=app)\n",
        "from httpx import AsyncClient as AC\nc = AC(app=app)\n",
        "from httpx._client import AsyncClient\nc = AsyncClient(app=app)\n",
        "import httpx\nc = httpx.Client(app=wsgi)\n",
    ],
)
def test_fl503_finds_app_argument(tmp_path: Path, code: str) -> None:
    assert len(findings(tmp_path, AsyncClientAppArgument, {"main.py": code})) == 1


@pytest.mark.parametrize(
    "code",
    [
        "import httpx\nc = httpx.AsyncClient(transport=httpx.ASGITransport(app=app))\n",
        "import httpx\nc = httpx.AsyncClient(base_url='http://t')\n",
        "from starlette.testclient import TestClient\nc = TestClient(app=app)\n",
        # A local name shadows the import.
        "import httpx\n\ndef f(httpx):\n    return httpx.AsyncClient(app=1)\n",
        "from myclient import AsyncClient\nc = AsyncClient(app=app)\n",
    ],
)
def test_fl503_leaves_other_calls_alone(tmp_path: Path, code: str) -> None:
    assert findings(tmp_path, AsyncClientAppArgument, {"main.py": code}) == []


@pytest.mark.parametrize(
    "code",
    [
        "import httpx\nc = httpx.AsyncClient(app=app, transport=t)\n",
        "import httpx\nc = httpx.AsyncClient(app=app, **options)\n",
        "import httpx\nfrom mytransports import ASGITransport\nc = httpx.AsyncClient(app=app)\n",
    ],
)
def test_fl503_reports_without_fix_when_the_fix_could_be_wrong(tmp_path: Path, code: str) -> None:
    [finding] = findings(tmp_path, AsyncClientAppArgument, {"main.py": code})
    assert finding.fix is None


def test_fl503_sync_client_with_an_asgi_app_gets_advice_not_a_fix(tmp_path: Path) -> None:
    code = "import httpx\nfrom fastapi import FastAPI\napp = FastAPI()\nc = httpx.Client(app=app)\n"
    [finding] = findings(tmp_path, AsyncClientAppArgument, {"main.py": code})
    assert finding.fix is None
    assert "TestClient" in finding.message


def test_fl503_fix_is_safe_and_keeps_an_existing_import(tmp_path: Path) -> None:
    code = "import httpx\nfrom httpx import ASGITransport\nc = httpx.AsyncClient(app=app)\n"
    assert fixed(tmp_path, AsyncClientAppArgument, code, unsafe=False) == (
        "import httpx\nfrom httpx import ASGITransport\n"
        "c = httpx.AsyncClient(transport=ASGITransport(app=app))\n"
    )


# --- FL502: when the project is on Pydantic 2 -------------------------------------------------

MODEL = """\
from pydantic import BaseModel


class Item(BaseModel):
    name: str

    class Config:
        orm_mode = True


def dump(item: Item):
    return item.dict()
"""


def test_fl502_silent_in_a_pydantic_1_project(tmp_path: Path) -> None:
    assert findings(tmp_path, PydanticV1Api, {"models.py": MODEL}) == []


def test_fl502_v2_api_in_another_module_marks_the_project(tmp_path: Path) -> None:
    found = findings(tmp_path, PydanticV1Api, {"models.py": MODEL, "other.py": V2}, "models.py")
    assert [f.line for f in found] == [7, 12]


@pytest.mark.parametrize(
    "marker",
    [
        "from pydantic import field_validator\n",
        "from pydantic_settings import BaseSettings\n",
        "import pydantic_core\n",
        "from pydantic.functional_validators import model_validator\n",
        "class A:\n    model_config = {}\n",
    ],
)
def test_fl502_pydantic_2_markers(tmp_path: Path, marker: str) -> None:
    assert findings(tmp_path, PydanticV1Api, {"models.py": MODEL, "other.py": marker})


@pytest.mark.parametrize(
    "marker",
    [
        # Code supporting both majors imports v2 names conditionally.
        "try:\n    from pydantic import ConfigDict\nexcept ImportError:\n    ConfigDict = None\n",
        "import sys\nif sys.version_info > (3,):\n    from pydantic import field_validator\n",
        "from pydantic.v1 import BaseModel\n",
        "def f():\n    from pydantic import ConfigDict\n",
    ],
)
def test_fl502_conditional_v2_imports_do_not_mark_the_project(tmp_path: Path, marker: str) -> None:
    assert findings(tmp_path, PydanticV1Api, {"models.py": MODEL, "other.py": marker}) == []


# --- FL502: receivers ------------------------------------------------------------------------

RECEIVERS = (
    V2
    + """\
from pydantic import BaseModel
from pydantic.v1 import BaseModel as V1Model


class Item(BaseModel):
    name: str


class Child(Item):
    pass


class Legacy(V1Model):
    name: str


class Custom(BaseModel):
    def dict(self):
        return {}


class Plain:
    def dict(self):
        return {}

    @classmethod
    def parse_obj(cls, data):
        return cls()


"""
)


@pytest.mark.parametrize(
    "code",
    [
        "def f(item: Item):\n    return item.dict()\n",
        "def f(item: Child):\n    return item.json()\n",
        "def f():\n    item = Item(name='x')\n    return item.dict()\n",
        "def f():\n    return Child(name='x').dict()\n",
        "def f(data):\n    return Item.parse_obj(data)\n",
        "def f(row):\n    return Child.from_orm(row)\n",
        "def f(data):\n    item = Item.model_validate(data)\n    return item.dict()\n",
        "def f(data):\n    return Item.model_validate(data).json()\n",
        "class Sub(Item):\n    def g(self):\n        return self.dict()\n",
        "class Sub(Item):\n    @classmethod\n    def g(cls, d):\n        return cls.parse_obj(d)\n",
    ],
)
def test_fl502_known_model_receivers(tmp_path: Path, code: str) -> None:
    assert len(findings(tmp_path, PydanticV1Api, {"main.py": RECEIVERS + code})) == 1


@pytest.mark.parametrize(
    "code",
    [
        "def f(item):\n    return item.dict()\n",
        "def f(item: dict):\n    return item.copy(), item.json()\n",
        "def f(item: Plain):\n    return item.dict(), Plain.parse_obj({})\n",
        "def f(item: Legacy):\n    return item.dict(), Legacy.parse_obj({})\n",
        "def f(item: Custom):\n    return item.dict()\n",
        "def f(item: Item):\n    item = load()\n    return item.dict()\n",
        # A class method on an instance, an instance method on the class: not v1 API use.
        "def f(item: Item):\n    return item.parse_obj({}), Item.dict()\n",
        "class Sub(Item):\n    @staticmethod\n    def g(self):\n        return self.dict()\n",
        "def f(response):\n    return response.json()\n",
        # Code for both majors.
        "def f(item: Item):\n    if PYDANTIC_V2:\n        return item.model_dump()\n"
        "    return item.dict()\n",
        "def f(item: Item):\n    return item.model_dump() if hasattr(item, 'model_dump')"
        " else item.dict()\n",
        "def f(item: Item):\n    try:\n        return item.model_dump()\n"
        "    except AttributeError:\n        return item.dict()\n",
    ],
)
def test_fl502_unknown_or_excused_receivers(tmp_path: Path, code: str) -> None:
    assert findings(tmp_path, PydanticV1Api, {"main.py": RECEIVERS + code}) == []


def test_fl502_model_from_another_module(tmp_path: Path) -> None:
    files = {
        "app/__init__.py": "",
        "app/base.py": V2 + "from pydantic import BaseModel\n\nclass Base(BaseModel):\n    pass\n",
        "app/models.py": "from app.base import Base\n\nclass User(Base):\n    name: str\n",
        "app/routes.py": (
            "from app.models import User\n\n"
            "async def read(user: User):\n    return user.dict(exclude={'name'})\n"
        ),
    }
    [finding] = findings(tmp_path, PydanticV1Api, files)
    assert finding.path == "app/routes.py"
    assert finding.fix is not None and finding.fix.applicability is Applicability.SAFE


@pytest.mark.parametrize(
    "call",
    ["item.dict(skip_defaults=True)", "item.json(indent=2)", "item.dict(**options)"],
)
def test_fl502_no_fix_when_arguments_do_not_carry_over(tmp_path: Path, call: str) -> None:
    code = RECEIVERS + f"def f(item: Item, options):\n    return {call}\n"
    [finding] = findings(tmp_path, PydanticV1Api, {"main.py": code})
    assert finding.fix is None


# --- FL502: class Config, ConfigDict keys, Field(regex=), validators ---------------------------


def test_fl502_config_fix_is_safe_without_renamed_keys(tmp_path: Path) -> None:
    code = V2 + (
        "from pydantic import BaseModel\n\n"
        "class A(BaseModel):\n    class Config:\n        extra = 'forbid'\n"
    )
    [finding] = findings(tmp_path, PydanticV1Api, {"main.py": code})
    assert finding.fix is not None and finding.fix.applicability is Applicability.SAFE
    assert "model_config = ConfigDict(\n        extra='forbid',\n    )" in fixed(
        tmp_path, PydanticV1Api, code, unsafe=False
    )


def test_fl502_config_fix_with_renamed_keys_is_unsafe(tmp_path: Path) -> None:
    code = V2 + (
        "from pydantic import BaseModel\n\n"
        "class A(BaseModel):\n    class Config:\n        orm_mode = True\n"
    )
    [finding] = findings(tmp_path, PydanticV1Api, {"main.py": code})
    assert finding.fix is not None and finding.fix.applicability is Applicability.UNSAFE
    assert "`orm_mode` → `from_attributes`" in finding.message
    assert fixed(tmp_path, PydanticV1Api, code, unsafe=False) == code


@pytest.mark.parametrize(
    "config",
    [
        "    class Config:\n        fields = {'name': 'Name'}\n",  # no v2 equivalent
        "    class Config:\n        allow_mutation = False\n",  # not the same as frozen
        "    class Config:\n        orm_mode = True\n\n"
        "        @staticmethod\n        def schema_extra(schema): ...\n",
        "    class Config:\n        orm_mode: bool = True\n",
        "    class Config(BaseModel.Config):\n        orm_mode = True\n",
        "    class Config: orm_mode = True\n",
        "    class Config:\n        a = 1\n        title = str(a)\n",
        "    class Config:\n        '''Docs.'''\n        orm_mode = True\n",
        "    class Config:\n        pass\n",
        "    model_config = ConfigDict()\n\n    class Config:\n        orm_mode = True\n",
    ],
)
def test_fl502_config_reported_without_fix(tmp_path: Path, config: str) -> None:
    code = V2 + f"from pydantic import BaseModel\n\nclass A(BaseModel):\n    x: int\n\n{config}"
    [finding] = findings(tmp_path, PydanticV1Api, {"main.py": code})
    assert finding.fix is None


def test_fl502_settings_config_is_reported_without_fix(tmp_path: Path) -> None:
    code = (
        "from pydantic_settings import BaseSettings\n\n"
        "class Settings(BaseSettings):\n    class Config:\n        env_prefix = 'APP_'\n"
    )
    [finding] = findings(tmp_path, PydanticV1Api, {"main.py": code})
    assert finding.fix is None


@pytest.mark.parametrize(
    "code",
    [
        # Not a model: a plain class, a dataclass, a v1 model.
        "class A:\n    class Config:\n        orm_mode = True\n",
        "from pydantic.v1 import BaseModel\n\n"
        "class A(BaseModel):\n    class Config:\n        orm_mode = True\n",
        # Config under a version test, in a model that supports both majors.
        "from pydantic import BaseModel, VERSION\n\nclass A(BaseModel):\n"
        "    if VERSION.startswith('1'):\n        class Config:\n            orm_mode = True\n",
        # A nested class named Config that is not directly in the model.
        "from pydantic import BaseModel\n\nclass A(BaseModel):\n"
        "    def f(self):\n        class Config:\n            orm_mode = True\n",
    ],
)
def test_fl502_config_outside_models_is_fine(tmp_path: Path, code: str) -> None:
    assert findings(tmp_path, PydanticV1Api, {"main.py": V2 + code}) == []


def test_fl502_config_dict_keys(tmp_path: Path) -> None:
    code = V2 + (
        "cfg = ConfigDict(orm_mode=True, schema_extra={})\n"
        "both = ConfigDict(orm_mode=True, from_attributes=True)\n"
        "fine = ConfigDict(from_attributes=True)\n"
    )
    found = findings(tmp_path, PydanticV1Api, {"main.py": code})
    assert [(f.line, f.fix is not None) for f in found] == [(2, True), (2, True), (3, False)]


@pytest.mark.parametrize(
    ("code", "fixable"),
    [
        ("from pydantic import Field\nx = Field(regex='a')\n", True),
        ("import pydantic\nx = pydantic.Field(None, regex='a')\n", True),
        ("from fastapi import Query\nx = Query(None, regex='a')\n", True),
        ("from fastapi import Path\nx = Path(..., regex='a', pattern='b')\n", False),
    ],
)
def test_fl502_regex_argument(tmp_path: Path, code: str, fixable: bool) -> None:
    [finding] = findings(tmp_path, PydanticV1Api, {"main.py": V2 + code})
    assert (finding.fix is not None) is fixable


@pytest.mark.parametrize(
    "code",
    [
        "from pydantic.v1 import Field\nx = Field(regex='a')\n",
        "from dataclasses import field as Field\nx = Field(regex='a')\n",
        "import re\nx = re.compile(regex='a')\n",
    ],
)
def test_fl502_other_regex_arguments(tmp_path: Path, code: str) -> None:
    assert findings(tmp_path, PydanticV1Api, {"main.py": V2 + code}) == []


VALIDATOR = (
    V2
    + """\
from pydantic import BaseModel, root_validator, validator


class A(BaseModel):
    name: str

{method}
"""
)


@pytest.mark.parametrize(
    ("method", "fixable"),
    [
        ("    @validator('name')\n    def v(cls, value):\n        return value\n", True),
        ("    @validator('name', pre=False)\n    def v(cls, value):\n        return value\n", True),
        (
            "    @validator('name', always=True)\n    def v(cls, value):\n        return value\n",
            False,
        ),
        ("    @validator('name')\n    def v(cls, value, values):\n        return value\n", False),
        ("    @validator('name')\n    def v(cls, value, **kwargs):\n        return value\n", False),
        (
            "    @validator('name')\n    @classmethod\n"
            "    def v(cls, value):\n        return value\n",
            False,
        ),
        ("    @validator\n    def v(cls, value):\n        return value\n", False),
        ("    @root_validator(pre=True)\n    def v(cls, values):\n        return values\n", False),
    ],
)
def test_fl502_validators(tmp_path: Path, method: str, fixable: bool) -> None:
    code = VALIDATOR.format(method=method)
    [finding] = findings(tmp_path, PydanticV1Api, {"main.py": code})
    assert (finding.fix is not None) is fixable


def test_fl502_validator_fix(tmp_path: Path) -> None:
    code = VALIDATOR.format(
        method="    @validator('name', pre=True)\n    def v(cls, value):\n        return value\n"
    )
    result = fixed(tmp_path, PydanticV1Api, code)
    assert (
        "    @field_validator('name', mode=\"before\")\n    @classmethod\n    def v(cls, value):"
        in result
    )
    assert "from pydantic import field_validator\n" in result


def test_fl502_field_validator_is_fine(tmp_path: Path) -> None:
    code = VALIDATOR.format(
        method="    @field_validator('name')\n    @classmethod\n    def v(cls, value):\n"
        "        return value\n"
    ).replace("root_validator, validator", "field_validator")
    assert findings(tmp_path, PydanticV1Api, {"main.py": code}) == []


# --- engine regression found on the corpora --------------------------------------------------


def test_a_lambda_returning_a_lambda_keeps_scopes_balanced(tmp_path: Path) -> None:
    code = (
        "from fastapi import FastAPI\n"
        "app = FastAPI()\n"
        "factory = lambda: lambda sid: sid\n\n"
        "@app.on_event('startup')\n"
        "def start(): ...\n"
    )
    assert len(findings(tmp_path, OnEventDeprecated, {"main.py": code})) == 1


# --- prefilter triggers: names that come through project re-exports ---------------------------


def test_fl501_exception_re_exported_under_another_name(tmp_path: Path) -> None:
    files = {
        "errors.py": "from pydantic import ValidationError as DataError\n",
        "main.py": (
            "from fastapi import FastAPI\nfrom errors import DataError\n\n"
            "app = FastAPI()\napp.add_exception_handler(DataError, print)\n"
        ),
    }
    assert len(findings(tmp_path, ValidationErrorHandler, files, "main.py")) == 1


def test_fl503_client_re_exported_under_another_name(tmp_path: Path) -> None:
    files = {
        "testing.py": "from httpx import AsyncClient as Browser\n",
        "main.py": "from testing import Browser\n\nb = Browser(app=object())\n",
    }
    assert len(findings(tmp_path, AsyncClientAppArgument, files, "main.py")) == 1


def test_fl502_validator_alias_is_not_followed(tmp_path: Path) -> None:
    # Deliberate: the `validator` trigger must stay sound, so the decorator as written must
    # say `validator`.
    files = {
        "compat.py": V2 + "from pydantic import validator as check\n",
        "main.py": (
            "from pydantic import BaseModel\nfrom compat import check\n\n"
            "class A(BaseModel):\n    x: int\n\n"
            "    @check('x')\n    def c(cls, v):\n        return v\n"
        ),
    }
    assert findings(tmp_path, PydanticV1Api, files) == []


def test_fl502_constr_regex(tmp_path: Path) -> None:
    code = V2 + "from pydantic import constr\nCode = constr(regex='^[A-Z]+$')\n"
    [finding] = findings(tmp_path, PydanticV1Api, {"main.py": code})
    assert finding.fix is not None
    assert "constr(pattern='^[A-Z]+$')" in fixed(tmp_path, PydanticV1Api, code)


def test_fl502_config_messages_say_why_there_is_no_fix(tmp_path: Path) -> None:
    code = V2 + (
        "from pydantic import BaseModel\nfrom pydantic_settings import BaseSettings\n\n"
        "class A(BaseModel):\n    class Config:\n        fields = {}\n\n"
        "class S(BaseSettings):\n    class Config:\n        env_prefix = 'APP_'\n"
    )
    first, second = findings(tmp_path, PydanticV1Api, {"main.py": code})
    assert "`fields` has no exact Pydantic 2 equivalent" in first.message
    assert "SettingsConfigDict" in second.message


@pytest.mark.parametrize(
    ("code", "count"),
    [
        (
            "from typing import Final\n\ndef f():\n    item: Final = Item(name='x')\n"
            "    return item.dict()\n",
            1,
        ),
        (
            "from typing import Final\n\ndef f(d):\n    item: Final = Item.parse_obj(d)\n"
            "    return item.json()\n",
            2,
        ),
        (
            "from typing import Final\n\ndef f(d):\n    item: Final[Item] = load(d)\n"
            "    return item.dict()\n",
            1,
        ),
        (
            "from typing import Final\n\ndef f(d):\n    item: Final = load(d)\n"
            "    return item.dict()\n",
            0,
        ),
        (
            "from typing import Final\n\ndef f(d):\n    item: Final[Plain] = load(d)\n"
            "    return item.dict()\n",
            0,
        ),
    ],
)
def test_fl502_final_annotations(tmp_path: Path, code: str, count: int) -> None:
    assert len(findings(tmp_path, PydanticV1Api, {"main.py": RECEIVERS + code})) == count


@pytest.mark.parametrize("model_dir", ["a", "z"])
def test_fl502_two_files_with_one_module_name_do_not_mix(tmp_path: Path, model_dir: str) -> None:
    # Without `__init__.py`, both files are module `models` to the index.
    files = {
        f"{model_dir}/models.py": V2
        + "from pydantic import BaseModel\n\nclass Item(BaseModel):\n    x: int\n",
        "b/models.py": (
            "class Base:\n    def dict(self):\n        return {}\n\n"
            "class Item(Base):\n    def f(self):\n        return self.dict()\n\n"
            "    class Config:\n        orm_mode = True\n"
        ),
    }
    assert findings(tmp_path, PydanticV1Api, files, "b/models.py") == []


# --- the cache: the Pydantic 2 check depends on every module -----------------------------------


def _cached_run(root: Path) -> list[Finding]:
    cwd = os.getcwd()
    os.chdir(root)
    try:
        result = run(
            ["."],
            project_root=str(root),
            rules_for=lambda _file: ("FL502",),
            load_rules=load_rules,
            options={},
            run_options=RunOptions(jobs=1, cache_dir=str(root / ".cache"), cache_key="k"),
        )
    finally:
        os.chdir(cwd)
    return result.findings


def test_fl502_cached_result_follows_a_v2_marker_added_elsewhere(tmp_path: Path) -> None:
    write_tree(tmp_path, {"models.py": MODEL, "other.py": "x = 1\n"})
    assert _cached_run(tmp_path) == []
    write_tree(tmp_path, {"other.py": V2})
    assert [f.path for f in _cached_run(tmp_path)] == ["models.py", "models.py"]
    write_tree(tmp_path, {"other.py": "x = 2\n"})
    assert _cached_run(tmp_path) == []


def test_fl503_screen_skips_files_without_httpx_and_keeps_nested_imports(tmp_path: Path) -> None:
    from fastlint.engine.project import ProjectIndex, extract_facts

    def screen(files: dict[str, str], text: str) -> bool:
        write_tree(tmp_path, files)
        index = ProjectIndex([extract_facts(str(tmp_path / n), c) for n, c in files.items()])
        facts = extract_facts(str(tmp_path / "main.py"), text)
        return AsyncClientAppArgument.could_fire(text, facts, index)

    assert not screen({}, "from fastapi import FastAPI\napp = FastAPI()\n")
    assert screen({}, "def f():\n    from httpx import AsyncClient as C\n    C(app=1)\n")
    assert screen(
        {"tools.py": "from httpx import AsyncClient as C\n"},
        "def f():\n    from tools import C\n    C(app=1)\n",
    )
    assert screen(
        {"tools.py": "from httpx import AsyncClient as C\n"}, "from tools import C\nC(app=1)\n"
    )
    assert not screen({"tools.py": "class C: ...\n"}, "from tools import C\nC(app=1)\n")
