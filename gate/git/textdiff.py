"""Hunks between two byte strings, as the branch change sets compute them.

A patch's binary section carries whole blobs (``gate.patch.binary``); their
hunks and binary-ness must be what ``gate.git.changes`` would give the same
blobs in a commit, so libgit2 computes both here with the same options.
"""

from __future__ import annotations

import pygit2
from pygit2.enums import DiffOption

from gate.model import Hunk


def hunks(old: bytes | None, new: bytes | None) -> tuple[tuple[Hunk, ...], bool]:
    """The -U0 hunks from ``old`` to ``new`` (None: no file), and whether libgit2
    takes either for binary (then no hunks)."""
    patch = pygit2.Patch.create_from(old, new, flag=DiffOption.INDENT_HEURISTIC, context_lines=0)
    if patch.delta.is_binary:
        return (), True
    return tuple(Hunk(h.old_start, h.old_lines, h.new_start, h.new_lines) for h in patch.hunks), False
