"""Approvals: a human's consent to one ``ask`` finding, bound to its fingerprint.

Stored as commits on ``refs/agentgate/approvals``; each commit's tree holds one
small JSON record per approved fingerprint, named ``<fingerprint>.json``:
``{"rule", "path", "who", "when", "branch"}``. The history of that ref is the
audit trail; the server's ``pre-receive`` lets only approvers move it, and only
forward, so a record cannot be erased or forged by an agent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from gate.git.repo import GitRepo
from gate.model import Finding, Oid

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


def load(repo: GitRepo, ref: str = APPROVALS_REF) -> frozenset[str]:
    """Fingerprints approved so far (empty when nothing was ever approved)."""
    tip = repo.ref_oid(ref)
    if tip is None:
        return frozenset()
    return frozenset(n[: -len(".json")] for n in repo.tree_names(tip) if n.endswith(".json"))


def list_all(repo: GitRepo, ref: str = APPROVALS_REF) -> list[Approval]:
    """Every recorded approval, oldest first; a record that cannot be read is shown
    with what its name tells (the fingerprint)."""
    tip = repo.ref_oid(ref)
    if tip is None:
        return []
    out = []
    for name in repo.tree_names(tip):
        if not _NAME.match(name):
            continue
        raw = repo.file_at(tip, name)
        try:
            data = json.loads(raw or b"")
            if not isinstance(data, dict):
                raise ValueError
        except ValueError:
            data = {}
        out.append(Approval(
            fingerprint=name[: -len(".json")],
            rule=str(data.get("rule", "?")),
            path=data.get("path") if isinstance(data.get("path"), str) else None,
            who=str(data.get("who", "?")),
            when=str(data.get("when", "?")),
            branch=str(data.get("branch", "?")),
        ))
    return sorted(out, key=lambda a: (a.when, a.branch, a.rule, a.path or "", a.fingerprint))


def record_text(a: Approval) -> str:
    """The JSON stored for one approval (stable key order, one line)."""
    body = {"rule": a.rule, "path": a.path, "who": a.who, "when": a.when, "branch": a.branch}
    return json.dumps(body, sort_keys=False, ensure_ascii=False) + "\n"


def now_utc() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def record(
    repo: GitRepo,
    findings: Sequence[Finding],
    who: str,
    branch: str,
    when: str | None = None,
    ref: str = APPROVALS_REF,
) -> tuple[Oid, list[Approval]]:
    """Record approvals for ``findings`` as one new commit on ``ref`` (compare-and-swap).

    Returns the new commit and the approvals written. Fingerprints already
    recorded are skipped (their first record stands). When another approver moves
    the ref meanwhile, the commit is rebuilt on top of theirs.
    """
    from gate.git import write  # only the commands that write import the writer

    stamp = when or now_utc()
    for _ in range(_RETRIES):
        tip = repo.ref_oid(ref)
        have = load(repo, ref) if tip else frozenset()
        fresh: dict[str, Approval] = {}
        for f in findings:
            if f.fingerprint and f.fingerprint not in have and f.fingerprint not in fresh:
                fresh[f.fingerprint] = Approval(f.fingerprint, f.rule, f.path, who, stamp, branch)
        if not fresh:
            return Oid(tip or ""), []
        entries = {
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
