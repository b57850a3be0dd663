from __future__ import annotations

import codecs
import os
import stat
from pathlib import Path

import libcst as cst

from fastlint.engine.findings import Applicability, Severity
from fastlint.engine.fixes import add_imports, apply_edits
from fastlint.engine.rule import Rule, replace
from fastlint.engine.runner import RunOptions, run
from tests.helpers import lint_tree, write_tree


class RenameOldApi(Rule):
    """Test rule: `old_api(x)` → `new_api(x)`, importing new_api (safe)."""

    code = "FL998"
    name = "rename-old-api"
    severity = Severity.WARNING
    summary = "test"
    docs = ""
    triggers = ("old_api",)

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "old_api":
            fix = self.make_fix(
                "use new_api", replace(node.func, "new_api"), imports=[("newlib", "new_api")]
            )
            self.report(node, "old_api is gone", fix=fix)


class WrapInList(Rule):
    """Test rule with overlapping fixes: `f(x)` → `[f(x)]` for every call to f (unsafe)."""

    code = "FL997"
    name = "wrap-in-list"
    severity = Severity.WARNING
    summary = "test"
    docs = ""

    def visit_Call(self, node: cst.Call) -> None:
        wrapped = isinstance(self.context.parent, cst.Element)
        if isinstance(node.func, cst.Name) and node.func.value == "f" and not wrapped:
            code = self.context.code_for(node)
            fix = self.make_fix(
                "wrap", replace(node, f"[{code}]"), applicability=Applicability.UNSAFE
            )
            self.report(node, "wrap it", fix=fix)


class BreakSyntax(Rule):
    code = "FL996"
    name = "break-syntax"
    severity = Severity.WARNING
    summary = "test"
    docs = ""

    def visit_Call(self, node: cst.Call) -> None:
        self.report(node, "x", fix=self.make_fix("break", replace(node, "((")))


def test_fix_applies_and_adds_import_once(tmp_path: Path) -> None:
    write_tree(tmp_path, {"m.py": '"""Doc."""\nimport os\n\nold_api(1)\nold_api(2)\n'})
    findings = lint_tree(tmp_path, [RenameOldApi], fix=True)
    assert findings == []
    assert (tmp_path / "m.py").read_text() == (
        '"""Doc."""\nimport os\nfrom newlib import new_api\n\nnew_api(1)\nnew_api(2)\n'
    )


def test_existing_import_is_not_duplicated() -> None:
    text = "from newlib import new_api\nx = 1\n"
    assert add_imports(text, [("newlib", "new_api")]) == text
    assert add_imports("x = 1\n", [("asyncio", None)]) == "import asyncio\nx = 1\n"


def test_import_goes_after_future_and_header_comments() -> None:
    text = "#!/usr/bin/env python\n# licence\nfrom __future__ import annotations\n\nx = 1\n"
    assert add_imports(text, [("asyncio", None)]) == (
        "#!/usr/bin/env python\n# licence\nfrom __future__ import annotations\nimport asyncio\n"
        "\nx = 1\n"
    )


def test_unsafe_fixes_need_the_flag(tmp_path: Path) -> None:
    write_tree(tmp_path, {"m.py": "f(1)\n"})
    assert len(lint_tree(tmp_path, [WrapInList], fix=True)) == 1
    assert (tmp_path / "m.py").read_text() == "f(1)\n"
    assert lint_tree(tmp_path, [WrapInList], fix=True, unsafe=True) == []
    assert (tmp_path / "m.py").read_text() == "[f(1)]\n"


def test_overlapping_fixes_apply_in_rounds(tmp_path: Path) -> None:
    # The inner call's fix overlaps the outer one's: one round each.
    write_tree(tmp_path, {"m.py": "f(f(1))\n"})
    lint_tree(tmp_path, [WrapInList], fix=True, unsafe=True)
    text = (tmp_path / "m.py").read_text()
    assert text.count("[") == 2 and cst.parse_module(text)


def test_non_overlapping_edits_in_one_pass() -> None:
    from fastlint.engine.findings import Edit, Fix

    fixes = [
        Fix(Applicability.SAFE, "a", (Edit(1, 1, 1, 2, "A"),)),
        Fix(Applicability.SAFE, "b", (Edit(1, 1, 1, 3, "B"),)),  # overlaps the first
        Fix(Applicability.SAFE, "c", (Edit(2, 1, 2, 2, "C"),)),
    ]
    assert apply_edits("ab\ncd\n", fixes) == ("Ab\nCd\n", 2)


def test_insertions_at_one_point_apply_together_in_fix_order() -> None:
    from fastlint.engine.findings import Edit, Fix

    fixes = [
        Fix(Applicability.SAFE, "a", (Edit(1, 1, 1, 2, "A"), Edit(2, 1, 2, 1, "1\n"))),
        Fix(Applicability.SAFE, "b", (Edit(1, 2, 1, 3, "B"), Edit(2, 1, 2, 1, "2\n"))),
        # At the edge of a replaced span: which side it belongs to is unclear, next round.
        Fix(Applicability.SAFE, "c", (Edit(1, 3, 1, 3, "C"),)),
    ]
    assert apply_edits("abc\nd\n", fixes) == ("ABc\n1\n2\nd\n", 2)


def test_fix_that_breaks_syntax_is_not_written(tmp_path: Path) -> None:
    write_tree(tmp_path, {"m.py": "g(1)\n"})
    findings = lint_tree(tmp_path, [BreakSyntax], fix=True)
    assert (tmp_path / "m.py").read_text() == "g(1)\n"
    assert len(findings) == 1


def test_fix_keeps_crlf_bom_encoding_and_mode(tmp_path: Path) -> None:
    crlf = tmp_path / "crlf.py"
    crlf.write_bytes(b"import os\r\nold_api(1)\r\n")
    bom = tmp_path / "bom.py"
    bom.write_bytes(codecs.BOM_UTF8 + "x = 'é'\nold_api(1)\n".encode())
    latin = tmp_path / "latin.py"
    latin.write_bytes("# -*- coding: latin-1 -*-\nx = 'é'\nold_api(1)\n".encode("latin-1"))
    os.chmod(latin, 0o755)
    lint_tree(tmp_path, [RenameOldApi], fix=True)
    assert crlf.read_bytes() == b"import os\r\nfrom newlib import new_api\r\nnew_api(1)\r\n"
    assert bom.read_bytes().startswith(codecs.BOM_UTF8)
    assert bom.read_bytes().decode("utf-8-sig").endswith("new_api(1)\n")
    assert latin.read_bytes().decode("latin-1").endswith("x = 'é'\nnew_api(1)\n")
    assert stat.S_IMODE(os.stat(latin).st_mode) == 0o755
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".fastlint-")]


def test_second_fix_run_changes_nothing(tmp_path: Path) -> None:
    write_tree(tmp_path, {"m.py": "old_api(1)\nf(2)\n"})
    lint_tree(tmp_path, [RenameOldApi, WrapInList], fix=True, unsafe=True)
    first = (tmp_path / "m.py").read_bytes()
    lint_tree(tmp_path, [RenameOldApi, WrapInList], fix=True, unsafe=True)
    assert (tmp_path / "m.py").read_bytes() == first


def test_diff_writes_nothing(tmp_path: Path) -> None:
    write_tree(tmp_path, {"m.py": "old_api(1)\n"})
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = run(
            ["."],
            project_root=str(tmp_path),
            rules_for=lambda _f: ("FL998",),
            load_rules=lambda _codes: (RenameOldApi,),
            options={},
            run_options=RunOptions(diff=True, jobs=1),
        )
    finally:
        os.chdir(cwd)
    assert (tmp_path / "m.py").read_text() == "old_api(1)\n"
    assert "-old_api(1)" in result.diffs[0] and "+new_api(1)" in result.diffs[0]
    assert "+from newlib import new_api" in result.diffs[0]
