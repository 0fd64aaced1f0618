"""Receivers (issue 19): a method call counts as a use of ``T.m`` when the
receiver's type is known to be ``T``, never when it is known to be another type;
when it cannot be told, the use is *possible* and counts only while no other type
of the target defines a method of that name."""

from __future__ import annotations

from pathlib import Path

import pytest

from gate.symbols import Target, extract
from gate.symbols.python import parse
from gate.symbols.sites import Site, python_sites, resolve
from gate.symbols.values import Call
from tests.test_symbols_check import branch, make_repo, run_check

REGISTRY_TS = "export class Registry {\n  add(x: number): void {}\n}\n"
USER_TS = "import { Registry } from '../common/registry';\n\nexport function go(r: Registry) {\n  r.add(1);\n}\n"
TARGET = Target("Registry.add", "web/common/registry.ts", "web/common/registry", "typescript")


def _resolve(receiver: str | None, source: str = USER_TS) -> list[tuple[int, str]]:
    fs = extract("web/ui/user.ts", source.encode())
    assert fs is not None
    site = Site(("r", "add"), Call(1), 4, 4, 3, receiver)
    return [(r.line, r.how) for r in resolve(fs, (site,), [TARGET])]


def test_a_receiver_of_the_changed_type_resolves_through_the_types_import() -> None:
    assert _resolve("Registry") == [(4, "import")]


def test_a_receiver_of_another_type_is_no_use() -> None:
    assert _resolve("Set") == []
    assert _resolve("Other.Registry") == []


def test_an_unknown_receiver_is_matched_by_name_as_before() -> None:
    assert _resolve(None) == [(4, "name")]


CLASS_PY = "class Registry:\n    def add(self, x):\n        return x\n"
STRICT_PY = "class Registry:\n    def add(self, x, strict):\n        return x\n"
# ``make()`` returns something of a type the file does not say: r.add is possible.
USER_PY = ("from src.common import registry\n\n\ndef go():\n    r = registry.make()\n    return r.add(1)\n")
OTHER_PY = "class Bag:\n    def add(self, x):\n        return x\n"


def test_a_possible_use_is_named_as_possible(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = make_repo(tmp_path / "r", {"src/common/registry.py": CLASS_PY, "src/ui/user.py": USER_PY})
    branch(r, "agent/alice/strict", {"src/common/registry.py": STRICT_PY})
    rc, findings = run_check(r, "agent/alice/strict", capsys)
    assert rc == 3
    [f] = findings
    assert f["rule"] == "symbol.signature"
    assert f["other"]["users"] == [{"agent": "bob", "path": "src/ui/user.py", "line": 6, "possible": True}]
    assert "bob calls it at src/ui/user.py:6 (possible)" in f["message"]


def test_a_possible_use_is_dropped_in_a_file_that_imports_another_type_defining_the_method(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    both = "from src.common import registry\nfrom src.report import bag\n\n\ndef go(r):\n    return r.add(1)\n"
    r = make_repo(tmp_path / "r", {"src/common/registry.py": CLASS_PY, "src/ui/user.py": USER_PY,
                                   "src/report/bag.py": OTHER_PY, "src/ui/both.py": both,
                                   "src/ui/bagged.py": "from src.report.bag import Bag\n\n\ndef go(b):\n"
                                                       "    return b.add(1)\n"})
    branch(r, "agent/alice/strict", {"src/common/registry.py": STRICT_PY})
    rc, findings = run_check(r, "agent/alice/strict", capsys)
    # user.py imports registry and not bag: its r.add stays possible (measured on
    # ansible: a test fake defining fail_json hid 344 calls of AnsibleModule.fail_json).
    # both.py imports bag too: its r.add may be a Bag's. bagged.py never was a use.
    assert rc == 3
    assert [(f["rule"], f["other"]["users"]) for f in findings] == [
        ("symbol.signature", [{"agent": "bob", "path": "src/ui/user.py", "line": 6, "possible": True}])]


def test_a_certain_use_stays_when_another_type_defines_the_method(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    user = "from src.common.registry import Registry\n\n\ndef go():\n    return Registry.add(None, 1)\n"
    r = make_repo(tmp_path / "r", {"src/common/registry.py": CLASS_PY, "src/ui/user.py": user,
                                   "src/report/bag.py": OTHER_PY})
    branch(r, "agent/alice/strict", {"src/common/registry.py": STRICT_PY})
    _, findings = run_check(r, "agent/alice/strict", capsys)
    # Called through the class, ``self`` is passed: two arguments still fit, so it warns.
    assert [(f["rule"], f["other"]["users"]) for f in findings] == [
        ("symbol.shared", [{"agent": "bob", "path": "src/ui/user.py", "line": 5}])]


def test_python_receivers_by_annotation_construction_and_inheritance(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    user = ("from src.common.registry import Registry\nfrom src.report.bag import Bag\n\n\n"
            "class Job(Registry):\n    def go(self):\n        return self.add(1)\n\n\n"
            "class Holder:\n    def __init__(self):\n        self.r = Registry()\n\n"
            "    def go(self, b: Bag):\n        b.add(2)\n        return self.r.add(3)\n")
    r = make_repo(tmp_path / "r", {"src/common/registry.py": CLASS_PY, "src/ui/user.py": user,
                                   "src/report/bag.py": OTHER_PY})
    branch(r, "agent/alice/strict", {"src/common/registry.py": STRICT_PY})
    rc, findings = run_check(r, "agent/alice/strict", capsys)
    assert rc == 3
    # ``self`` in Job may be a Registry (inherited add); ``b`` is a Bag; ``self.r`` a Registry.
    assert [(f["rule"], f["other"]["users"]) for f in findings] == [
        ("symbol.signature", [{"agent": "bob", "path": "src/ui/user.py", "line": 7},
                              {"agent": "bob", "path": "src/ui/user.py", "line": 16}])]


def test_python_a_function_rebinding_a_global_leaves_the_module_level_type() -> None:
    import ast

    from gate.symbols.pytypes import Receivers

    source = ("display = Display()\n\n\ndef swap():\n    global display\n    display = Other()\n\n\n"
              "def use():\n    display.warning('x')\n")
    types = Receivers(ast.parse(source))
    assert types.lookup(("display",), 10) == "Display"
    assert types.lookup(("display",), 6) == "Other"


def test_python_an_object_built_where_it_is_used_has_its_type() -> None:
    source = b"from src.common.registry import Registry\n\nRegistry().add(1)\nBag().add(2)\n"
    fs, tree = extract("src/ui/user.py", source), parse(source)
    assert fs is not None and not isinstance(tree, str)
    target = Target("Registry.add", "src/common/registry.py", "src.common.registry", "python")
    assert [(r.line, r.how) for r in resolve(fs, python_sites(tree), [target])] == [(3, "import")]
