"""Crafted objects for the hostile-push tests: what a misbehaving agent can write
with git's plumbing and push for real (issue 14). Adapted from the reproduction
tests of issue 14 (tests/test_hostile.py).

Objects are stored exactly as given (``git hash-object --literally``): no checks and
no canonical form, so a tree may hold duplicate entries, names git refuses and modes
git never writes.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence

from tests.gitutil import Repo, git
from tests.servers import Pushed, Server

Entry = tuple[str, bytes, str]  # (mode as a tree stores it, name, object id)

BAD_DATE = "Mallory <mallory@example.com> 99999999999999999999 +0000"  # libgit2: "invalid Unix timestamp"
GOOD_SIG = "Bob Bot <bob@example.com> 1767225600 +0000"


def write_object(repo: Repo, kind: str, data: bytes) -> str:
    return repo.git("hash-object", "-w", "--literally", "-t", kind, "--stdin", input=data).strip()


def blob(repo: Repo, data: bytes | str) -> str:
    return write_object(repo, "blob", data.encode() if isinstance(data, str) else data)


def tree_bytes(entries: Sequence[Entry]) -> bytes:
    """A raw tree object: ``<mode> <name>\\0<20-byte id>`` per entry, in the order given."""
    return b"".join(mode.encode() + b" " + name + b"\0" + bytes.fromhex(oid) for mode, name, oid in entries)


def ls_tree(repo: Repo, tree: str) -> list[Entry]:
    out = subprocess.run(["git", "ls-tree", "-z", tree], cwd=repo.path, capture_output=True, check=True).stdout
    entries: list[Entry] = []
    for record in out.split(b"\0"):
        if record:
            meta, name = record.split(b"\t", 1)
            mode, _kind, oid = meta.decode().split(" ")
            entries.append((mode.lstrip("0"), name, oid))
    return entries


def git_order(entry: Entry) -> bytes:
    mode, name, _ = entry
    return name + b"/" if mode == "40000" else name


def spliced(repo: Repo, commit: str, directory: str, entries: Sequence[Entry], *, sort: bool = True) -> str:
    """A root tree: ``commit``'s, with ``entries`` added to ``directory`` (made when
    missing) and every tree on the way written anew. Entries are kept in git's order
    (equal names keep the order given) unless ``sort`` is False."""
    parts = [p for p in directory.split("/") if p]

    def build(depth: int) -> str:
        here = "/".join(parts[:depth])
        spec = f"{commit}:{here}" if here else f"{commit}^{{tree}}"
        exists = subprocess.run(["git", "cat-file", "-e", spec], cwd=repo.path, check=False).returncode == 0
        listed = ls_tree(repo, spec) if exists else []
        if depth == len(parts):
            listed += entries
            if not sort:
                return write_object(repo, "tree", tree_bytes(listed))
        else:
            name = parts[depth].encode()
            listed = [e for e in listed if e[1] != name] + [("40000", name, build(depth + 1))]
        return write_object(repo, "tree", tree_bytes(sorted(listed, key=git_order)))

    return build(0)


def commit_tree(repo: Repo, tree: str, *parents: str, message: str = "work") -> str:
    args = [a for p in parents for a in ("-p", p)]
    return repo.git("commit-tree", tree, *args, "-m", message).strip()


def raw_commit(repo: Repo, tree: str, parents: Sequence[str], author: str, message: str = "work") -> str:
    """A commit written byte for byte: ``author`` is the whole signature line's value."""
    lines = [f"tree {tree}", *[f"parent {p}" for p in parents], f"author {author}", f"committer {GOOD_SIG}"]
    return write_object(repo, "commit", ("\n".join(lines) + f"\n\n{message}\n").encode())


def set_fsck(server: Server, on: bool) -> None:
    git(server.bare, "config", "receive.fsckObjects", "true" if on else "false")


def refs(server: Server) -> dict[str, str]:
    out = git(server.bare, "for-each-ref", "--format=%(refname) %(objectname)")
    return {name: oid for name, oid in (line.split(" ", 1) for line in out.splitlines())}


def push_raw(server: Server, objects: Sequence[str], new: str, ref: str, user: str) -> Pushed:
    """Push as a client that walks nothing: a pack of exactly ``objects`` and one
    command, straight into ``git receive-pack`` (git's own client refuses to send
    some trees, e.g. an empty entry name; an attacker's client need not)."""
    pack = subprocess.run(["git", "pack-objects", "--stdout", "-q"], cwd=server.work.path, check=True,
                          input="\n".join(objects).encode(), capture_output=True).stdout
    command = f"{'0' * 40} {new} {ref}".encode() + b"\0 report-status\n"
    env = dict(os.environ, AGENTGATE_USER=user)
    proc = subprocess.run(["git", "receive-pack", str(server.bare)], env=env, check=False, capture_output=True,
                          input=b"%04x" % (len(command) + 4) + command + b"0000" + pack)
    stderr = proc.stderr.decode(errors="replace")
    lines = _pkt_lines(proc.stdout)
    rejected = [f" ! [remote rejected] {new} -> {ln[3:]}" for ln in lines if ln.startswith("ng ")]
    rc = 0 if f"ok {ref}" in lines else 1
    remote = [ln.rstrip() for ln in stderr.splitlines()]
    return Pushed(rc, remote, "\n".join([stderr, *rejected]))


def _pkt_lines(data: bytes) -> list[str]:
    lines: list[str] = []
    while len(data) >= 4:
        size = int(data[:4], 16)
        if size:
            lines.append(data[4:size].decode(errors="replace").rstrip("\n"))
        data = data[max(size, 4):]
    return lines


def hook_lines(pushed: Pushed) -> list[str]:
    return [ln for ln in pushed.remote if ln.removeprefix("GL-HOOK-ERR: ").startswith("agentgate:")]


def hook_ran(pushed: Pushed) -> bool:
    return "pre-receive hook declined" in pushed.stderr


def assert_refused(pushed: Pushed, before: dict[str, str], after: dict[str, str], *reasons: str) -> None:
    """Refused, and no ref moved. When the hook is what refused (git did not refuse
    first), its lines name every one of ``reasons`` (case-insensitive)."""
    shown = "\n".join(pushed.remote) or pushed.stderr
    assert pushed.rc != 0, f"accepted:\n{shown}"
    assert after == before, f"refs moved:\n{shown}"
    assert "remote rejected" in pushed.stderr or "ng " in pushed.stderr, pushed.stderr
    if hook_ran(pushed):
        said = "\n".join(hook_lines(pushed)).casefold()
        missing = [r for r in reasons if r.casefold() not in said]
        assert not missing, f"not said: {missing}:\n{shown}"
