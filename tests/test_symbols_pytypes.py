"""Python receiver types (``pytypes``) where ansible's method calls went unnamed (issue 19).

Measured on ansible: ``Templar.template`` and ``Display.warning`` are names other
classes define too, so a call on a receiver of unknown type is dropped; these are
the receivers the file itself tells, which were read as unknown.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from gate.symbols.pytypes import Receivers
from tests.test_symbols_check import branch, make_repo, run_check


def lookup(source: str, parts: str, line: int) -> str | None:
    return Receivers(ast.parse(source)).lookup(tuple(parts.split(".")), line)


def test_a_module_name_keeps_its_type_when_a_function_binds_the_same_name_locally() -> None:
    source = ("display = Display()\n\n\ndef f():\n    display = other()\n    return display\n\n\n"
              "def g():\n    display.warning('x')\n\n\nclass A:\n    display = 1\n")
    # The function's and the class body's own bindings are theirs, not the module's.
    assert lookup(source, "display", 10) == "Display"
    assert lookup(source, "display", 6) is None


def test_self_attributes_set_in_a_base_class_of_the_same_file() -> None:
    source = ("class Base:\n    def setUp(self):\n        self.templar = Templar()\n\n\n"
              "class TestA(Base, unittest.TestCase):\n    def test_a(self):\n        self.templar.template('x')\n\n\n"
              "class Other(Unrelated):\n    def test_b(self):\n        self.templar.template('y')\n")
    assert lookup(source, "self.templar", 8) == "Templar"
    assert lookup(source, "self.templar", 13) is None


def test_a_name_assigned_from_a_receiver_of_known_type_has_that_type() -> None:
    source = ("class Base:\n    def setUp(self):\n        self.templar = Templar()\n\n"
              "    def test_a(self):\n        templar = self.templar\n        templar.template('x')\n\n"
              "    def test_b(self, t):\n        templar = t\n        templar.template('y')\n")
    assert lookup(source, "templar", 7) == "Templar"
    assert lookup(source, "templar", 11) is None


TEMPLAR_PY = "class Templar:\n    def template(self, variable, convert_bare=False):\n        return variable\n"
# Another class with a method of the same name: calls on receivers of unknown type
# are dropped as possibly its.
GENERATOR_PY = "class InventoryModule:\n    def template(self, pattern, variables):\n        return pattern\n"
USER_PY = """\
from src.common.templar import Templar

templar = Templar()


def unrelated():
    templar = make()
    return templar


def go(value):
    return templar.template(value)


class Base:
    def setUp(self):
        self.templar = Templar()


class TestTemplar(Base):
    def test_alias(self):
        t = self.templar
        return t.template('x')

    def test_attr(self):
        return self.templar.template('y')


def built():
    return Templar().template('z')


def unknown(t):
    return t.template('w')
"""


def test_bobs_calls_on_receivers_the_file_tells_are_named_and_unknown_ones_are_not(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = make_repo(tmp_path / "r", {"src/common/templar.py": TEMPLAR_PY, "src/report/generator.py": GENERATOR_PY,
                                   "src/ui/user.py": USER_PY})
    branch(r, "agent/alice/strict", {"src/common/templar.py": TEMPLAR_PY.replace("variable,", "variable, strict,")})
    rc, findings = run_check(r, "agent/alice/strict", capsys)
    # Named: the module-level templar (12), the alias (23), the base's attribute (26),
    # the constructed receiver (30); t of unknown type (34) only as possible (the file
    # does not import the generator, whose class also defines template).
    assert rc == 3
    assert [(f["rule"], [(u["line"], u.get("possible", False)) for u in f["other"]["users"]]) for f in findings] == [
        ("symbol.signature", [(12, False), (23, False), (26, False), (30, False), (34, True)])]


def test_a_constructed_receiver_types_only_the_method_called_on_it() -> None:
    from gate.symbols.sites import python_sites

    sites = python_sites(ast.parse("Templar().template(1)\nTemplar().env.template(2)\nmake().template(3)\n"))
    assert [(s.parts, s.line, s.receiver) for s in sites if s.parts[-1] == "template"] == [
        (("", "template"), 1, "Templar"), (("", "template"), 2, None), (("", "template"), 3, None)]


def test_an_unrelated_import_from_the_same_package_is_no_reason_for_a_possible_use() -> None:
    from tests.test_symbols_refs import CONFIG_PY, targets, uses

    wanted = targets("src/common/config.py", CONFIG_PY, "Settings.reload")
    # ansible's winrm.py: ``from ansible import constants as C`` was read as maybe a
    # re-export of ``constants`` from the target's module, so ``self.protocol.run_command``
    # (pywinrm's) was a possible use of AnsibleModule.run_command.
    conn = "from src import constants as C\n\n\nclass Conn:\n    def go(self):\n        return self.protocol.reload()\n"
    assert uses("src/ui/conn.py", conn, wanted) == []
    # A package re-exporting the target's class still relates the file.
    app = "from src.common import Settings\n\ns = load()\ns.reload()\n"
    assert uses("src/ui/app.py", app, wanted) == [("Settings.reload", "s.reload", 4, "name", True, 0, ())]


def test_an_imported_module_path_is_no_object_whose_method_might_be_called() -> None:
    from tests.test_symbols_refs import CONFIG_PY, targets, uses

    wanted = targets("src/common/config.py", CONFIG_PY, "Settings.reload")
    # ansible's test_curses.py: ``assert ansible.utils.display`` was a possible use
    # of Display.display (a module named like the method).
    source = "import src.common.config\nimport src.reload\n\nassert src.reload\ns = make()\ns.reload()\n"
    assert uses("src/ui/app.py", source, wanted) == [("Settings.reload", "s.reload", 6, "name", True, 0, ())]
