"""The local target against its upstream: what the server judges against.

A clone's ``main`` is rarely the server's ``main``: a lead merges locally before
pushing, a clone that has not pulled is behind. Commands that judge against the
local target say so (DESIGN §6), and ``approve`` judges a branch the local target
already contains against the upstream, as the server will.
"""

from __future__ import annotations

from dataclasses import dataclass

from gate.git.repo import GitRepo
from gate.model import Oid, RefName, short_name


@dataclass(frozen=True)
class Divergence:
    """``local`` is ``ahead`` commits ahead of and ``behind`` commits behind ``upstream``."""

    local: RefName
    upstream: RefName
    upstream_oid: Oid
    ahead: int
    behind: int


def upstream_of(repo: GitRepo, local: RefName) -> tuple[RefName, Oid] | None:
    """The remote-tracking branch ``local`` follows: its configured upstream
    (``branch.NAME.remote`` and ``.merge``), else ``origin``'s branch of the same
    name, else the only remote's. None for a remote-tracking target or none found
    (a clone made with ``git init`` and ``git push`` has no upstream configured)."""
    if not local.startswith("refs/heads/"):
        return None
    name = short_name(local)
    remote = repo.config_get(f"branch.{name}.remote")
    merge = repo.config_get(f"branch.{name}.merge")
    if remote and remote != "." and merge and merge.startswith("refs/heads/"):
        ref = RefName(f"refs/remotes/{remote}/{merge[len('refs/heads/'):]}")
        oid = repo.ref_oid(ref)
        if oid is not None:
            return ref, oid
    origin = RefName(f"refs/remotes/origin/{name}")
    oid = repo.ref_oid(origin)
    if oid is not None:
        return origin, oid
    found = [(r, o) for r, o in repo.iter_refs("refs/remotes/") if r.split("/", 3)[-1] == name]
    return found[0] if len(found) == 1 else None


def divergence(repo: GitRepo, local: RefName, local_oid: Oid) -> Divergence | None:
    """How ``local`` differs from its upstream; None when it has none or they agree."""
    up = upstream_of(repo, local)
    if up is None or up[1] == local_oid:
        return None
    ahead, behind = repo.ahead_behind(local_oid, up[1])
    return Divergence(local, up[0], up[1], ahead, behind)
