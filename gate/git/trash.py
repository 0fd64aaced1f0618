"""Trash records: a discarded branch's tip and saved work under ``refs/agentgate/trash/``.

One commit per discarded branch, named ``<branch with '/' as '+'>-<UTC stamp>``.
Its message holds ``Key: value`` lines after a subject and a blank line
(``Branch``, ``Tip``, ``Discarded``, optionally ``Worktree`` or ``Clone`` (an
isolated clone's path), ``Agent-Name``, ``Index``, ``Work`` and ``Ignored``; values
that are paths are JSON strings); its
parents (the tip, then the saved working tree) keep everything reachable, so
``git gc`` never collects discarded work while the record exists.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from gate.errors import GateError, NotFound, closest
from gate.git import write
from gate.git.lifecycle import Snapshot
from gate.git.repo import GitRepo
from gate.model import Oid, RefName, short_name

TRASH = "refs/agentgate/trash/"
_STAMP = "%Y%m%dT%H%M%SZ"


@dataclass(frozen=True)
class Entry:
    """One trash record."""

    name: str  # under refs/agentgate/trash/
    oid: Oid
    branch: RefName
    tip: Oid
    when: datetime
    index: Oid | None = None
    work: Oid | None = None
    worktree: Path | None = None
    agent: str | None = None
    clone: Path | None = None  # an isolated clone (spawn --isolated) instead of a worktree

    @property
    def ref(self) -> str:
        return TRASH + self.name


def encode(short: str) -> str:
    """A branch name as one ref component: '/' becomes '+' ('%' and '+' escaped first)."""
    return short.replace("%", "%25").replace("+", "%2B").replace("/", "+")


def record_message(
    branch: str, tip: str, when: datetime, snap: Snapshot | None, wt: Path | None, agent: str | None,
    clone: Path | None = None,
) -> str:
    """The message of the trash record of ``branch`` (see the module docstring)."""
    lines = [
        f"agentgate trash: {short_name(branch)}",
        "",
        f"Branch: {branch}",
        f"Tip: {tip}",
        f"Discarded: {when.strftime('%Y-%m-%dT%H:%M:%SZ')}",
    ]
    if wt is not None:
        lines.append(f"Worktree: {json.dumps(str(wt))}")
    if clone is not None:
        lines.append(f"Clone: {json.dumps(str(clone))}")
    if agent:
        lines.append(f"Agent-Name: {agent}")
    if snap is not None:
        lines += [f"Index: {snap.index}", f"Work: {snap.work}"]
        lines += [f"Ignored: {json.dumps(p)}" for p in snap.ignored]
    return "\n".join(lines) + "\n"


def parse(name: str, oid: Oid, message: str) -> Entry | None:
    """The record in ``message``, or None when it is not one of ours or is damaged."""
    fields: dict[str, str] = {}
    for line in message.splitlines()[2:]:
        key, sep, value = line.partition(": ")
        if sep and key not in fields:
            fields[key] = value
    try:
        when = datetime.strptime(fields["Discarded"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        wt = Path(json.loads(fields["Worktree"])) if "Worktree" in fields else None
        clone = Path(json.loads(fields["Clone"])) if "Clone" in fields else None
        return Entry(
            name,
            oid,
            RefName(fields["Branch"]),
            Oid(fields["Tip"]),
            when,
            Oid(fields["Index"]) if "Index" in fields else None,
            Oid(fields["Work"]) if "Work" in fields else None,
            wt,
            fields.get("Agent-Name"),
            clone,
        )
    except (KeyError, ValueError):
        return None  # not ours, or damaged: listed by name only


def entries(repo: GitRepo) -> list[Entry]:
    """Every readable trash record, newest first."""
    out = []
    for ref, oid in repo.iter_refs(TRASH):
        e = parse(ref[len(TRASH) :], oid, repo.message(oid))
        if e is not None:
            out.append(e)
    return sorted(out, key=lambda e: (e.when, e.name), reverse=True)


def free_name(repo: GitRepo, short: str, now: datetime) -> str:
    """A record name for ``short`` discarded at ``now`` that no record has yet."""
    base = f"{encode(short)}-{now.strftime(_STAMP)}"
    name, n = base, 1
    while repo.ref_oid(TRASH + name) is not None:
        n += 1
        name = f"{base}-{n}"
    return name


def find(repo: GitRepo, name: str | None) -> Entry:
    """The record ``name`` names (record name, ref, or branch: its latest); the latest by default."""
    all_entries = entries(repo)
    if not all_entries:
        raise GateError("the trash is empty: nothing to restore.")
    if name is None:
        return all_entries[0]
    for e in all_entries:
        if name in (e.name, e.ref):
            return e
    for e in all_entries:  # a branch name: its most recent entry
        if name in (short_name(e.branch), e.branch):
            return e
    known = [e.name for e in all_entries] + [short_name(e.branch) for e in all_entries]
    raise NotFound(f"no trash entry '{name}'.{closest(name, known)} List them with 'agentgate trash'.")


def purge(repo: GitRepo, older_than: timedelta, now: datetime) -> list[Entry]:
    """Delete the entries discarded before ``now - older_than``; the ones deleted."""
    gone = []
    for e in entries(repo):
        if now - e.when > older_than:
            write.delete_ref(repo, e.ref, e.oid)
            gone.append(e)
    return gone
