"""Approvals: a human's consent to one ``ask`` finding, bound to its fingerprint.

Stored as commits on ``refs/agentgate/approvals``; each commit's tree holds one
small JSON record per approved fingerprint, named ``<fingerprint>.json``.
"""

from __future__ import annotations

from gate.git import GitRepo

APPROVALS_REF = "refs/agentgate/approvals"


def load(repo: GitRepo, ref: str = APPROVALS_REF) -> frozenset[str]:
    """Fingerprints approved so far (empty when nothing was ever approved)."""
    tip = repo.ref_oid(ref)
    if tip is None:
        return frozenset()
    return frozenset(n[: -len(".json")] for n in repo.tree_names(tip) if n.endswith(".json"))
