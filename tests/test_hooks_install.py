"""``agentgate hooks install|uninstall`` and the shims, exercised by real pushes.

The shims call ``$AGENTGATE hook NAME``; here AGENTGATE names a stand-in program
that logs what it was given, so these tests check the shims themselves (args and
stdin passed through, legacy hooks chained, failing closed) and nothing else.
"""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import pytest

from gate import hookinstall
from gate.commands import hooks as hooks_cmd
from gate.errors import GateError
from tests.gitutil import Repo, git

ROOT = Path(__file__).resolve().parent.parent
ZERO = "0" * 40


def _script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return path


@pytest.fixture
def log(tmp_path: Path) -> Path:
    return tmp_path / "calls.log"


@pytest.fixture
def stub(tmp_path: Path, log: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in agentgate: logs its args and stdin, exits with $STUB_RC (default 0)."""
    prog = _script(
        tmp_path / "agentgate-stub",
        f'{{ echo "agentgate $*"; cat; }} >>"{log}"\necho "stub says no" >&2\nexit "${{STUB_RC:-0}}"\n',
    )
    monkeypatch.setenv("AGENTGATE", str(prog))
    return prog


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Repo, Repo]:
    """A working clone with one commit and its bare remote ``origin``."""
    remote = Repo.init(tmp_path / "remote.git", bare=True)
    work = Repo.init(tmp_path / "work")
    work.commit("initial", {"README.md": "hello\n"})
    work.git("remote", "add", "origin", str(remote.path))
    return work, remote


def _push(work: Repo, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "push", "-q", "origin", *args], cwd=work.path,
                          capture_output=True, text=True, check=False)


def _lines(stderr: str) -> list[str]:
    # git pads the "remote:" lines it relays with spaces to clear the terminal line.
    return [line.rstrip() for line in stderr.splitlines()]


def _remote_ref(remote: Repo, ref: str) -> str | None:
    out = remote.git("rev-parse", "--verify", "-q", ref, check=False).strip()
    return out or None


def _listing(directory: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mode & 0o777) for p in sorted(directory.iterdir())}


# -- the files ------------------------------------------------------------------------


def test_githooks_directory_equals_what_install_writes(tmp_path: Path) -> None:
    bare = Repo.init(tmp_path / "server.git", bare=True)
    work = Repo.init(tmp_path / "work")
    hookinstall.install(bare.path)
    hookinstall.install(work.path)
    shipped = sorted(p.name for p in (ROOT / "githooks").iterdir())
    assert shipped == sorted(hookinstall.ALL_HOOKS)
    for name, where in [(n, bare.path / "hooks") for n in hookinstall.SERVER_HOOKS] + [
        (n, work.path / ".git" / "hooks") for n in hookinstall.LOCAL_HOOKS
    ]:
        canonical = ROOT / "githooks" / name
        installed = where / name
        assert installed.read_bytes() == canonical.read_bytes(), name
        assert installed.read_bytes() == (ROOT / "gate" / "resources" / "hooks" / name).read_bytes()
        assert os.access(canonical, os.X_OK) and os.access(installed, os.X_OK), name
        assert f"# agentgate-hook-id: {hookinstall.HOOK_ID}\n".encode() in installed.read_bytes()


def test_server_shims_fail_closed_and_local_shims_only_warn() -> None:
    for name in hookinstall.SERVER_HOOKS:
        assert (ROOT / "githooks" / name).read_text().endswith("exit 1\n"), name
    for name in hookinstall.LOCAL_HOOKS:
        assert (ROOT / "githooks" / name).read_text().endswith("exit 0\n"), name


def test_shims_pass_sh_syntax_check() -> None:
    for name in hookinstall.ALL_HOOKS:
        subprocess.run(["sh", "-n", str(ROOT / "githooks" / name)], check=True)


def test_pre_commit_manifest_runs_agentgate_at_pre_push() -> None:
    text = (ROOT / ".pre-commit-hooks.yaml").read_text()
    body = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    assert body[0] == "- id: agentgate"
    for line in ("entry: agentgate hook pre-push", "language: python", "stages: [pre-push]",
                 "pass_filenames: false", "always_run: true"):
        assert line in body


# -- install / uninstall --------------------------------------------------------------


def test_install_into_a_bare_repository_installs_the_server_set(tmp_path: Path) -> None:
    bare = Repo.init(tmp_path / "server.git", bare=True)
    hooks = bare.path / "hooks"
    assert hookinstall.install(bare.path) == [f"{hooks}/pre-receive: installed", f"{hooks}/update: installed",
                                              f"{bare.path}: receive.fsckObjects = true (git refuses objects its "
                                              "fsck refuses)"]
    assert not (hooks / "pre-push").exists()


def test_install_into_a_working_repository_installs_the_local_set(repo: Repo) -> None:
    hooks = repo.path / ".git" / "hooks"
    assert hookinstall.install(repo.path) == [
        f"{hooks}/pre-push: installed",
        f"{hooks}/pre-merge-commit: installed",
        f"{hooks}/commit-msg: installed",
    ]
    assert not (hooks / "pre-receive").exists()


def test_install_from_a_linked_worktree_goes_to_the_shared_hooks_directory(repo: Repo, tmp_path: Path) -> None:
    repo.commit("initial")
    repo.git("worktree", "add", "-q", "-b", "agent/alice/x", str(tmp_path / "wt"))
    hookinstall.install(tmp_path / "wt")
    assert hookinstall.is_ours(repo.path / ".git" / "hooks" / "pre-push")


def test_reinstall_is_idempotent(tmp_path: Path) -> None:
    bare = Repo.init(tmp_path / "server.git", bare=True)
    hooks = bare.path / "hooks"
    (hooks / "pre-receive").write_text("#!/bin/sh\nexit 0\n")
    hookinstall.install(bare.path)
    before = _listing(hooks)
    assert hookinstall.install(bare.path) == [
        f"{hooks}/pre-receive: already installed",
        f"{hooks}/update: already installed",
        f"{bare.path}: receive.fsckObjects = true (git refuses objects its fsck refuses)",
    ]
    assert _listing(hooks) == before


def test_an_older_shim_is_updated_in_place(repo: Repo) -> None:
    hooks = repo.path / ".git" / "hooks"
    hookinstall.install(repo.path)
    stale = (hooks / "pre-push").read_bytes().replace(b"exit 0\n", b"exit 0 # old\n")
    (hooks / "pre-push").write_bytes(stale)
    assert hookinstall.install(repo.path)[0] == f"{hooks}/pre-push: updated"
    assert (hooks / "pre-push").read_bytes() == (ROOT / "githooks" / "pre-push").read_bytes()
    assert not (hooks / "pre-push.legacy").exists()


def test_uninstall_restores_the_previous_hook(repo: Repo) -> None:
    hooks = repo.path / ".git" / "hooks"
    _script(hooks / "pre-push", "echo mine\n").chmod(0o750)
    hookinstall.install(repo.path)
    assert hookinstall.uninstall(repo.path) == [
        f"{hooks}/pre-push: removed; the previous hook is back",
        f"{hooks}/pre-merge-commit: removed",
        f"{hooks}/commit-msg: removed",
    ]
    assert (hooks / "pre-push").read_text() == "#!/bin/sh\necho mine\n"
    assert (hooks / "pre-push").stat().st_mode & 0o777 == 0o750
    assert not (hooks / "pre-push.legacy").exists()
    assert not (hooks / "commit-msg").exists()
    assert hookinstall.uninstall(repo.path) == [f"{hooks}: no agentgate hooks to remove"]


def test_uninstall_leaves_a_foreign_hook_alone(repo: Repo) -> None:
    hooks = repo.path / ".git" / "hooks"
    _script(hooks / "commit-msg", "exit 0\n")
    assert hookinstall.uninstall(repo.path) == [f"{hooks}: no agentgate hooks to remove"]
    assert (hooks / "commit-msg").read_text() == "#!/bin/sh\nexit 0\n"


def test_a_foreign_hook_with_a_legacy_beside_it_is_refused_untouched(repo: Repo) -> None:
    hooks = repo.path / ".git" / "hooks"
    _script(hooks / "pre-merge-commit", "exit 0\n")
    _script(hooks / "pre-merge-commit.legacy", "exit 0\n")
    before = _listing(hooks)
    with pytest.raises(GateError) as err:
        hookinstall.install(repo.path)
    assert str(err.value) == (
        f"{hooks}/pre-merge-commit is not agentgate's and pre-merge-commit.legacy already exists "
        "beside it, so the hook cannot be kept as legacy. Move one of them aside, then run this again."
    )
    assert _listing(hooks) == before


def test_core_hooks_path_is_refused_unless_told(repo: Repo) -> None:
    repo.git("config", "core.hooksPath", "shared-hooks")
    with pytest.raises(GateError) as err:
        hookinstall.install(repo.path)
    assert str(err.value) == (
        f"core.hooksPath is set to 'shared-hooks', so git runs hooks from {repo.path}/shared-hooks, "
        "a directory other tools may manage. Install there anyway with --hooks-path-ok, or unset it "
        "(git config --unset core.hooksPath) and run this again."
    )
    assert not (repo.path / "shared-hooks").exists()
    assert not (repo.path / ".git" / "hooks" / "pre-push").exists()
    hookinstall.install(repo.path, hooks_path_ok=True)
    assert hookinstall.is_ours(repo.path / "shared-hooks" / "pre-push")


def test_core_hooks_path_dev_null_is_refused_even_when_told(repo: Repo) -> None:
    repo.git("config", "core.hooksPath", "/dev/null")
    with pytest.raises(GateError) as err:
        hookinstall.install(repo.path, hooks_path_ok=True)
    assert str(err.value).startswith("core.hooksPath is /dev/null: git runs no hooks in ")


def test_not_a_repository_is_a_gate_error(tmp_path: Path) -> None:
    with pytest.raises(GateError) as err:
        hookinstall.install(tmp_path)
    assert str(err.value).startswith(f"{tmp_path} is not a git repository (")


def test_install_command_prints_each_hook_and_the_local_hooks_caveat(repo: Repo) -> None:
    out = io.StringIO()
    assert hooks_cmd.install(repo.path, out=out) == 0
    hooks = repo.path / ".git" / "hooks"
    assert out.getvalue().splitlines() == [
        f"{hooks}/pre-push: installed",
        f"{hooks}/pre-merge-commit: installed",
        f"{hooks}/commit-msg: installed",
        "note: local hooks are early warnings (--no-verify, fast-forward merges and core.hooksPath "
        "skip them); enforce on the server with 'agentgate hooks install --server' in the shared "
        "bare repository, or in required CI.",
    ]
    out = io.StringIO()
    assert hooks_cmd.uninstall(repo.path, out=out) == 0
    assert out.getvalue().splitlines()[0] == f"{hooks}/pre-push: removed"


def test_server_flag_installs_the_server_set_into_a_working_repository(repo: Repo) -> None:
    out = io.StringIO()
    assert hooks_cmd.install(repo.path, server=True, out=out) == 0
    hooks = repo.path / ".git" / "hooks"
    assert out.getvalue().splitlines() == [f"{hooks}/pre-receive: installed", f"{hooks}/update: installed",
                                           f"{repo.path}: receive.fsckObjects = true (git refuses objects its fsck "
                                           "refuses)"]


# -- the shims at work ----------------------------------------------------------------


def test_pre_push_runs_the_legacy_hook_first_with_the_same_args_and_stdin(
    pair: tuple[Repo, Repo], stub: Path, log: Path
) -> None:
    work, remote = pair
    hooks = work.path / ".git" / "hooks"
    _script(hooks / "pre-push", f'{{ echo "legacy $*"; cat; }} >>"{log}"\n')
    hookinstall.install(work.path)
    head = work.rev("HEAD")
    assert _push(work, "main").returncode == 0
    line = f"refs/heads/main {head} refs/heads/main {ZERO}"
    assert log.read_text().splitlines() == [
        f"legacy origin {remote.path}",
        line,
        f"agentgate hook pre-push origin {remote.path}",
        line,
    ]
    assert _remote_ref(remote, "refs/heads/main") == head


def test_a_failing_legacy_pre_push_stops_the_push(pair: tuple[Repo, Repo], stub: Path, log: Path) -> None:
    work, remote = pair
    _script(work.path / ".git" / "hooks" / "pre-push", f'echo legacy >>"{log}"\nexit 1\n')
    hookinstall.install(work.path)
    assert _push(work, "main").returncode != 0
    assert log.read_text() == "legacy\n"  # agentgate never ran
    assert _remote_ref(remote, "refs/heads/main") is None


def test_pre_push_refused_by_agentgate_stops_the_push(
    pair: tuple[Repo, Repo], stub: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work, remote = pair
    hookinstall.install(work.path)
    monkeypatch.setenv("STUB_RC", "1")
    proc = _push(work, "main")
    assert proc.returncode != 0
    assert "stub says no" in proc.stderr
    assert _remote_ref(remote, "refs/heads/main") is None


def test_pre_receive_and_update_chain_legacy_and_refuse_for_agentgate(
    pair: tuple[Repo, Repo], stub: Path, log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work, remote = pair
    _script(remote.path / "hooks" / "pre-receive", f'{{ echo "legacy"; cat; }} >>"{log}"\n')
    hookinstall.install(remote.path)
    head = work.rev("HEAD")
    assert _push(work, "main").returncode == 0
    line = f"{ZERO} {head} refs/heads/main"
    # update stops in sh: agentgate's pre-receive beside it judged the push already.
    assert log.read_text().splitlines() == ["legacy", line, "agentgate hook pre-receive", line]
    log.unlink()
    work.commit("second")
    monkeypatch.setenv("STUB_RC", "1")
    proc = _push(work, "main")
    assert proc.returncode != 0
    assert "remote: stub says no" in proc.stderr
    assert _remote_ref(remote, "refs/heads/main") == head  # the ref did not move


def _git_only_path(tmp_path: Path) -> str:
    """A PATH on which git is found but neither agentgate nor python3."""
    only = tmp_path / "only-git"
    only.mkdir()
    real = subprocess.run(["sh", "-c", "command -v git"], capture_output=True, text=True, check=True).stdout.strip()
    (only / "git").symlink_to(real)
    return str(only)


def test_server_hook_fails_closed_when_agentgate_cannot_run(
    pair: tuple[Repo, Repo], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work, remote = pair
    hookinstall.install(remote.path)
    monkeypatch.setenv("PATH", _git_only_path(tmp_path))
    proc = _push(work, "main")
    assert proc.returncode != 0
    assert (
        "remote: agentgate: cannot run the pre-receive check (agentgate is not on PATH and python3 "
        "cannot import it): push refused. Install agentgate for the user git runs as, or set AGENTGATE."
    ) in _lines(proc.stderr)
    assert _remote_ref(remote, "refs/heads/main") is None


def test_server_hook_fails_closed_when_agentgate_names_nothing(
    pair: tuple[Repo, Repo], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work, remote = pair
    hookinstall.install(remote.path)
    monkeypatch.setenv("AGENTGATE", str(tmp_path / "missing"))
    monkeypatch.setenv("GL_ID", "user-1")
    proc = _push(work, "main")
    assert proc.returncode != 0
    assert (
        f"remote: GL-HOOK-ERR: agentgate: cannot run the pre-receive check (AGENTGATE={tmp_path}/missing "
        "cannot be run): push refused. Install agentgate for the user git runs as, or set AGENTGATE."
    ) in _lines(proc.stderr)
    assert _remote_ref(remote, "refs/heads/main") is None


def test_local_hook_warns_and_lets_the_push_through_when_agentgate_cannot_run(
    pair: tuple[Repo, Repo], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work, remote = pair
    hookinstall.install(work.path)
    monkeypatch.setenv("PATH", _git_only_path(tmp_path))
    proc = _push(work, "main")
    assert proc.returncode == 0
    assert proc.stderr.splitlines() == [
        "agentgate: warning: cannot run the pre-push check (agentgate is not on PATH and python3 "
        "cannot import it): skipped. Install agentgate or set AGENTGATE."
    ]
    assert _remote_ref(remote, "refs/heads/main") == work.rev("HEAD")


def test_commit_msg_shim_passes_the_message_file(repo: Repo, stub: Path, log: Path) -> None:
    hookinstall.install(repo.path)
    repo.commit("hello")
    assert log.read_text() == "agentgate hook commit-msg .git/COMMIT_EDITMSG\n"
    assert git(repo.path, "log", "-1", "--format=%s").strip() == "hello"


def test_update_runs_agentgate_when_pre_receive_is_not_ours(
    pair: tuple[Repo, Repo], stub: Path, log: Path
) -> None:
    work, remote = pair
    hookinstall.install(remote.path)
    (remote.path / "hooks" / "pre-receive").unlink()
    head = work.rev("HEAD")
    assert _push(work, "main").returncode == 0
    assert log.read_text().splitlines() == [f"agentgate hook update refs/heads/main {ZERO} {head}"]
