"""``agentgate land``: the merge queue, end to end on real repositories with the
demo's kind of test command (a stdlib runner that writes JUnit to $AGENTGATE_JUNIT)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import gate
from gate.git.sample import RUNNER
from gate.testrun import cache
from tests.gitutil import Repo, Run
from tests.servers import install_server_hooks

POLICY = """\
version = 1

[gate]
target = "main"
approvers = ["lead@example.com", "lead"]
unattributed = "{unattributed}"

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

[rules]
"symbol.signature" = "warn"

[tests]
command = "{command}"
timeout = 60
"""

RUN = f"{sys.executable} tests/run.py"
# Scripts a scenario puts before the runner (they read their paths from the environment).
STAMP = """\
import os, pathlib, sys, time
stamps = pathlib.Path(os.environ["LAND_STAMPS"])
(stamps / f"{os.getpid()}").write_text(str(time.time()))
deadline = time.time() + 30
while len(list(stamps.iterdir())) < 2:
    if time.time() > deadline:
        sys.exit("the other candidate's run never started")
    time.sleep(0.05)
"""
MOVE = """\
import os, pathlib, subprocess
mark = pathlib.Path(os.environ["LAND_MARK"])
if not mark.exists():
    mark.write_text("moved")
    main = pathlib.Path(os.environ["LAND_MAIN"])
    (main / "docs/moved.md").write_text("the lead wrote this while land was testing\\n")
    subprocess.run(["git", "-C", str(main), "add", "docs/moved.md"], check=True)
    subprocess.run(["git", "-C", str(main), "commit", "-q", "-m", "lead: a commit while land tests"], check=True)
"""
BLOCK = """\
import os, pathlib, time
pathlib.Path(os.environ["LAND_STARTED"]).write_text(str(os.getpid()))
time.sleep(120)
"""

BASE = {
    "src/__init__.py": "", "src/common/__init__.py": "", "src/billing/__init__.py": "", "src/ui/__init__.py": "",
    "src/data/__init__.py": "", "tests/__init__.py": "",
    "src/common/util.py": "def helper():\n    return 1\n",
    "src/billing/invoice.py": "def total(items):\n    return sum(items)\n",
    "src/ui/app.py": "def title():\n    return 'Shop'\n",
    "src/data/store.py": "def load():\n    return []\n",
    "docs/index.md": "# Docs\n",
    "tests/run.py": RUNNER,
    "tests/stamp.py": STAMP, "tests/move.py": MOVE, "tests/block.py": BLOCK,
    "tests/test_billing.py": "import unittest\nfrom src.billing.invoice import total\n\n\n"
                             "class Billing(unittest.TestCase):\n"
                             "    def test_total(self):\n        self.assertEqual(total([1, 2]), 3)\n",
}

DROP_HELPER = ("agent/alice/1-drop-helper", {"src/common/util.py": "def assist():\n    return 1\n"})
TOTAL = ("agent/alice/2-total",
         {"src/billing/invoice.py": "def total(items):\n    return sum(int(i) for i in items)\n"})
GREETING = ("agent/bob/3-greeting", {
    "src/ui/app.py": "from src.common import util\n\n\ndef title():\n    return 'Shop'\n\n\n"
                     "def greeting():\n    return 'hi' * util.helper()\n",
    "tests/test_ui.py": "import unittest\nfrom src.ui.app import greeting\n\n\n"
                        "class Ui(unittest.TestCase):\n"
                        "    def test_greeting(self):\n        self.assertEqual(greeting(), 'hi')\n",
})
DOCS = ("agent/dave/4-docs", {"docs/index.md": "# Docs\nHow to shop.\n"})
MIGRATION = ("agent/carol/5-status", {"db/migrations/0002_status.sql": "ALTER TABLE orders ADD status TEXT;\n"})


def shop(tmp_path: Path, branches: list[tuple[str, dict[str, str]]], command: str = RUN,
         unattributed: str = "gates") -> Repo:
    """main with the policy and the runner; each branch one commit off main."""
    r = Repo.init(tmp_path / "shop")
    r.commit("shop", {".agentgate.toml": POLICY.format(command=command, unattributed=unattributed), **BASE})
    for name, files in branches:
        r.branch(name)
        r.commit(name.rsplit("/", 1)[-1], files)
        r.checkout("main")
    return r


def first_parents(r: Repo) -> list[str]:
    return r.git("log", "--first-parent", "--format=%s", "main").splitlines()


def passed_in_cache(r: Repo, command: str = RUN) -> bool:
    tree = r.git("rev-parse", "main^{tree}").strip()
    found = cache.load(r.path / ".git", f"{tree}\0{command}", 60)
    return found is not None and found.kind == "passed"


def gate_process(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    full = dict(os.environ, PYTHONPATH=str(Path(gate.__file__).parents[1]), **(env or {}))
    return subprocess.Popen([sys.executable, "-m", "gate", *args], cwd=cwd, env=full, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_for(path: Path) -> None:
    deadline = time.monotonic() + 30
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


# -- the queue -----------------------------------------------------------------------------


def test_branch_failing_only_after_another_is_ejected_and_the_rest_land_in_order(run: Run, tmp_path: Path) -> None:
    r = shop(tmp_path, [DROP_HELPER, TOTAL, GREETING, DOCS])
    before = r.rev("main")
    rc, out, err = run("land", "--jobs", "1", cwd=r.path)
    assert (rc, err) == (1, "")
    summary = out[out.index("land into main:"):].splitlines()
    merges = r.git("log", "--first-parent", "--format=%h", "-3", "main").split()
    why = ("tests.failed: tests/test_ui.py::Ui::test_greeting fails when merged after agent/alice/2-total: "
           "AttributeError: module 'src.common.util' has no attribute 'helper'")
    assert summary == [
        "land into main: 3 landed, 1 ejected (tests: 4 runs, 0 reused; retries: 0)",
        f"  landed   agent/alice/1-drop-helper  {merges[2]}",
        f"  landed   agent/alice/2-total        {merges[1]}",
        f"  ejected  agent/bob/3-greeting       {why}",
        f"  landed   agent/dave/4-docs          {merges[0]}",
        f"main: {before[:7]} -> {merges[0]} (3 merge commits, the tested tree); updated the worktree {r.path}",
    ]
    assert first_parents(r) == ["Merge agent/dave/4-docs (agent dave)", "Merge agent/alice/2-total (agent alice)",
                                "Merge agent/alice/1-drop-helper (agent alice)", "shop"]
    assert r.git("log", "-1", "--format=%B", "main") == (
        "Merge agent/dave/4-docs (agent dave)\n\nGated by agentgate: allow (no findings).\n"
        f"Branch: refs/heads/agent/dave/4-docs\nHead: {r.rev('agent/dave/4-docs')}\n\n")
    assert passed_in_cache(r)
    assert r.git("status", "--porcelain") == ""
    # The ejection is on the board and in check --tests, against the target as it is now.
    rc, out, _ = run("status", "--format", "json", cwd=r.path)
    rows = {b["branch"]: (b["tests"], b["verdict"]) for b in json.loads(out)["branches"]}
    assert rows == {"agent/bob/3-greeting": ("failed", "block")}
    rc, out, _ = run("check", "agent/bob/3-greeting", "--tests", "--format", "json", cwd=r.path)
    failed = [f["other"]["test"] for f in json.loads(out)["branches"][0]["findings"] if f["rule"] == "tests.failed"]
    assert (rc, failed) == (1, ["tests/test_ui.py::Ui::test_greeting"])


def test_target_moving_while_testing_is_planned_again_and_lands_a_tested_tree(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    command = f"{sys.executable} tests/move.py && {RUN}"
    r = shop(tmp_path, [TOTAL, DOCS], command=command)
    monkeypatch.setenv("LAND_MAIN", str(r.path))
    monkeypatch.setenv("LAND_MARK", str(tmp_path / "moved"))
    rc, out, err = run("land", "--jobs", "1", cwd=r.path)
    assert (rc, err) == (0, "")
    assert "main moved while testing" in out and "(retry 1 of 3)" in out
    assert "land into main: 2 landed (tests: 2 runs, 0 reused; retries: 1)" in out.splitlines()
    assert first_parents(r) == ["Merge agent/dave/4-docs (agent dave)", "Merge agent/alice/2-total (agent alice)",
                                "lead: a commit while land tests", "shop"]
    assert passed_in_cache(r, command)
    assert r.git("status", "--porcelain") == ""


def test_two_candidates_are_tested_at_once_with_two_jobs(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    command = f"{sys.executable} tests/stamp.py && {RUN}"
    r = shop(tmp_path, [TOTAL, DOCS], command=command)
    stamps = tmp_path / "stamps"
    stamps.mkdir()
    monkeypatch.setenv("LAND_STAMPS", str(stamps))
    rc, out, err = run("land", "--jobs", "2", cwd=r.path)
    assert (rc, err) == (0, "")
    assert "land into main: 2 landed (tests: 2 runs, 0 reused; retries: 0)" in out.splitlines()
    assert len(list(stamps.iterdir())) == 2


def test_ctrl_c_while_testing_leaves_the_target_and_no_worktree(tmp_path: Path) -> None:
    r = shop(tmp_path, [TOTAL, DOCS], command=f"{sys.executable} tests/block.py")
    before = r.rev("main")
    started = tmp_path / "started"
    first = gate_process("land", "--jobs", "1", cwd=r.path, env={"LAND_STARTED": str(started)})
    try:
        wait_for(started)
        # A second queue at the same time says why it does not run.
        second = gate_process("land", cwd=r.path)
        _, err2 = second.communicate(timeout=60)
        assert second.returncode == 4
        assert "another 'agentgate land'" in err2 and f"pid {first.pid})" in err2
        first.send_signal(signal.SIGINT)
        out, err = first.communicate(timeout=60)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 130, err
    assert "interrupted" in out
    assert r.rev("main") == before
    assert r.git("worktree", "list", "--porcelain").count("worktree ") == 1
    assert not list((r.path / ".git/agentgate/wt").glob("*.lock"))
    with pytest.raises(ProcessLookupError):
        os.kill(int(started.read_text()), 0)


def test_branch_with_an_unapproved_migration_is_held_with_its_reason(run: Run, tmp_path: Path) -> None:
    r = shop(tmp_path, [DOCS, MIGRATION])
    rc, out, err = run("land", cwd=r.path)
    assert (rc, err) == (3, "")
    summary = out[out.index("land into main:"):].splitlines()
    merge = r.git("log", "-1", "--format=%h", "main").strip()
    assert summary[:3] == [
        "land into main: 1 landed, 1 held (tests: 1 run, 0 reused; retries: 0)",
        f"  landed  agent/dave/4-docs     {merge}",
        "  held    agent/carol/5-status  ask: gate.migration: db/migrations/0002_status.sql is a migration "
        "(pattern **/migrations/**): added",
    ]
    assert r.git("log", "--format=%s", "main", "--", "db").strip() == ""
    assert r.git("branch", "--contains", r.rev("agent/carol/5-status")).split() == ["agent/carol/5-status"]


# -- --push ----------------------------------------------------------------------------------


def test_push_lands_on_the_server_and_a_refusal_loses_nothing_locally(
    run: Run, tmp_path: Path, agentgate: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    r = shop(tmp_path, [DOCS, MIGRATION], unattributed="block")
    bare = tmp_path / "remote.git"
    Repo.init(bare, bare=True)
    install_server_hooks(bare)
    r.git("push", "-q", bare.as_uri(), "main", "agent/dave/4-docs", "agent/carol/5-status")
    monkeypatch.setenv("AGENTGATE_USER", "lead")
    assert run("approve", "agent/carol/5-status", cwd=r.path)[0] == 0
    rc, out, err = run("land", "--push", bare.as_uri(), cwd=r.path)
    assert (rc, err) == (0, ""), out
    tail = out.splitlines()[-4:]
    assert tail[0] == f"pushed: agentgate/approvals to {bare.as_uri()}"
    assert f"pushed: main to {bare.as_uri()}" in tail
    for ref in ("refs/heads/main", "refs/agentgate/approvals"):
        assert r.git("rev-parse", ref) == Repo(bare).git("rev-parse", ref)

    # A branch the server never saw, landed by a bot that is no approver: its work
    # belongs to no agent there, which this policy refuses; the local landing stays.
    monkeypatch.setenv("AGENTGATE_USER", "ci-bot")
    r.git("checkout", "-q", "-b", "agent/dave/6-more", "main")
    r.commit("more docs", {"docs/more.md": "more\n"})
    r.checkout("main")
    r.git("push", "-q", bare.as_uri(), "main")
    server_main = Repo(bare).rev("main")
    rc, out, err = run("land", "--push", bare.as_uri(), cwd=r.path)
    assert rc == 1, out
    landed = r.rev("main")
    assert landed != server_main and Repo(bare).rev("main") == server_main
    assert r.git("log", "-1", "--format=%s", "main").strip() == "Merge agent/dave/6-more (agent dave)"
    said = out[out.index("push refused:"):].splitlines()
    assert said[0] == f"push refused: main to {bare.as_uri()}"
    assert said[2:] == ["  agentgate: main: block: refused", "  agentgate: push refused",
                        f"  nothing local was changed by the refusal: main stays at {landed[:7]} here"]
    assert "BLOCK ref.unattributed" in said[1]
