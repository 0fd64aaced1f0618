"""``agentgate hook pre-receive`` and ``hook update``: enforcement on the server.

Reads the pushed objects through the quarantine (``open_repo(from_env=True)``),
judges every ref update (``gate.hooks.judge``), prints ``remote:`` lines and
returns 0 to accept or 1 to refuse the whole push. It writes no ref and no note.

First, what git's fsck refuses in the objects the push adds is refused
(``gate.hooks.fsckpush``), whatever the policy says.

Fail closed (DESIGN §2, §8): when agentgate cannot run — a broken policy, an
object it cannot read, an internal error — the push is refused with the reason.
Only a policy that fails validation but still says ``on_error = "allow"`` lets
pushes through unchecked. A broken policy never locks the repository: an
approver's push that makes the target's policy valid again is accepted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from gate import context, memo
from gate.context import Context
from gate.errors import GateError, PolicyError, UnreadableError
from gate.git.opening import open_repo
from gate.git.repo import GitRepo
from gate.hooks import deadline, fsckpush, judge
from gate.hooks.input import identity, make_pusher, parse_receive, served_agent
from gate.model import Oid, RefName, RefUpdate, short_name
from gate.policy import POLICY_FILE
from gate.policy import tree as policy_load
from gate.report import remote

# How far back to look for the last valid policy when the current one is not even TOML.
_HISTORY = 50


@dataclass(frozen=True)
class Broken:
    """The target's policy does not validate."""

    error: PolicyError
    target_ref: RefName
    target_oid: Oid


def pre_receive(stdin_text: str, env: Mapping[str, str], probe: memo.Probe | None = None) -> int:
    """Judge the push; with ``probe``, keep the judgement for the same push again."""
    code, lines = receive(stdin_text, env, probe)
    remote.emit(lines, env)
    return code


def update(args: Sequence[str], env: Mapping[str, str]) -> int:
    """The ``update`` hook (``REF OLD NEW``): the same judgement for one ref, for
    servers that run only ``update`` (``gate.commands.hook`` skips it when
    agentgate's ``pre-receive`` runs too)."""
    if len(args) != 3:
        remote.emit(["the update hook expects REF OLD NEW; push refused"], env)
        return 1
    ref, old, new = args
    return pre_receive(f"{old} {new} {ref}\n", env)


def receive(stdin_text: str, env: Mapping[str, str],
            probe: memo.Probe | None = None) -> tuple[int, list[str]]:
    """(exit code, lines for the pusher) for one push. Only a completed judgement
    is kept under ``probe``; a push that could not be checked is checked again.

    ``on_error = "allow"`` is honoured only for a policy that fails validation
    (``_broken``): objects git's fsck refuses, objects that cannot be read and a
    crash of the analysis refuse the push whatever the policy says (DESIGN §2)."""
    try:
        updates = parse_receive(stdin_text)
        if not updates:
            return 0, []
        repo = open_repo(None, from_env=True)
        refused = fsckpush.problems(repo, updates)
        if refused:
            return 1, fsckpush.lines(repo, updates, refused, identity(env), served_agent(env))
        loaded = _load(repo)
        if loaded is None:
            return 0, []  # no target yet, or no policy on it: nothing to enforce
        if isinstance(loaded, Broken):
            return _broken(repo, loaded, updates, env)
        ctx = loaded
        deadline.limit(ctx.policy.hook_seconds)
        pusher = make_pusher(ctx.policy, identity(env), served_agent(env))
        outcomes = judge.judge_updates(ctx, updates, pusher)
        lines = remote.outcome_lines(outcomes, short_name(ctx.target_ref))
        code = 1 if any(o.refused for o in outcomes) else 0
        memo.keep(probe, {"code": code, "text": remote.text(lines, env)}, repo.git_dir)
        return code, lines
    except Exception as e:  # noqa: BLE001 - fail closed, never a traceback at the pusher
        if env.get("AGENTGATE_DEBUG"):
            import traceback  # not at the top: 5 ms of every push

            traceback.print_exc()
        reason = str(e) if isinstance(e, GateError) else f"internal error: {type(e).__name__}: {e}"
        return _cannot_run(reason)


def _cannot_run(reason: str) -> tuple[int, list[str]]:
    return 1, [f"cannot check this push: {reason}",
               'push refused (agentgate fails closed; on_error = "allow" covers only a policy that fails validation)']


def _load(repo: GitRepo) -> Context | Broken | None:
    """The context, a broken policy, or None when there is nothing to enforce."""
    if repo.is_empty:
        return None
    try:
        ctx = context.build(repo)
    except PolicyError as e:
        found = _target(repo)
        if found is None:
            return None
        return Broken(e, *found)
    except UnreadableError:
        raise  # a target that cannot be read is never "no policy"
    except GateError:
        if _target(repo) is None:
            return None  # the target does not exist yet: no policy is in force
        raise
    return ctx if ctx.policy.present else None


def _target(repo: GitRepo) -> tuple[RefName, Oid] | None:
    configured = repo.config_get("agentgate.target")
    for name in [configured] if configured else ["main", "master"]:
        ref = name if name.startswith("refs/") else f"refs/heads/{name}"
        oid = repo.ref_oid(ref)
        if oid is not None:
            return RefName(ref), oid
    return None


def _broken(repo: GitRepo, b: Broken, updates: Sequence[RefUpdate], env: Mapping[str, str]) -> tuple[int, list[str]]:
    on_error = b.error.on_error or "block"
    login = identity(env)
    approvers = {a.casefold() for a in _approvers(repo, b.target_oid)}
    is_approver = login is not None and served_agent(env) is None and login.casefold() in approvers
    target = short_name(b.target_ref)
    fixing = [u for u in updates if u.ref == b.target_ref and u.new is not None and is_approver
              and _valid_at(repo, u.new)]
    lines = [f"the policy on {target} is invalid: {b.error}"]
    if len(fixing) == len(updates):
        lines.append(f"{target}: accepted: approver {login} makes the policy valid again")
        return 0, lines
    if on_error == "allow":
        lines.append('warning: accepted unchecked (on_error = "allow")')
        return 0, lines
    lines.append(f"push refused (agentgate fails closed); an approver can push a fixed {POLICY_FILE} to {target}")
    return 1, lines


def _valid_at(repo: GitRepo, commit: str) -> bool:
    peeled = repo.peel_commit(commit)
    if peeled is None:
        return False
    try:
        policy_load.load_policy_at(repo, peeled)
    except GateError:
        return False
    return True


def _approvers(repo: GitRepo, tip: Oid) -> list[str]:
    """Approvers of a policy that fails validation: its own list when the TOML at
    least parses, else the list of the last valid policy in the target's history."""
    data = repo.file_at(tip, POLICY_FILE)
    if data is not None:
        found = _approvers_in(data)
        if found is not None:
            return found
    commit: Oid | None = tip
    for _ in range(_HISTORY):
        parents = repo.parents(commit) if commit else []
        commit = parents[0] if parents else None
        if commit is None:
            break
        try:
            return list(policy_load.load_policy_at(repo, commit).approvers)
        except GateError:
            continue
    return []


def _approvers_in(data: bytes) -> list[str] | None:
    import tomllib  # only for a broken policy: a warm hook reads the parse from the cache

    try:
        gate = tomllib.loads(data.decode("utf-8")).get("gate", {})
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    value = gate.get("approvers") if isinstance(gate, dict) else None
    if isinstance(value, list) and all(isinstance(x, str) for x in value):
        return value
    return None
