"""The composite action end to end: its steps run as a GitHub runner would run them,
with the real agentgate, against a clone made the way actions/checkout makes it.

The runner is emulated: the event payload in ``GITHUB_EVENT_PATH``, the
``GITHUB_*`` variables, per-step ``GITHUB_OUTPUT`` files and the job summary file;
each ``run:`` step of ``ci/action.yml`` is written to a script and run with
``bash --noprofile --norc -eo pipefail`` (GitHub's ``shell: bash``), its
``${{ inputs.* }}`` and ``${{ steps.*.outputs.* }}`` expressions filled in. Setting
up Python and installing agentgate are the two steps a directory first on ``PATH``
stands in for: an ``agentgate`` that runs this checkout's ``python -m gate``, and a
``python``. ``actions/cache/restore`` and ``save`` are emulated with a directory per
entry: an exact key first, else the newest entry whose key starts with a restore key.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML  # comes with check-jsonschema, a test dependency

from tests.gitutil import Repo, git, seeded_repo

ROOT = Path(__file__).resolve().parent.parent
ACTION = ROOT / "ci" / "action.yml"
STAND_INS = {"Set up Python", "Install agentgate"}  # what the bin directory replaces
_EXPR = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")


@dataclass
class Run:
    """One run of the action: its steps' exit code and output, and the action's outputs."""

    code: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str
    cache: list[str]  # what the cache steps did: "restore KEY", "restore miss", "save KEY"

    @property
    def annotations(self) -> list[str]:
        return [line for line in self.stdout.splitlines() if line.startswith(("::error ", "::warning ", "::notice "))]


def _read_outputs(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text().splitlines():
        key, _, value = line.partition("=")
        out[key] = value
    return out


_IF = re.compile(r"steps\.([\w-]+)\.outputs\.([\w-]+) == 'true'")


def _cache_step(uses: str, spec: dict[str, str], workspace: Path, store: Path) -> str:
    """actions/cache/restore or save, on a local store: one directory per entry."""
    paths = spec["path"].split()
    entries = sorted(store.iterdir(), key=lambda e: e.stat().st_mtime_ns) if store.is_dir() else []
    keys = {(e / "key").read_text(): e for e in entries}
    if uses.startswith("actions/cache/save@"):
        if spec["key"] in keys:
            return f"save {spec['key']}: exists"  # GitHub warns and keeps the old entry
        entry = store / f"{len(entries)}"
        for p in paths:
            if (workspace / p).exists():
                shutil.copytree(workspace / p, entry / "files" / p)
        (entry / "files").mkdir(parents=True, exist_ok=True)
        (entry / "key").write_text(spec["key"])
        return f"save {spec['key']}"
    assert uses.startswith("actions/cache/restore@"), uses
    hit = keys.get(spec["key"])
    for prefix in spec.get("restore-keys", "").split():
        hit = hit or next((e for k, e in reversed(keys.items()) if k.startswith(prefix)), None)
    if hit is None:
        return "restore miss"
    for p in paths:
        if (hit / "files" / p).exists():
            shutil.copytree(hit / "files" / p, workspace / p, dirs_exist_ok=True)
    return f"restore {(hit / 'key').read_text()}"


def run_action(workspace: Path, tmp_path: Path, event_name: str, event: dict[str, Any],
               env: dict[str, str], inputs: dict[str, str] | None = None, summary_before: str = "") -> Run:
    """Run ci/action.yml's steps in ``workspace`` as the runner would for ``event``
    (``summary_before``: what earlier steps of the job wrote to the summary). The
    cache store, ``tmp_path/actions-cache``, is shared by the runs of a test."""
    action = YAML(typ="safe").load(ACTION.read_text(encoding="utf-8"))
    values = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    values.update(inputs or {})
    home = tmp_path / "runner"
    shutil.rmtree(home, ignore_errors=True)
    (home / "bin").mkdir(parents=True)
    shims = {"agentgate": f'exec "{sys.executable}" -m gate "$@"', "python": f'exec "{sys.executable}" "$@"'}
    for name, cmd in shims.items():
        shim = home / "bin" / name
        shim.write_text(f"#!/bin/sh\n{cmd}\n")
        shim.chmod(0o755)
    event_path = home / "event.json"
    event_path.write_text(json.dumps(event))
    summary = home / "step_summary.md"
    summary.write_text(summary_before)
    job_env = {
        **os.environ,
        "PATH": f"{home / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(ROOT),
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": event_name,
        "GITHUB_EVENT_PATH": str(event_path),
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_ACTION_PATH": str(ACTION.parent),
        "GITHUB_REPOSITORY": "acme/shop",
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_HEAD_REF": "",
        "GITHUB_BASE_REF": "",
        "RUNNER_OS": "Linux",
        "RUNNER_TEMP": str(home),
        **env,
    }

    step_outputs: dict[str, dict[str, str]] = {}

    def fill(text: str) -> str:
        def one(m: re.Match[str]) -> str:
            expr = m.group(1)
            if expr.startswith("steps."):
                _, step_id, _, name = expr.split(".")
                return step_outputs.get(step_id, {}).get(name, "")
            assert expr.startswith("inputs."), f"the emulation knows no expression {expr!r}"
            return values[expr.removeprefix("inputs.")]
        return _EXPR.sub(one, text)

    stdout = stderr = ""
    code = 0
    cache: list[str] = []
    for n, step in enumerate(action["runs"]["steps"]):
        if step.get("name") in STAND_INS:
            continue
        if "if" in step:
            cond = _IF.fullmatch(step["if"])
            assert cond, f"the emulation knows no condition {step['if']!r}"
            if step_outputs.get(cond.group(1), {}).get(cond.group(2)) != "true":
                continue
        if "uses" in step:
            spec = {k: fill(str(v)) for k, v in step["with"].items()}
            cache.append(_cache_step(step["uses"], spec, workspace, tmp_path / "actions-cache"))
            continue
        assert "run" in step and step["shell"] == "bash", step
        script = home / f"step{n}.sh"
        script.write_text(step["run"])
        output = home / f"output{n}"
        output.write_text("")
        step_env = {k: fill(str(v)) for k, v in step.get("env", {}).items()}
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=workspace,
                              env={**job_env, **step_env, "GITHUB_OUTPUT": str(output)},
                              capture_output=True, text=True, check=False)
        stdout, stderr, code = stdout + proc.stdout, stderr + proc.stderr, proc.returncode
        if "id" in step:
            step_outputs[step["id"]] = _read_outputs(output)
        if code != 0:
            break  # a failing step fails the action; later steps do not run
    outputs = {}
    for name, spec in action["outputs"].items():
        m = re.fullmatch(r"\$\{\{\s*steps\.([\w-]+)\.outputs\.([\w-]+)\s*\}\}", spec["value"])
        assert m, spec
        outputs[name] = step_outputs.get(m.group(1), {}).get(m.group(2), "")
    return Run(code, stdout, stderr, outputs, summary.read_text(), cache)


# -- the repository ---------------------------------------------------------------------------------


@dataclass
class Origin:
    bare: Path
    work: Repo


@pytest.fixture
def origin(tmp_path: Path) -> Origin:
    """A bare origin with the sample policy and three of alice's pull requests: one
    that blocks, one that needs an approval, one that is clean."""
    work = seeded_repo(tmp_path / "work")
    work.branch("agent/alice/block")
    work.commit("alice: touch the ui", {"src/ui/app.py": "def render():\n    return 'alice'\n"})
    work.branch("agent/alice/ask")
    work.commit("alice: rates migration", {"src/billing/migrations/0002_rates.py": "op = 1\n"})
    work.branch("agent/alice/clean")
    work.commit("alice: totals", {"src/billing/invoice.py": "def total(items):\n    return sum(items, 0)\n"})
    work.checkout("main")
    bare = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(work.path), str(bare))
    return Origin(bare, work)


def pull_request_ref(o: Origin, number: int, head: str) -> str:
    """GitHub's refs/pull/N/merge: the head merged into the base, made on the server."""
    work = o.work
    work.git("checkout", "-q", "--detach", "main")
    work.git("merge", "-q", "--no-ff", "-m", f"Merge {work.rev(head)} into {work.rev('main')}", head)
    merge = work.rev("HEAD")
    work.checkout("main")
    git(o.bare, "fetch", "-q", str(work.path), f"+{merge}:refs/pull/{number}/merge")
    return merge


def checkout(o: Origin, dest: Path, ref: str, *fetch: str, branch: str | None = None) -> Path:
    """A workspace as actions/checkout with fetch-depth: 0 leaves it: every branch as
    refs/remotes/origin/*, then the event's ref checked out (detached for a pull request)."""
    dest.mkdir()
    git(dest, "init", "-q")
    git(dest, "remote", "add", "origin", f"file://{o.bare}")
    git(dest, "fetch", "-q", "--prune", "--no-recurse-submodules", "origin",
        "+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*", *fetch)
    if branch:
        git(dest, "checkout", "-q", "--force", "-B", branch, ref)
    else:
        git(dest, "checkout", "-q", "--force", "--detach", ref)
    return dest


def pull_request_event(o: Origin, number: int, head: str, merge: str) -> dict[str, Any]:
    """The parts of a recorded pull_request (synchronize) payload an action reads."""
    repo = {"full_name": "acme/shop", "name": "shop", "owner": {"login": "acme"}, "default_branch": "main"}
    return {
        "action": "synchronize",
        "number": number,
        "pull_request": {
            "number": number,
            "state": "open",
            "title": head,
            "user": {"login": "alice-bot"},
            "head": {"ref": head, "sha": o.work.rev(head), "label": f"acme:{head}", "repo": repo},
            "base": {"ref": "main", "sha": o.work.rev("main"), "label": "acme:main", "repo": repo},
            "merge_commit_sha": merge,
            "draft": False,
        },
        "repository": repo,
        "sender": {"login": "alice-bot"},
    }


def run_pull_request(o: Origin, tmp_path: Path, number: int, head: str, workspace: str = "workspace",
                     **kw: Any) -> Run:
    merge = pull_request_ref(o, number, head)
    ws = checkout(o, tmp_path / workspace, f"refs/remotes/pull/{number}/merge",
                  f"+refs/pull/{number}/merge:refs/remotes/pull/{number}/merge")
    return run_action(ws, tmp_path, "pull_request", pull_request_event(o, number, head, merge), {
        "GITHUB_HEAD_REF": head,
        "GITHUB_BASE_REF": "main",
        "GITHUB_REF": f"refs/pull/{number}/merge",
        "GITHUB_SHA": merge,
    }, **kw)


# -- pull requests ---------------------------------------------------------------------------------


def test_a_blocking_pull_request_fails_the_step_with_an_error_on_the_file(origin: Origin, tmp_path: Path) -> None:
    run = run_pull_request(origin, tmp_path, 7, "agent/alice/block")
    assert (run.code, run.outputs) == (1, {"verdict": "block", "exit-code": "1"}), run.stderr
    assert run.annotations == [
        "::error file=src/ui/app.py,title=scope.outside::src/ui/app.py is owned by bob (pattern src/ui/**), "
        "not by alice%0A→ leave this file to bob, or move the change to a branch of bob",
    ]
    assert run.stdout.splitlines()[-1] == "agentgate: BLOCK (1 blocking)"
    main = origin.work.rev("main")[:7]
    assert run.summary == (
        "## ⛔ agentgate: block\n\n"
        f"Checked 1 branch against `main` at `{main}`: 1 blocking.\n\n"
        "### ⛔ `agent/alice/block` · alice · block\n\n"
        "| rule | action | location | message |\n"
        "| --- | --- | --- | --- |\n"
        "| `scope.outside` | ⛔ block | `src/ui/app.py` | src/ui/app.py is owned by bob (pattern src/ui/\\*\\*), "
        "not by alice<br>→ leave this file to bob, or move the change to a branch of bob |\n\n"
        "### What to do next\n\n"
        "- fix the blocking findings on agent/alice/block (see the hints) and push again\n"
    )


def test_a_pull_request_that_needs_an_approval_fails_the_step_with_exit_3(origin: Origin, tmp_path: Path) -> None:
    run = run_pull_request(origin, tmp_path, 8, "agent/alice/ask")
    assert (run.code, run.outputs) == (3, {"verdict": "ask", "exit-code": "3"}), run.stderr
    assert run.annotations == [
        "::error file=src/billing/migrations/0002_rates.py,title=gate.migration::src/billing/migrations/"
        "0002_rates.py is a migration (pattern **/migrations/**): added%0A→ migrations change data; a human "
        "must approve; approve with 'agentgate approve agent/alice/ask'",
    ]
    assert run.stdout.splitlines()[-1] == "agentgate: ASK (1 to approve)"
    assert "### ✋ `agent/alice/ask` · alice · ask\n" in run.summary
    assert run.summary.endswith(
        "- 1 finding on agent/alice/ask needs a human approval; after review, an approver runs "
        "`agentgate approve agent/alice/ask`\n")


def test_a_clean_pull_request_passes_with_no_annotations(origin: Origin, tmp_path: Path) -> None:
    run = run_pull_request(origin, tmp_path, 9, "agent/alice/clean")
    assert (run.code, run.outputs, run.annotations) == (0, {"verdict": "allow", "exit-code": "0"}, []), run.stderr
    assert run.stdout.splitlines()[-1] == "agentgate: ALLOW (no findings)"
    assert "### ✅ `agent/alice/clean` · alice · allow\n\nNo findings.\n" in run.summary
    assert run.summary.endswith("- nothing blocks: the branch may merge\n")


def test_another_agents_branch_on_the_same_lines_gives_warnings_that_pass(origin: Origin, tmp_path: Path) -> None:
    work = origin.work
    work.branch("agent/bob/util")
    work.commit("bob: helper", {"src/common/util.py": "def helper():\n    return 2\n"})
    work.branch("agent/alice/util")
    work.commit("alice: helper", {"src/common/util.py": "def helper():\n    return 3\n"})
    work.checkout("main")
    git(origin.bare, "fetch", "-q", str(work.path), "+refs/heads/agent/*:refs/heads/agent/*")
    run = run_pull_request(origin, tmp_path, 10, "agent/alice/util")
    assert (run.code, run.outputs) == (0, {"verdict": "allow", "exit-code": "0"}), run.stderr
    assert run.annotations == [
        "::warning file=src/common/util.py,line=2,endLine=2,title=overlap.conflict::src/common/util.py conflicts "
        "with bob's branch agent/bob/util (content): the two branches do not merge cleanly%0A→ agree with bob "
        "which branch merges first; the other then rebases onto the target and resolves src/common/util.py",
        "::warning file=src/common/util.py,title=scope.shared::src/common/util.py is shared (pattern src/common/); "
        "other agents depend on it%0A→ keep the change small and tell the other agents",
    ]
    assert run.stdout.splitlines()[-1] == "agentgate: ALLOW (2 warnings)"


def test_the_summary_is_appended_to_what_earlier_steps_wrote(origin: Origin, tmp_path: Path) -> None:
    run = run_pull_request(origin, tmp_path, 9, "agent/alice/clean", summary_before="## Tests\n\nall green\n")
    assert run.summary.startswith("## Tests\n\nall green\n## ✅ agentgate: allow\n")


def test_the_sarif_job_writes_the_report_to_the_output_file(origin: Origin, tmp_path: Path) -> None:
    run = run_pull_request(origin, tmp_path, 7, "agent/alice/block",
                           inputs={"format": "sarif", "output": "agentgate.sarif"})
    assert (run.code, run.outputs, run.stdout, run.summary) == (1, {"verdict": "block", "exit-code": "1"}, "", "")
    sarif = json.loads((tmp_path / "workspace" / "agentgate.sarif").read_text())
    assert sarif["version"] == "2.1.0"
    assert [(r["ruleId"], r["level"]) for r in sarif["runs"][0]["results"]] == [("scope.outside", "error")]


# -- the merge queue ---------------------------------------------------------------------------------


def test_a_merge_group_checks_the_queue_branch_against_its_base(origin: Origin, tmp_path: Path) -> None:
    # The queue branch is GitHub's merge commit of the pull request onto main. Its head
    # commit carries no Agent: trailer, so the gates that need no agent judge it.
    work = origin.work
    queue = f"gh-readonly-queue/main/pr-8-{work.rev('agent/alice/ask')}"
    work.git("checkout", "-q", "-b", queue, "main")
    work.git("merge", "-q", "--no-ff", "-m", "Merge pull request #8 from acme/agent/alice/ask\n\nrates migration",
             "agent/alice/ask")
    head = work.rev("HEAD")
    work.checkout("main")
    git(origin.bare, "fetch", "-q", str(work.path), f"+refs/heads/{queue}:refs/heads/{queue}")
    ws = checkout(origin, tmp_path / "workspace", f"refs/remotes/origin/{queue}", branch=queue)
    event = {
        "action": "checks_requested",
        "merge_group": {"head_sha": head, "head_ref": f"refs/heads/{queue}", "base_sha": work.rev("main"),
                        "base_ref": "refs/heads/main",
                        "head_commit": {"id": head, "message": "Merge pull request #8 from acme/agent/alice/ask"}},
        "repository": {"full_name": "acme/shop", "default_branch": "main"},
        "sender": {"login": "github-merge-queue[bot]"},
    }
    run = run_action(ws, tmp_path, "merge_group", event, {"GITHUB_REF": f"refs/heads/{queue}", "GITHUB_SHA": head})
    assert (run.code, run.outputs) == (3, {"verdict": "ask", "exit-code": "3"}), run.stderr
    assert run.annotations == [
        "::error file=src/billing/migrations/0002_rates.py,title=gate.migration::src/billing/migrations/"
        f"0002_rates.py is a migration (pattern **/migrations/**): added%0A→ migrations change data; a human "
        f"must approve; approve with 'agentgate approve {queue}'",
    ]
    assert f"### ✋ `{queue}` · no agent · ask\n" in run.summary
    # The checked-out queue branch stays where the checkout put it.
    assert git(ws, "rev-parse", "HEAD").strip() == head
    assert git(ws, "symbolic-ref", "HEAD").strip() == f"refs/heads/{queue}"


def test_a_shallow_checkout_fails_with_the_fix_before_agentgate_runs(origin: Origin, tmp_path: Path) -> None:
    merge = pull_request_ref(origin, 7, "agent/alice/block")
    ws = tmp_path / "workspace"
    git(tmp_path, "clone", "-q", "--depth", "1", "--no-single-branch", f"file://{origin.bare}", str(ws))
    run = run_action(ws, tmp_path, "pull_request", pull_request_event(origin, 7, "agent/alice/block", merge),
                     {"GITHUB_HEAD_REF": "agent/alice/block", "GITHUB_BASE_REF": "main"})
    assert (run.code, run.outputs) == (4, {"verdict": "", "exit-code": ""})
    assert run.stdout == ("::error title=agentgate::the checkout is shallow, so agentgate cannot find merge-bases "
                          "or the other agent branches. Use actions/checkout with 'fetch-depth: 0'.\n")


# -- the cache ----------------------------------------------------------------------------------------

KEPT = ["cs", "history", "overlaps", "pairs", "policy", "symbols"]


def run_push(o: Origin, tmp_path: Path, workspace: str, **kw: Any) -> Run:
    """A push to main, as actions/checkout leaves it: main checked out as a branch."""
    ws = checkout(o, tmp_path / workspace, "refs/remotes/origin/main", branch="main")
    main = o.work.rev("main")
    event = {"ref": "refs/heads/main", "after": main, "repository": {"full_name": "acme/shop"}}
    return run_action(ws, tmp_path, "push", event, {"GITHUB_REF": "refs/heads/main", "GITHUB_REF_NAME": "main",
                                                    "GITHUB_SHA": main}, **kw)


def saved(tmp_path: Path) -> dict[str, list[str]]:
    """Each saved entry's key and the folders it holds."""
    store = tmp_path / "actions-cache"
    entries = sorted(store.iterdir()) if store.is_dir() else []
    return {(e / "key").read_text(): sorted(os.listdir(e / "files" / ".git" / "agentgate")) for e in entries}


def test_a_push_to_main_warms_the_cache_and_saves_only_what_object_ids_key(origin: Origin, tmp_path: Path) -> None:
    run = run_push(origin, tmp_path, "push")
    # agent/alice/block blocks, but warming gates nothing.
    assert (run.code, run.outputs) == (0, {"verdict": "block", "exit-code": "1"}), run.stdout + run.stderr
    assert run.annotations == []
    key = f"agentgate-1-Linux-main:{origin.work.rev('main')}"
    assert run.cache == ["restore miss", f"save {key}"]
    assert "memo" in os.listdir(tmp_path / "push" / ".git" / "agentgate")  # written, and not kept
    assert saved(tmp_path) == {key: KEPT}


def test_a_pull_request_restores_what_the_push_saved_and_saves_nothing(origin: Origin, tmp_path: Path) -> None:
    run_push(origin, tmp_path, "push")
    before = saved(tmp_path)
    run = run_pull_request(origin, tmp_path, 7, "agent/alice/block", workspace="pr")
    assert (run.code, run.outputs) == (1, {"verdict": "block", "exit-code": "1"}), run.stderr
    assert run.cache == [f"restore agentgate-1-Linux-main:{origin.work.rev('main')}"]
    assert saved(tmp_path) == before
    cs = tmp_path / "pr" / ".git" / "agentgate" / "cs"
    assert sorted(p.name for p in cs.rglob("*.json")) == sorted(
        p.name for p in (tmp_path / "push" / ".git" / "agentgate" / "cs").rglob("*.json"))


def test_after_main_moved_a_pull_request_falls_back_to_the_newest_entry(origin: Origin, tmp_path: Path) -> None:
    run_push(origin, tmp_path, "push")
    old = f"agentgate-1-Linux-main:{origin.work.rev('main')}"
    origin.work.commit("lead: docs", {"docs/x.md": "x\n"})
    git(origin.bare, "fetch", "-q", str(origin.work.path), "+main:main")
    run = run_pull_request(origin, tmp_path, 9, "agent/alice/clean", workspace="pr")
    assert (run.code, run.cache) == (0, [f"restore {old}"])
    # The next push to main saves under main's new commit, starting from the old entry.
    moved = run_push(origin, tmp_path, "push2")
    assert moved.cache == [f"restore {old}", f"save agentgate-1-Linux-main:{origin.work.rev('main')}"]


def test_a_run_with_tests_never_saves_the_cache(origin: Origin, tmp_path: Path) -> None:
    run = run_push(origin, tmp_path, "push", inputs={"tests": "true"})
    assert (run.code, run.cache) == (0, ["restore miss"])
    assert saved(tmp_path) == {}


def test_cache_false_neither_restores_nor_saves(origin: Origin, tmp_path: Path) -> None:
    run = run_push(origin, tmp_path, "push", inputs={"cache": "false"})
    assert (run.code, run.cache) == (0, [])
