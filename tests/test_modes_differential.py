"""agentgate's view of a tree against git's own, over generated trees (hypothesis).

Trees are written byte for byte (``hash-object --literally``) with modes git never
writes but reads (``120755``, ``100664``, ``160755``…): for every path, the mode and
content agentgate sees equal ``git ls-tree -r`` (which prints modes canonicalised)
and ``git cat-file``; and two trees that differ only in raw modes git reads alike
are no change to agentgate, as they are none to ``git diff-tree``.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gate.git.changes import compute
from gate.git.modes import canonical_mode
from gate.git.opening import open_repo
from tests.crafting import commit_tree, tree_bytes, write_object
from tests.gitutil import Repo

# Raw modes, each with another raw mode git reads alike.
TWINS = {
    "100644": "100664", "100664": "100600", "100600": "100644",
    "100755": "100775", "100775": "100700", "100700": "100755",
    "120000": "120755", "120755": "120644", "120644": "120000",
    "160000": "160755", "160755": "160644", "160644": "160000",
}
Node = tuple[str, bytes] | dict[str, "Node"]

names = st.text(alphabet="abAB_-x1", min_size=1, max_size=3)
leaves = st.tuples(st.sampled_from(sorted(TWINS)), st.binary(max_size=40))
trees = st.recursive(st.dictionaries(names, leaves, min_size=1, max_size=5),
                     lambda sub: st.dictionaries(names, st.one_of(leaves, sub), min_size=1, max_size=4),
                     max_leaves=12)


def write(repo: Repo, node: dict[str, Node], twin: bool) -> str:
    entries = []
    for name, child in node.items():
        if isinstance(child, dict):
            entries.append(("40000", name.encode(), write(repo, child, twin)))
            continue
        mode, data = child
        if mode.startswith("160"):
            oid = (data.hex() + "1" * 40)[:40]  # another repository's commit: never read
        else:
            oid = write_object(repo, "blob", data)
        entries.append((TWINS[mode] if twin else mode, name.encode(), oid))
    entries.sort(key=lambda e: e[1] + b"/" if e[0] == "40000" else e[1])
    return write_object(repo, "tree", tree_bytes(entries))


def git_view(repo: Repo, commit: str) -> dict[str, tuple[str, int]]:
    out = subprocess.run(["git", "ls-tree", "-r", "-z", commit], cwd=repo.path, capture_output=True,
                         check=True).stdout
    view = {}
    for record in filter(None, out.split(b"\0")):
        meta, path = record.split(b"\t", 1)
        mode, _kind, oid = meta.decode().split(" ")
        view[path.decode()] = (oid, int(mode, 8))
    return view


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tree=trees)
def test_agentgate_reads_modes_and_content_as_git_does(tmp_path: Path, tree: dict[str, Node]) -> None:
    repo = Repo(tmp_path / "r") if (tmp_path / "r").exists() else Repo.init(tmp_path / "r")
    empty = commit_tree(repo, write_object(repo, "tree", b""))
    head = commit_tree(repo, write(repo, tree, twin=False), empty)
    twin = commit_tree(repo, write(repo, tree, twin=True), head)
    gr = open_repo(repo.path)
    want = git_view(repo, head)
    assert {p: gr.entry_at(head, p) for p in want} == want
    cs = compute(gr, empty, head)
    assert {fc.path: (fc.new_oid, fc.new_mode) for fc in cs.files} == want
    for oid, mode in want.values():
        assert canonical_mode(mode) == mode
        if mode != 0o160000:
            assert gr.read_blob(oid) == repo.git("cat-file", "blob", oid).encode("utf-8", "surrogateescape")
    assert repo.git("diff-tree", "-r", head, twin) == ""
    assert compute(gr, head, twin).files == ()
