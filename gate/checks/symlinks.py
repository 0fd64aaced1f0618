"""``gate.symlink``'s decision: is where a link leads the agent's own?

DESIGN §5: a symlink blocks unless it resolves (``gate.git.links``, as the OS
would) inside the agent's own scope or the shared paths; then it keeps the
policy's action (``ask`` by default). A link to a folder opens everything in it, so
a folder counts as inside only when the folder itself is the agent's or shared and
no other agent's pattern reaches below it: the repository's root, ``src/`` above
``src/billing/``, are not inside. A branch of no agent has no scope to leave: only
links out of the repository and loops block.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from gate.context import Context
from gate.git.links import Change, Resolved, Tree, tree_for
from gate.policy import Policy

_UNSURE = "\0"  # a probe for a pattern too intricate to instantiate: taken as "it may match"


class Source(Protocol):
    """Where the new side is read (the content gates' ``NewText``)."""

    def links(self) -> Mapping[str, Change]: ...


def tree(ctx: Context, head: str, source: Source) -> Tree:
    """The tree the links of one change set resolve in, read once per run however
    many links the change set adds: ``head``'s, with ``source``'s links on top."""
    return tree_for(ctx.repo, head, source, source.links)


@dataclass(frozen=True)
class Refusal:
    """Why a link blocks: the end of its message, the hint, the agent it reaches."""

    why: str
    hint: str
    other: dict[str, Any] | None = None


def refusal(policy: Policy, agent: str | None, res: Resolved) -> Refusal | None:
    """Why the link ``res`` describes blocks for ``agent``; None when it keeps the
    policy's action."""
    if res.where == "outside":
        return Refusal("points outside the repository",
                       "a link out of the repository can expose or overwrite files elsewhere: remove it")
    if res.where == "loop":
        return Refusal("does not resolve (a loop, more than 40 links, or a target too long to check out)",
                       "the OS gives up on this link: remove it")
    if agent is None:
        return None
    keep = "a link lets this branch read and edit what it reaches: link only to this agent's own or shared paths"
    path = res.path
    if path == "":
        return Refusal("points to the repository's root", keep)
    folder = res.kind != "file"  # a folder, or nothing yet (it may become one)
    owner = policy.owner_of(path)
    if folder and (owner is None or owner[0] == agent):
        # A pattern like src/ui/** matches the folder's files, not src/ui itself.
        owner = policy.owner_of(path + "/-") or owner
    if owner is not None and owner[0] != agent:
        return Refusal(f"points into {owner[0]}'s scope ({owner[1]})",
                       "a link into another agent's files lets this branch edit them: remove it",
                       {"agent": owner[0]})
    if folder:
        held = _held_below(policy, agent, path)
        if held is not None:
            return Refusal(f"points to a folder that holds {held[0]}'s scope ({held[1]})", keep, {"agent": held[0]})
    probe = path + "/-" if folder else path
    if (owner is None or owner[0] != agent) and policy.shared_pattern(path) is None \
            and policy.shared_pattern(probe) is None:
        return Refusal(f"points outside {agent}'s scope and the shared paths", keep)
    return None


def _held_below(policy: Policy, agent: str, folder: str) -> tuple[str, str] | None:
    """(agent, pattern) of another agent that owns something below ``folder``."""
    for other in policy.agents.values():
        if other.name == agent:
            continue
        for pattern in other.owns:
            probe = _probe(pattern, folder)
            if probe == _UNSURE:
                return other.name, pattern
            if probe is not None:
                # Who owns the probe after every pattern is weighed (the last match
                # wins): a later pattern of this agent's may take it back.
                owner = policy.owner_of(probe)
                if owner is not None and owner[0] != agent:
                    return owner
    return None


def _probe(pattern: str, folder: str) -> str | None:
    """A path below ``folder`` that the gitignore-style ``pattern`` matches, None when
    none can, ``_UNSURE`` when the pattern is too intricate to say."""
    body = pattern.strip()
    anchored = body.startswith("/") or "/" in body.rstrip("/")
    parts = [p for p in body.strip("/").split("/") if p]
    if not anchored:
        parts = ["**", *parts]  # an unanchored pattern matches at any depth
    if "\\" in body:
        return _UNSURE  # gitignore's escapes are not fnmatch's
    at = folder.split("/")
    for i, part in enumerate(parts):
        if part == "**":
            return _below(folder, parts[i + 1:], body)  # ** takes the rest of the folder
        if i == len(at):
            return _below(folder, parts[i:], body)
        if not fnmatch.fnmatchcase(at[i], part):
            return None
    # The pattern matches the folder itself or one of its parents: all of it.
    return _below(folder, [], body)


def _below(folder: str, parts: list[str], pattern: str) -> str:
    """``folder`` followed by ``parts`` with each glob made a name, and by a file when
    the pattern names a directory (or nothing is left to name)."""
    if any("[" in p for p in parts):
        return _UNSURE  # a name for a character class: not worth the risk
    names = [p.replace("*", "x").replace("?", "x") for p in parts if p != "**"]
    if not names or pattern.endswith("/") or parts[-1] == "**":
        names.append("x")
    return "/".join([folder, *names])
