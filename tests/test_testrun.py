"""Tests on the merge candidate in a pool of reusable test checkouts (issues 6, 17): real git, real processes."""

from __future__ import annotations

import fcntl
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from gate.testrun import TestFailure, TestJob, TestOutcome, run_many, run_tests, with_junit
from gate.testrun.cache import cache_path, cached_outcomes, store
from gate.testrun.junit import read_report
from gate.testrun.pool import pool_dir
from tests.gitutil import Repo, git

ROOT = Path(__file__).resolve().parents[1]
PYTEST = f"{shlex.quote(sys.executable)} -m pytest -q -p no:cacheprovider"

BASE = {
    "pytest.ini": "[pytest]\n",
    "calc.py": "def add(a, b):\n    return a + b\n",
    "tests/test_calc.py": (
        "from calc import add\n"
        "\n"
        "\n"
        "def test_add():\n"
        "    result = add(1, 2)\n"
        '    assert result == 3, "add is wrong"\n'
        "\n"
        "\n"
        "def test_add_zero():\n"
        "    assert add(0, 0) == 0\n"
    ),
}
# What another agent merged first: `add` now subtracts. The branch's own tests are
# unchanged and pass on its tip; on the merge candidate test_add fails.
BROKEN_ADD = {"calc.py": "def add(a, b):\n    return a - b\n"}
HANGS = {
    "tests/test_hang.py": (
        "import subprocess\nimport time\n\n\ndef test_hangs():\n"
        '    subprocess.Popen(["sleep", "60"])\n    time.sleep(60)\n'
    )
}
JUNIT_SCRIPT = """\
cat > "$AGENTGATE_JUNIT" <<'XML'
<?xml version="1.0" encoding="utf-8"?>
<testsuite name="c-suite" tests="2">
  <testcase classname="calc" name="adds" file="src/calc.c" line="12">
    <failure message="expected 3, got -1">src/calc.c:12: expected 3, got -1</failure>
  </testcase>
  <testcase classname="calc" name="subtracts" file="src/calc.c" line="20"/>
</testsuite>
XML
exit 1
"""
HARNESS = """\
import signal, sys
from pathlib import Path
signal.signal(signal.SIGINT, signal.default_int_handler)
from gate.testrun import run_tests
repo, commit, command = sys.argv[1:4]
run_tests(Path(repo), Path(repo) / ".git", commit, command, 60.0, "harness")
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    """A repository whose main holds a small passing pytest project; scratch dirs in tmp_path."""
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)
    # The inner pytest runs need no plugin; loading hypothesis's alone costs seconds.
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    repo = Repo.init(tmp_path / "repo")
    repo.commit("initial", dict(BASE))
    return repo


def candidate(repo: Repo, files: dict[str, str]) -> str:
    """A commit on top of main with ``files`` changed that no ref points at, like a merge candidate."""
    env = {**os.environ, "GIT_INDEX_FILE": str(repo.path / ".git" / "candidate-index")}

    def run(*args: str, data: str | None = None) -> str:
        out = subprocess.run(["git", *args], cwd=repo.path, env=env, input=data, capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        return out.stdout.strip()

    run("read-tree", "main")
    for path, content in files.items():
        blob = run("hash-object", "-w", "--stdin", data=content)
        run("update-index", "--add", "--cacheinfo", f"100644,{blob},{path}")
    tree = run("write-tree")
    os.unlink(env["GIT_INDEX_FILE"])
    return run("commit-tree", tree, "-p", "main", "-m", "candidate")


def run(repo: Repo, commit: str, command: str = PYTEST, timeout: float = 60.0, **kw: object) -> TestOutcome:
    return run_tests(repo.path, repo.path / ".git", commit, command, timeout, kw.pop("key", commit), **kw)  # type: ignore[arg-type]


def worktrees(repo: Repo) -> list[str]:
    return [ln for ln in repo.git("worktree", "list", "--porcelain").splitlines() if ln.startswith("worktree ")]


def slot_checkouts(repo: Repo) -> list[Path]:
    root = pool_dir(repo.path / ".git")
    return sorted(p / "checkout" for p in root.iterdir()) if root.is_dir() else []


def assert_nothing_left(repo: Repo) -> None:
    """Only the user's worktree and no admin dir; the pool's slots, and nothing else,
    in the temp dir, each clean, unlocked and ready for the next run; main untouched."""
    assert worktrees(repo) == [f"worktree {repo.path}"]
    assert not (repo.path / ".git" / "worktrees").exists()
    assert os.listdir(tempfile.gettempdir()) == [pool_dir(repo.path / ".git").name]
    locks = sorted((repo.path / ".git" / "agentgate" / "pool").iterdir())
    assert [lock.name for lock in locks] == [f"{n}.lock" for n in range(len(slot_checkouts(repo)))]
    for co, lock in zip(slot_checkouts(repo), locks, strict=True):
        assert os.listdir(co.parent) == ["checkout"]  # the run's JUnit file and log are gone
        assert git(co, "status", "--porcelain", "--ignored", "--untracked-files=all") == ""
        assert lock.read_text().startswith("ready ")
        fd = os.open(lock, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # no run holds it any more
        finally:
            os.close(fd)
    assert not (repo.path / ".git" / "agentgate" / "wt").exists()
    assert repo.git("status", "--porcelain") == ""
    assert repo.git("for-each-ref", "--format=%(refname)").splitlines() == ["refs/heads/main"]


def group_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def test_passing_suite_on_the_candidate_passes_and_leaves_nothing(project: Repo) -> None:
    outcome = run(project, candidate(project, {"README.md": "hello\n"}))
    assert (outcome.kind, outcome.failures, outcome.tests, outcome.exit_code, outcome.reused) == (
        "passed", (), 2, 0, False,
    )  # fmt: skip
    assert outcome.output_tail.splitlines()[-1].startswith("2 passed")
    assert_nothing_left(project)


def test_branch_failing_only_on_the_merge_candidate_names_the_test_and_its_assertion(project: Repo) -> None:
    outcome = run(project, candidate(project, BROKEN_ADD))
    assert outcome.kind == "failed"
    assert outcome.failures == (
        TestFailure(
            test_id="tests/test_calc.py::test_add",
            path="tests/test_calc.py",
            line=6,
            message_head="AssertionError: add is wrong\nassert -1 == 3",
        ),
    )
    assert (outcome.tests, outcome.exit_code, outcome.message) == (2, 1, "")
    assert_nothing_left(project)


def test_hanging_test_times_out_and_its_whole_process_group_is_killed(project: Repo) -> None:
    outcome = run(project, candidate(project, HANGS), timeout=2)
    assert (outcome.kind, outcome.failures, outcome.message) == (
        "timeout", (), "ran past its 2 s timeout; its process group was killed",
    )  # fmt: skip
    assert outcome.pgid is not None
    with pytest.raises(ProcessLookupError):
        os.killpg(outcome.pgid, 0)  # pytest and the `sleep 60` it started are both gone
    assert_nothing_left(project)


def test_command_that_does_not_exist_is_an_error(project: Repo) -> None:
    outcome = run(project, project.rev("main"), "agentgate-no-such-command --all")
    assert (outcome.kind, outcome.exit_code, outcome.failures, outcome.message) == (
        "error", 127, (), "the command could not start: agentgate-no-such-command was not found (exit 127)",
    )  # fmt: skip
    assert "agentgate-no-such-command" in outcome.output_tail
    assert_nothing_left(project)


def test_program_missing_after_other_commands_is_named_from_the_shells_message(project: Repo) -> None:
    outcome = run(project, project.rev("main"), "echo preparing && GOFLAGS=-v agentgate-no-go test ./...")
    assert (outcome.exit_code, outcome.message) == (
        127, "the command could not start: agentgate-no-go was not found (exit 127)")
    assert outcome.output_tail.splitlines()[0] == "preparing"


def test_missing_program_falls_back_to_the_first_word_not_on_path(tmp_path: Path) -> None:
    from gate.testrun.output import missing_program

    (tmp_path / "run.sh").write_text("")
    assert missing_program("", "A=1 agentgate-nope -x", tmp_path, "/usr/bin:/bin") == "agentgate-nope"
    assert missing_program("", "./absent.sh", tmp_path, "/bin") == "./absent.sh"
    assert missing_program("", "./run.sh", tmp_path, "/bin") is None
    assert missing_program("", "sh -c 'exit 127'", tmp_path, "/usr/bin:/bin") is None
    zsh = "zsh:1: command not found: gotest\n"
    assert missing_program(zsh, "whatever", tmp_path, None) == "gotest"
    bash = "bash: line 1: ./ci/run: No such file or directory\n"
    assert missing_program(bash, "whatever", tmp_path, None) == "./ci/run"


def test_output_tail_is_the_last_60_lines_with_credentials_redacted(project: Repo) -> None:
    token = "ghp_" + "A1b2C3d4" * 5
    script = (
        "for i in $(seq 1 100); do echo line $i; done\n"
        f"echo 'GITHUB_TOKEN={token}'\n"
        "echo '-----BEGIN RSA PRIVATE KEY-----'\necho 'MIIEowIBAAKCAQEA7Zq'\n"
        "echo '-----END RSA PRIVATE KEY-----'\necho after\nexit 3\n"
    )
    commit = candidate(project, {"noisy.sh": script})
    outcome = run(project, commit, "sh noisy.sh", key="noisy")
    lines = outcome.output_tail.splitlines()
    # 60 lines of output; the key's three lines fold into one.
    assert lines[-4:] == ["line 100", "[redacted: GitHub token]", "[redacted: private key]", "after"]
    assert (len(lines), lines[0]) == (58, "line 46")
    assert token not in outcome.output_tail and "MIIEow" not in outcome.output_tail


def test_command_failing_without_a_failing_test_is_an_error(project: Repo) -> None:
    outcome = run(project, project.rev("main"), "echo broken setup; exit 3")
    assert (outcome.kind, outcome.exit_code, outcome.output_tail, outcome.message) == (
        "error", 3, "broken setup", "the command exited 3 and wrote no JUnit report naming a failing test",
    )  # fmt: skip


def test_other_tools_report_failures_through_agentgate_junit(project: Repo) -> None:
    commit = candidate(project, {"run-tests.sh": JUNIT_SCRIPT, "src/calc.c": "int add(int a, int b);\n"})
    outcome = run(project, commit, "sh run-tests.sh")
    assert (outcome.kind, outcome.tests, outcome.exit_code) == ("failed", 2, 1)
    assert outcome.failures == (TestFailure("src/calc.c::adds", "src/calc.c", 12, "expected 3, got -1"),)


def test_background_process_left_by_a_passing_suite_is_killed(project: Repo) -> None:
    outcome = run(project, project.rev("main"), "sleep 60 & exit 0")
    assert (outcome.kind, outcome.exit_code) == ("passed", 0)
    assert outcome.pgid is not None and group_gone(outcome.pgid)


def test_git_variables_of_a_calling_hook_reach_neither_git_nor_the_command(
    project: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    commit = project.rev("main")
    monkeypatch.setenv("GIT_DIR", str(project.path / "nowhere"))
    monkeypatch.setenv("GIT_INDEX_FILE", str(project.path / "nowhere-index"))
    outcome = run(project, commit, 'test -z "$GIT_DIR$GIT_INDEX_FILE" && test -f calc.py')
    assert (outcome.kind, outcome.message) == ("passed", "")


def test_second_identical_run_reuses_the_result_and_rerun_forces(
    project: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    counter = tmp_path / "runs.txt"
    monkeypatch.setenv("RUN_COUNTER", str(counter))
    conftest = 'import os\n\nwith open(os.environ["RUN_COUNTER"], "a") as f:\n    f.write("run\\n")\n'
    commit = candidate(project, {**BROKEN_ADD, "conftest.py": conftest})
    lines: list[str] = []
    first = run(project, commit, key="tree+cmd", on_progress=lines.append, label="agent/bob/x")
    second = run(project, commit, key="tree+cmd", on_progress=lines.append, label="agent/bob/x")
    assert counter.read_text() == "run\n"
    assert (second.reused, first.reused) == (True, False)
    assert (second.kind, second.failures, second.tests, second.pgid) == (first.kind, first.failures, 2, None)
    assert lines == [
        f"agent/bob/x: testing {commit[:12]}: {PYTEST}",
        "agent/bob/x: failed: 1 failing test",
        "agent/bob/x: reused the result of an earlier run: failed: 1 failing test",
    ]
    assert cache_path(project.path / ".git", "tree+cmd").is_file()
    third = run(project, commit, key="tree+cmd", rerun=True)
    assert (third.reused, third.kind, counter.read_text()) == (False, "failed", "run\nrun\n")
    assert_nothing_left(project)


def test_timeout_is_reused_only_under_a_limit_no_longer_than_it_ran_past(project: Repo) -> None:
    commit = project.rev("main")
    assert run(project, commit, "sleep 30", timeout=0.5, key="k").kind == "timeout"
    assert run(project, commit, "sleep 30", timeout=0.5, key="k").reused
    assert run(project, commit, "exit 0", timeout=5, key="k").kind == "passed"


def test_unreadable_cache_entry_means_a_new_run(project: Repo) -> None:
    commit = project.rev("main")
    path = cache_path(project.path / ".git", "k")
    path.parent.mkdir(parents=True)
    path.write_text('{"version": 1, "key": "k", "outc')
    assert run(project, commit, "exit 0", key="k").reused is False


def test_commit_that_cannot_be_checked_out_is_an_error(project: Repo) -> None:
    outcome = run(project, "0" * 40, "exit 0")
    assert (outcome.kind, outcome.message) == (
        "error", "could not check out 000000000000 in a test checkout: fatal: reference is not a tree: " + "0" * 40)
    assert worktrees(project) == [f"worktree {project.path}"]
    # The slot it was to use serves the next run.
    assert run(project, project.rev("main"), "test -f calc.py").kind == "passed"
    assert_nothing_left(project)


def test_run_many_tests_each_candidate_in_a_slot_of_its_own_in_order(project: Repo) -> None:
    git_dir = project.path / ".git"
    passing = candidate(project, {"run-tests.sh": "exit 0\n"})
    failing = candidate(project, {"run-tests.sh": JUNIT_SCRIPT})
    items = [
        TestJob(project.path, git_dir, commit, "sh run-tests.sh; pwd >&2", 60.0, commit)
        for commit in (failing, passing, failing)
    ]
    outcomes = run_many(2, items)
    assert [o.kind for o in outcomes] == ["failed", "passed", "failed"]
    # Two at a time: two slots, the third run reuses one of them.
    assert {o.output_tail for o in outcomes} == {str(co) for co in slot_checkouts(project)}
    assert len(slot_checkouts(project)) == 2
    assert_nothing_left(project)


# A test command that leaves every kind of trace: an untracked file, an ignored one, a
# new directory, a nested repository, a changed tracked file and a deleted one.
LITTER = (
    "echo junk > stray.txt && echo '*.log' > .gitignore && echo x > run.log && mkdir -p build/out "
    "&& echo y > build/out/lib.so && git init -q nested && echo 'def add(a, b): return 0' > calc.py "
    "&& rm pytest.ini"
)
# ... and one that passes only where none of it is left and HEAD is the candidate, detached.
PRISTINE = (
    'test "$(git rev-parse HEAD)" = "$WANT" && ! git symbolic-ref -q HEAD && git diff --quiet HEAD '
    '&& test -z "$(git status --porcelain --ignored --untracked-files=all)" && test ! -e stray.txt '
    "&& test ! -e build && test -f pytest.ini && grep -q 'a + b' calc.py && pwd"
)


def test_nothing_of_one_candidates_run_survives_into_the_next_in_the_same_slot(
    project: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = candidate(project, {"README.md": "one\n"})
    second = candidate(project, {"README.md": "two\n"})
    dirty = run(project, first, LITTER + " && pwd")
    assert dirty.kind == "passed", dirty.output_tail
    monkeypatch.setenv("WANT", second)
    clean = run(project, second, PRISTINE)
    assert (clean.kind, clean.output_tail) == ("passed", dirty.output_tail.splitlines()[-1])  # the same slot
    assert worktrees(project) == [f"worktree {project.path}"]
    assert_nothing_left(project)


def test_a_slot_whose_git_config_a_test_changed_is_made_anew(
    project: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    planted = run(project, project.rev("main"), "git config alias.st 'status --short' && git config alias.st")
    assert planted.kind == "passed"
    monkeypatch.setenv("WANT", project.rev("main"))
    again = run(project, project.rev("main"), "! git config alias.st && " + PRISTINE, key="again")
    assert again.kind == "passed", again.output_tail
    assert_nothing_left(project)


def test_a_pool_directory_someone_else_could_write_is_refused(project: Repo) -> None:
    root = pool_dir(project.path / ".git")
    root.mkdir(mode=0o755)
    root.chmod(0o755)
    outcome = run(project, project.rev("main"), "exit 0")
    assert (outcome.kind, outcome.message) == (
        "error", f"{root} exists but is not a private directory of yours (owner {os.getuid()}, mode drwxr-xr-x): "
        "agentgate keeps its test checkouts there. Remove it and run again.")
    assert os.listdir(root) == []


def test_parallel_runs_never_share_a_slot(project: Repo) -> None:
    """Each run marks its slot busy and checks, after a while, that the mark and its
    own candidate are still there: a slot handed to two runs would fail both."""
    git_dir = project.path / ".git"
    commits = [candidate(project, {"n.txt": f"{n}\n"}) for n in range(6)]
    check = 'test "$(git rev-parse HEAD)" = {c} && test ! -e busy && touch busy && sleep 0.3 ' \
            '&& test "$(git rev-parse HEAD)" = {c} && test "$(ls busy*)" = busy && pwd'
    items = [TestJob(project.path, git_dir, c, check.format(c=c), 60.0, c) for c in commits]
    outcomes = run_many(3, items)
    assert [(o.kind, o.message) for o in outcomes] == [("passed", "")] * 6, [o.output_tail for o in outcomes]
    assert {o.output_tail for o in outcomes} <= {str(co) for co in slot_checkouts(project)}
    assert 1 <= len(slot_checkouts(project)) <= 3
    assert_nothing_left(project)


def _harness(project: Repo, tmp_path: Path, command: str) -> subprocess.Popen[bytes]:
    script = tmp_path / "harness.py"
    script.write_text(HARNESS)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": tempfile.gettempdir()}
    commit = project.rev("main")
    return subprocess.Popen([sys.executable, str(script), str(project.path), commit, command], env=env, cwd=tmp_path)


def _started(pidfile: Path, proc: subprocess.Popen[bytes]) -> int:
    """The test command's process group, once it runs in its worktree."""
    deadline = time.monotonic() + 60
    while not pidfile.exists():
        assert proc.poll() is None, "the harness ended before the command started"
        assert time.monotonic() < deadline, "the command never started"
        time.sleep(0.02)
    return int(pidfile.read_text())


@pytest.mark.parametrize(("sig", "returncode"), [(signal.SIGTERM, 143), (signal.SIGINT, -signal.SIGINT)])
def test_signal_during_a_run_cleans_the_checkout_and_kills_every_process(
    project: Repo, tmp_path: Path, sig: signal.Signals, returncode: int
) -> None:
    pidfile = tmp_path / "pgid"
    command = f"{LITTER} && echo $$ > {pidfile}.tmp && mv {pidfile}.tmp {pidfile} && sleep 30"
    proc = _harness(project, tmp_path, command)
    pgid = _started(pidfile, proc)
    assert worktrees(project) == [f"worktree {project.path}"]  # a slot is no linked worktree
    proc.send_signal(sig)
    assert proc.wait(timeout=60) == returncode
    assert group_gone(pgid)
    assert_nothing_left(project)


def test_a_slot_left_by_a_killed_run_is_repaired_by_the_next_run(
    project: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pidfile = tmp_path / "pgid"
    proc = _harness(project, tmp_path, f"{LITTER} && echo $$ > {pidfile}.tmp && mv {pidfile}.tmp {pidfile} "
                                       "&& exec sleep 30")
    pgid = _started(pidfile, proc)
    proc.kill()  # SIGKILL: nothing of agentgate runs to clean up
    proc.wait()
    os.killpg(pgid, signal.SIGKILL)  # the orphaned test command; a SIGKILLed runner cannot
    (co,) = slot_checkouts(project)
    assert (co / "stray.txt").is_file()
    assert (project.path / ".git" / "agentgate" / "pool" / "0.lock").read_text().startswith("busy ")
    # A git killed while writing the index leaves its lock behind too.
    (co / ".git" / "index.lock").write_text("")
    other = candidate(project, {"README.md": "next\n"})
    monkeypatch.setenv("WANT", other)
    outcome = run(project, other, PRISTINE)
    assert (outcome.kind, outcome.output_tail) == ("passed", str(co)), outcome.output_tail
    assert_nothing_left(project)


def test_a_slot_whose_clone_was_cut_short_is_made_again(project: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run(project, project.rev("main"), "exit 0").kind == "passed"
    (co,) = slot_checkouts(project)
    shutil.rmtree(co / ".git" / "objects")  # what a kill during `git clone` can leave
    (project.path / ".git" / "agentgate" / "pool" / "0.lock").write_text("busy x\n")
    monkeypatch.setenv("WANT", project.rev("main"))
    outcome = run(project, project.rev("main"), PRISTINE, key="again")
    assert (outcome.kind, outcome.output_tail) == ("passed", str(co)), outcome.output_tail
    assert_nothing_left(project)


def test_worktree_left_by_a_killed_run_of_an_earlier_version_is_pruned(project: Repo, tmp_path: Path) -> None:
    # What a run killed with SIGKILL left before the pool: a linked worktree in a
    # random-named scratch dir, and the lock file naming it.
    scratch = Path(tempfile.gettempdir()) / "agentgate-0123456789ab"
    scratch.mkdir()
    project.git("worktree", "add", "-q", "--detach", str(scratch / scratch.name), "main")
    locks = project.path / ".git" / "agentgate" / "wt"
    locks.mkdir(parents=True)
    (locks / "0123456789ab.lock").write_text(f"{scratch}\n")
    # The user's own worktrees stay, even one whose disk is away (git calls it prunable).
    project.git("worktree", "add", "-q", "-b", "agent/bob/x", str(tmp_path / "bob"))
    project.git("worktree", "add", "-q", "-b", "agent/eve/y", str(tmp_path / "eve"))
    shutil.rmtree(tmp_path / "eve")
    users = [f"worktree {tmp_path / 'bob'}", f"worktree {tmp_path / 'eve'}"]
    assert len(worktrees(project)) == 4
    assert run(project, project.rev("main"), "exit 0").kind == "passed"
    assert worktrees(project) == [f"worktree {project.path}", *users]
    assert os.listdir(tempfile.gettempdir()) == [pool_dir(project.path / ".git").name]
    assert os.listdir(locks) == []


@pytest.mark.parametrize(
    ("command", "appended"),
    [
        ("pytest -q", True),
        ("py.test", True),
        ("python -m pytest -x tests/", True),
        ("/usr/bin/python3.12 -m pytest", True),
        ("PYTHONHASHSEED=0 python3 -m pytest", True),
        ("pytest -q 2>&1", True),
        ("pytest -q | tee log", False),
        ("pytest -q && echo done", False),
        ("pytest -q; true", False),
        ("pytest -q # comment", False),
        ("pip install -e . && pytest", False),
        ("python -m unittest", False),
        ("make test", False),
        ("pytest 'unterminated", False),
    ],
)
def test_pytest_gets_junitxml_only_when_the_option_reaches_pytest(command: str, appended: bool) -> None:
    out = with_junit(command, Path("/scratch dir/junit.xml"))
    assert out == (f"{command} --junitxml='/scratch dir/junit.xml'" if appended else command)


def test_junit_testsuites_root_class_names_and_collection_errors(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text("")
    xml = tmp_path / "junit.xml"
    xml.write_text(
        '<testsuites><testsuite name="pytest">'
        '<testcase classname="tests.test_x.TestC" name="test_m[1.5]">'
        '<error message="ValueError: bad">self = x\n\ntests/test_x.py:9: ValueError</error></testcase>'
        '<testcase classname="" name="tests.test_x"><error message="collection failure">'
        "Traceback:\ntests/test_x.py:1: in &lt;module&gt;\n    import nosuch\n"
        "E   ModuleNotFoundError: No module named 'nosuch'</error></testcase>"
        '<testcase classname="com.example.CalcTest" name="adds"><failure type="AssertionError"/></testcase>'
        '<testcase classname="tests.test_x" name="test_ok"/>'
        "</testsuite></testsuites>"
    )
    report = read_report(xml, tmp_path)
    assert report is not None and report.tests == 4
    assert report.failures == (
        TestFailure("tests/test_x.py::TestC::test_m[1.5]", "tests/test_x.py", 9, "ValueError: bad"),
        TestFailure(
            "tests/test_x.py",
            "tests/test_x.py",
            1,
            "collection failure\nModuleNotFoundError: No module named 'nosuch'",
        ),
        TestFailure("com.example.CalcTest::adds", None, None, "AssertionError"),
    )


def test_junit_missing_or_empty_is_no_report(tmp_path: Path) -> None:
    assert read_report(tmp_path / "none.xml", tmp_path) is None
    (tmp_path / "empty.xml").write_text("")
    assert read_report(tmp_path / "empty.xml", tmp_path) is None


def test_junit_python_traceback_gives_the_repository_file(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "calc.py").write_text("")
    xml = tmp_path / "junit.xml"
    xml.write_text(
        '<testsuite><testcase classname="CalcTest" name="test_add"><failure message="boom">'
        'Traceback (most recent call last):\n  File "/usr/lib/python3/unittest/case.py", line 57, in run\n'
        f'  File "{tmp_path}/lib/calc.py", line 3, in add\nAssertionError: boom</failure></testcase></testsuite>'
    )
    report = read_report(xml, tmp_path)
    assert report is not None
    assert report.failures == (TestFailure("CalcTest::test_add", "lib/calc.py", 3, "boom"),)


def test_cached_outcomes_keeps_the_newest_result_of_each_commit_and_skips_torn_files(tmp_path: Path) -> None:
    git_dir = tmp_path / "git"
    a, b = "a" * 40, "b" * 40
    for key, outcome, when in (("k1", TestOutcome("passed", a, "make test"), 1000),
                               ("k2", TestOutcome("failed", a, "make test"), 2000),
                               ("k3", TestOutcome("timeout", b, "make test"), 1500)):
        store(git_dir, key, 60.0, outcome)
        os.utime(cache_path(git_dir, key), (when, when))
    cache_path(git_dir, "torn").write_text('{"version": 1, "outcome": {"kind": "pas')
    found = cached_outcomes(git_dir)
    assert {c: (o.kind, o.reused) for c, o in found.items()} == {a: ("failed", True), b: ("timeout", True)}
    assert cached_outcomes(tmp_path / "never-tested") == {}


def test_many_threads_cycling_through_the_pool_each_get_a_slot_of_their_own(project: Repo) -> None:
    from concurrent.futures import ThreadPoolExecutor
    from threading import Lock

    from gate.testrun.pool import checkout

    git_dir = project.path / ".git"
    head = project.rev("main")
    in_use: set[Path] = set()
    guard = Lock()

    def cycle(_: int) -> str:
        for _ in range(10):
            with checkout(git_dir, head) as co:
                with guard:
                    if co.path in in_use:
                        return f"{co.path} handed out twice"
                    in_use.add(co.path)
                assert (co.path / ".git").is_dir() and (co.path / "calc.py").is_file()
                (co.path / "litter").write_text("x")
                with guard:
                    in_use.discard(co.path)
        return ""

    with ThreadPoolExecutor(max_workers=6) as pool:
        errors = [e for e in pool.map(cycle, range(6)) if e]
    assert errors == []
    assert len(slot_checkouts(project)) <= 6
    assert worktrees(project) == [f"worktree {project.path}"]
    assert_nothing_left(project)
