"""Approvals: a human's consent to one ``ask`` finding of one agent, bound to its
fingerprint (DESIGN §3: agent + rule + path + old blob + new blob).

Stored as commits on ``refs/agentgate/approvals``; each commit's tree holds one
small JSON record per approved fingerprint, named ``<fingerprint>.json``:
``{"rule", "path", "who", "when", "branch", "agent", "old_path", "new_path",
"old_oid", "new_oid", "target"}``. The history of that ref is the audit trail; the
server's ``pre-receive`` lets only approvers move it, and only forward, so a record
cannot be erased or forged by an agent. Revoking removes records in a new commit.

An approval is *spent* once its change (path, old -> new blob) appears on the
target's first-parent history after ``target`` (the target's tip when it was
recorded): computed here from git, never written. A record of the old form (no
``agent`` key, named by the content fingerprint alone) counts for the agent of the
branch it records; it has no blobs, so it is never seen as spent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import UTC, datetime

from gate.git.landed import Change, landing
from gate.git.repo import GitRepo
from gate.model import ChangeSet, FileChange, Finding, Oid

APPROVALS_REF = "refs/agentgate/approvals"
_NAME = re.compile(r"^[0-9a-f]{8,64}\.json$")
_RETRIES = 5


@dataclass(frozen=True)
class Approval:
    fingerprint: str
    rule: str
    path: str | None
    who: str
    when: str  # ISO 8601, UTC
    branch: str
    agent: str | None = None
    old_form: bool = False  # no agent in the record: counts for the agent of ``branch``
    change: Change | None = None  # what the approved change does, when recorded
    target: str | None = None  # the target's tip when recorded


def bind(agent: str | None, content: str) -> str:
    """The fingerprint an approval binds to: the agent with the finding's content
    fingerprint (rule, path, blobs). Another agent's same change is another key."""
    from gate.context import fingerprint  # context imports this module

    return fingerprint("agent", agent, content)


def load(repo: GitRepo, ref: str = APPROVALS_REF) -> frozenset[str]:
    """The names (fingerprints) of the records on ``ref`` (empty when nothing was
    ever approved)."""
    tip = repo.ref_oid(ref)
    if tip is None:
        return frozenset()
    return frozenset(n[: -len(".json")] for n in repo.tree_names(tip) if n.endswith(".json"))


def _text(data: Mapping[str, object], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) else None


def _parse(name: str, raw: bytes | None) -> Approval:
    try:
        data = json.loads(raw or b"")
        if not isinstance(data, dict):
            raise ValueError
    except ValueError:
        data = {}
    new_form = "agent" in data
    change = None
    if new_form and ("old_oid" in data or "new_oid" in data):
        change = Change(_text(data, "old_path"), _text(data, "new_path"), _text(data, "old_oid"),
                        _text(data, "new_oid"))
    return Approval(
        fingerprint=name[: -len(".json")],
        rule=str(data.get("rule", "?")),
        path=_text(data, "path"),
        who=str(data.get("who", "?")),
        when=str(data.get("when", "?")),
        branch=str(data.get("branch", "?")),
        agent=_text(data, "agent"),
        old_form=not new_form,
        change=change,
        target=_text(data, "target"),
    )


def list_all(repo: GitRepo, ref: str = APPROVALS_REF) -> list[Approval]:
    """Every recorded approval, oldest first; a record that cannot be read is shown
    with what its name tells (the fingerprint)."""
    tip = repo.ref_oid(ref)
    if tip is None:
        return []
    out = [_parse(name, repo.file_at(tip, name)) for name in repo.tree_names(tip) if _NAME.match(name)]
    return sorted(out, key=lambda a: (a.when, a.branch, a.rule, a.path or "", a.fingerprint))


AgentOf = Callable[[str], "str | None"]  # the agent a branch name belongs to


class Approved(Set[str]):
    """The approvals that count against one target: fingerprints of records not
    revoked and not spent. Records are read, and spent computed, only when a
    finding asks: a run with nothing to approve reads none of them."""

    def __init__(self, repo: GitRepo | None = None, target: Oid | None = None,
                 agent_of: AgentOf | None = None, ref: str = APPROVALS_REF) -> None:
        self._repo, self._target, self._agent_of, self._ref = repo, target, agent_of, ref
        self._records: dict[str, Approval] | None = None
        self._spent: dict[str, Oid | None] = {}

    def records(self) -> dict[str, Approval]:
        """Every record by the key a finding's fingerprint is compared with (an old
        form record: bound to the agent of its branch here)."""
        if self._records is None:
            self._records = {}
            for a in list_all(self._repo, self._ref) if self._repo is not None else []:
                key = a.fingerprint
                if a.old_form:
                    key = bind(self._agent_of(a.branch) if self._agent_of else None, a.fingerprint)
                self._records.setdefault(key, a)
        return self._records

    def spent(self, key: str) -> Oid | None:
        """The commit where the approval under ``key`` landed on the target, if it did."""
        if key not in self._spent:
            a = self.records().get(key)
            found = None
            if a is not None and a.change is not None and self._repo is not None and self._target is not None:
                found = landing(self._repo, self._target, a.target, a.change)
            self._spent[key] = found
        return self._spent[key]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key in self.records() and self.spent(key) is None

    def __iter__(self) -> Iterator[str]:
        return (k for k in self.records() if self.spent(k) is None)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def record_text(a: Approval) -> str:
    """The JSON stored for one approval (stable key order, one line)."""
    body: dict[str, object] = {"rule": a.rule, "path": a.path, "who": a.who, "when": a.when, "branch": a.branch,
                               "agent": a.agent}
    if a.change is not None:
        body.update(old_path=a.change.old_path, new_path=a.change.new_path, old_oid=a.change.old_oid,
                    new_oid=a.change.new_oid)
    if a.target is not None:
        body["target"] = a.target
    return json.dumps(body, sort_keys=False, ensure_ascii=False) + "\n"


def now_utc() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def change_of(f: Finding, cs: ChangeSet | None) -> Change | None:
    """The file change a finding is about, from the branch's change set."""
    if cs is None or f.path is None:
        return None
    fc: FileChange | None = next((x for x in cs.files if x.path == f.path), None) \
        or next((x for x in cs.files if f.path in x.paths), None)
    if fc is None:
        return None
    return Change(fc.old_path, fc.new_path, fc.old_oid, fc.new_oid)


def record(
    repo: GitRepo,
    findings: Sequence[Finding],
    who: str,
    branch: str,
    when: str | None = None,
    ref: str = APPROVALS_REF,
    *,
    agent: str | None = None,
    target: str | None = None,
    changes: ChangeSet | None = None,
    valid: Set[str] | None = None,
) -> tuple[Oid, list[Approval]]:
    """Record approvals of ``agent``'s ``findings`` as one new commit on ``ref``
    (compare-and-swap), with the change each is about (from ``changes``) and the
    target's tip ``target``, which say when it is spent.

    Returns the new commit and the approvals written. A fingerprint already
    recorded is skipped (its first record stands) unless ``valid`` (the approvals
    that count now) leaves it out: a spent record is written afresh. When another
    approver moves the ref meanwhile, the commit is rebuilt on top of theirs.
    """
    from gate.git import write  # only the commands that write import the writer

    stamp = when or now_utc()
    for _ in range(_RETRIES):
        tip = repo.ref_oid(ref)
        have = load(repo, ref) if tip else frozenset()
        fresh: dict[str, Approval] = {}
        for f in findings:
            if not f.fingerprint or f.fingerprint in fresh:
                continue
            if f.fingerprint in have and (valid is None or f.fingerprint in valid):
                continue
            fresh[f.fingerprint] = Approval(f.fingerprint, f.rule, f.path, who, stamp, branch, agent=agent,
                                            change=change_of(f, changes), target=target)
        if not fresh:
            return Oid(tip or ""), []
        entries: dict[str, tuple[str, int] | None] = {
            f"{fp}.json": (write.write_blob(repo, record_text(a).encode("utf-8", "surrogateescape")), 0o100644)
            for fp, a in fresh.items()
        }
        tree = write.write_tree(repo, repo.tree_id(tip) if tip else None, entries)
        lines = [f"{a.rule} {a.path or '-'}" for a in fresh.values()]
        message = f"approve {len(fresh)} finding(s) on {branch}\n\nApproved-by: {who}\n\n" + "\n".join(lines) + "\n"
        commit = write.write_commit(repo, tree, [tip] if tip else [], message)
        try:
            write.update_ref(repo, ref, commit, tip, f"agentgate approve {branch}")
        except write.RefMoved:
            continue
        return commit, list(fresh.values())
    raise write.RefMoved(f"{ref} kept moving while recording the approval; run the command again.")


def find(records: Sequence[Approval], ids: Sequence[str], ref: str = APPROVALS_REF) -> list[Approval]:
    """The records ``ids`` name (a fingerprint or a unique prefix of one, as
    ``approvals`` shows them). An id that names none or several is an error."""
    from gate.errors import GateError

    out: list[Approval] = []
    for i in ids:
        hits = [a for a in records if a.fingerprint.startswith(i.lower())] if len(i) >= 4 else []
        if len(hits) != 1:
            what = "no approval" if not hits else f"{len(hits)} approvals"
            raise GateError(f"{what} with id {i} on {ref}. 'agentgate approvals' lists the ids "
                            "(the first column); give at least 4 characters, enough to name one.")
        if hits[0] not in out:
            out.append(hits[0])
    return out


def revoke(repo: GitRepo, gone: Sequence[Approval], who: str, reason: str, ref: str = APPROVALS_REF) -> Oid:
    """Remove the records ``gone`` in one new commit on ``ref`` (compare-and-swap;
    the history keeps them). Rebuilt on top when another approver moves the ref."""
    from gate.git import write

    for _ in range(_RETRIES):
        tip = repo.ref_oid(ref)
        if tip is None:
            break
        entries: dict[str, tuple[str, int] | None] = {f"{a.fingerprint}.json": None for a in gone}
        tree = write.write_tree(repo, repo.tree_id(tip), entries)
        lines = [f"{a.rule} {a.path or '-'} on {a.branch}" for a in gone]
        message = f"revoke {len(gone)} approval(s)\n\nRevoked-by: {who}\n\n" + "\n".join(lines) + "\n"
        commit = write.write_commit(repo, tree, [tip], message)
        try:
            write.update_ref(repo, ref, commit, tip, reason)
        except write.RefMoved:
            continue
        return commit
    raise write.RefMoved(f"{ref} kept moving while revoking; run the command again.")
