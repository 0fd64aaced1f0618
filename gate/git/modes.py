"""File modes as git reads them.

git canonicalises every mode it reads from a tree (``canon_mode`` in git's
cache.h): a regular file is 100755 when the owner may execute it, else 100644;
any ``12xxxx`` is a symlink; any ``04xxxx`` a folder; anything else a submodule
(gitlink). libgit2's normalisation tests the execute bits first, so it reads
``120755`` as an executable file and ``160755`` as an executable blob that is in
fact a commit. Every mode that enters agentgate from pygit2 goes through
``canonical_mode``.
"""

from __future__ import annotations

from gate.model import MODE_EXEC, MODE_FILE, MODE_GITLINK, MODE_LINK, MODE_TREE

_TYPE = 0o170000
_REGULAR = 0o100000

# What git writes, plus 100664, which early git wrote and old histories still hold
# (git's fsck accepts it unless --strict).
WRITTEN_MODES = frozenset({MODE_FILE, MODE_EXEC, MODE_LINK, MODE_GITLINK, MODE_TREE, 0o100664})


def canonical_mode(raw: int) -> int:
    """The mode git reads ``raw`` as (git's ``canon_mode``); 0 stays 0 (no file)."""
    if raw == 0:
        return 0
    kind = raw & _TYPE
    if kind == _REGULAR:
        return MODE_EXEC if raw & 0o100 else MODE_FILE
    if kind == MODE_LINK:
        return MODE_LINK
    if kind == MODE_TREE:
        return MODE_TREE
    return MODE_GITLINK
