"""The sample repository ``agentgate demo`` builds: one branch per failure, and
one (``agent/dave/guide``) that is allowed.

Built with the git command line and fixed identities and dates, so the demo is
the same on every machine.
"""

from __future__ import annotations

import os
from pathlib import Path

from gate.git.run import git

POLICY = """\
version = 1

[gate]
target = "main"
approvers = ["lead@example.com"]

[agents.alice]
branches = ["agent/alice/*"]
owns = ["src/billing/", "tests/test_billing.py"]

[agents.bob]
branches = ["agent/bob/*"]
owns = ["src/ui/", "tests/test_ui.py"]

[agents.carol]
branches = ["agent/carol/*"]
owns = ["src/data/", "db/"]

[agents.dave]
branches = ["agent/dave/*"]
owns = ["docs/"]

[shared]
paths = ["src/common/", "src/__init__.py"]

[tests]
command = "python3 tests/run.py"
timeout = 120
"""

# A stdlib-only test runner that writes JUnit XML to $AGENTGATE_JUNIT, so the
# demo needs nothing but Python (any command may report through that file).
RUNNER = '''\
import os, sys, unittest, xml.etree.ElementTree as ET
sys.path.insert(0, os.getcwd())
suite = unittest.defaultTestLoader.discover("tests", pattern="test_*.py", top_level_dir=".")
def walk(s):
    for t in s:
        yield from (walk(t) if isinstance(t, unittest.TestSuite) else [t])
ids = [t.id() for t in walk(suite)]  # before running: a run empties the suite
result = unittest.TextTestRunner(verbosity=1).run(suite)
out = os.environ.get("AGENTGATE_JUNIT")
if out:
    root = ET.Element("testsuite", name="demo", tests=str(result.testsRun),
                      failures=str(len(result.failures)), errors=str(len(result.errors)))
    bad = {t.id(): (kind, text) for kind, items in (("failure", result.failures), ("error", result.errors))
           for t, text in items}
    for tid in ids:
        mod, _, name = tid.rpartition(".")
        case = ET.SubElement(root, "testcase", classname=mod, name=name)
        if tid in bad:
            kind, text = bad[tid]
            ET.SubElement(case, kind, message=text.strip().splitlines()[-1]).text = text
    ET.ElementTree(root).write(out)
sys.exit(0 if result.wasSuccessful() else 1)
'''

MAIN_FILES = {
    ".agentgate.toml": POLICY,
    "README.md": "# shop\nA tiny shop, worked on by four agents.\n",
    "src/__init__.py": "",
    "src/common/__init__.py": "",
    "src/common/config.py": (
        "def parse_config(path):\n"
        '    """Read KEY=VALUE lines."""\n'
        "    out = {}\n"
        "    for line in open(path):\n"
        "        key, _, value = line.partition('=')\n"
        "        out[key.strip()] = value.strip()\n"
        "    return out\n"
    ),
    "src/common/money.py": "def fmt_money(cents):\n    return f'${cents / 100:.2f}'\n",
    "src/billing/__init__.py": "",
    "src/billing/invoice.py": (
        "from src.common.money import fmt_money\n\n\n"
        "def total(items):\n    return sum(items)\n\n\n"
        "def render_total(items):\n    return fmt_money(total(items))\n"
    ),
    "src/ui/__init__.py": "",
    "src/ui/app.py": (
        "from src.common.config import parse_config\n\n\n"
        "def settings(path):\n    return parse_config(path)\n\n\n"
        "def title():\n    return 'Shop'\n"
    ),
    "src/data/__init__.py": "",
    "src/data/store.py": "def load():\n    return []\n",
    "db/migrations/0001_init.sql": "CREATE TABLE orders (id INTEGER PRIMARY KEY);\n",
    "docs/index.md": "# Docs\n",
    "tests/__init__.py": "",
    "tests/run.py": RUNNER,
    "tests/test_billing.py": (
        "import unittest\nfrom src.billing.invoice import render_total\n\n\n"
        "class Billing(unittest.TestCase):\n"
        "    def test_render_total(self):\n"
        "        self.assertEqual(render_total([150, 250]), '$4.00')\n"
    ),
}

# name -> (branch point on main, files to write, files to delete, message)
BRANCHES: list[tuple[str, str, dict[str, str], list[str], str]] = [
    ("agent/bob/title", "main~1", {
        "src/ui/app.py": MAIN_FILES["src/ui/app.py"].replace("'Shop'", "'Shop: ' + money.fmt_money(0)").replace(
            "from src.common.config import parse_config\n",
            "from src.common import money\nfrom src.common.config import parse_config\n"),
        "tests/test_ui.py": (
            "import unittest\nfrom src.ui.app import title\n\n\n"
            "class Ui(unittest.TestCase):\n"
            "    def test_title_shows_zero(self):\n"
            "        self.assertEqual(title(), 'Shop: $0.00')\n"
        ),
    }, [], "ui: show the balance in the title"),
    ("agent/alice/refactor", "main", {
        "src/billing/invoice.py": MAIN_FILES["src/billing/invoice.py"].replace("fmt_money", "format_money").replace(
            "return sum(items)", "return sum(int(i) for i in items)"),
        "src/ui/app.py": MAIN_FILES["src/ui/app.py"].replace("return 'Shop'", "return 'Shop (billing)'"),
    }, [], "billing: accept strings; tidy the ui title while here"),
    ("agent/carol/orders-status", "main", {
        "db/migrations/0002_add_status.sql": "ALTER TABLE orders ADD COLUMN status TEXT;\n",
        "src/data/store.py": "def load():\n    return [{'status': 'new'}]\n",
    }, [], "data: add an order status column"),
    ("agent/dave/more-scope", "main", {
        ".agentgate.toml": POLICY.replace('owns = ["docs/"]', 'owns = ["docs/", "src/"]'),
        "docs/index.md": "# Docs\nNow with more scope.\n",
    }, [], "docs: give myself src/ too"),
    ("agent/dave/guide", "main", {
        "docs/guide.md": "# Guide\n\nStart with `python3 tests/run.py`.\n",
    }, [], "docs: a getting-started guide"),
    ("agent/alice/strict-config", "main", {
        "src/common/config.py": MAIN_FILES["src/common/config.py"].replace(
            "def parse_config(path):", "def parse_config(path, strict):").replace(
            "        key, _, value", "        if strict and '=' not in line:\n"
            "            raise ValueError(line)\n        key, _, value"),
    }, [], "config: strict mode"),
]

# Landed on main after agent/bob/title forked: a rename the branch does not see.
MAIN_FOLLOW_UP = {
    "src/common/money.py": "def format_money(cents):\n    return f'${cents / 100:.2f}'\n",
    "src/billing/invoice.py": MAIN_FILES["src/billing/invoice.py"].replace("fmt_money", "format_money"),
}


def _env() -> dict[str, str]:
    env = dict(os.environ)
    for var in list(env):
        if var.startswith("GIT_"):
            del env[var]
    env.update({
        "GIT_AUTHOR_NAME": "Demo Lead", "GIT_AUTHOR_EMAIL": "lead@example.com",
        "GIT_COMMITTER_NAME": "Demo Lead", "GIT_COMMITTER_EMAIL": "lead@example.com",
        "GIT_AUTHOR_DATE": "2026-01-01T12:00:00Z", "GIT_COMMITTER_DATE": "2026-01-01T12:00:00Z",
        "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
    })
    return env


def _git(root: Path, *args: str) -> None:
    git(*args, cwd=root, env=_env())


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


def build(root: Path) -> list[str]:
    """Create the demo repository in ``root`` (empty or missing); return its branches."""
    root.mkdir(parents=True, exist_ok=True)
    _git(root, "init", "-q", "-b", "main")
    _write(root, MAIN_FILES)
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "shop: initial layout and policy")
    _write(root, MAIN_FOLLOW_UP)
    _git(root, "commit", "-q", "-am", "money: rename fmt_money to format_money")
    for name, start, files, deletes, message in BRANCHES:
        _git(root, "checkout", "-q", "-b", name, start)
        _write(root, files)
        for rel in deletes:
            _git(root, "rm", "-q", rel)
        _git(root, "add", "-A")
        _git(root, "commit", "-q", "-m", message)
    _git(root, "checkout", "-q", "main")
    return [b[0] for b in BRANCHES]
