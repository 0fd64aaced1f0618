"""Object ids as people and patches write them: abbreviated, possibly unknown here.

A diff's ``index abc1234..def5678`` line names blobs by abbreviated ids that may
or may not exist in this repository (a patch an agent proposes usually brings
content nobody committed). ``expand_blob`` resolves one to its full id and size
when, and only when, it names exactly one blob here.
"""

from __future__ import annotations

import re

import pygit2

from gate.git.repo import GitRepo
from gate.model import Oid

# git abbreviates to at least 4 hex digits (core.abbrev's minimum); SHA-1 or SHA-256.
_HEX = re.compile(r"[0-9a-f]{4,64}")


def expand_blob(repo: GitRepo, abbrev: str) -> tuple[Oid, int] | None:
    """(full id, size) of the blob ``abbrev`` names, or None when it names no blob
    here (absent, ambiguous, all zeros, another kind of object, not hex)."""
    abbrev = abbrev.lower()
    if not _HEX.fullmatch(abbrev) or set(abbrev) == {"0"}:
        return None
    try:
        obj = repo.raw[abbrev]
    except (KeyError, ValueError, pygit2.GitError):
        # ValueError covers libgit2's AmbiguousError and InvalidSpecError.
        return None
    if not isinstance(obj, pygit2.Blob):
        return None
    return Oid(str(obj.id)), int(obj.size)
