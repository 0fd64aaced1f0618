"""Shared-symbol rules (``symbol.shared``, ``symbol.signature``): the collision git
does not see. Two branches merge without a conflict, each right alone, and break
together: one changes a function's signature, the other calls it the old way.

Forward: for each symbol this branch changes, removes or renames, its users in
files of the target owned by other agents, and on lines other open agent branches
add. Reverse: the lines this branch adds that use a symbol another open branch
changes. A signature break (parameters, arity, a removal, a rename) with a user
whose call no longer fits asks; any other use warns. One finding per symbol and
other side (an agent, or an open branch), fingerprinted by both so an approval
binds to that pair and to the content of the file holding the change.

The analysis lives in ``gate.symbols`` (``changed``: what a change set changes;
``uses``: who uses it; ``cache``: parse results and answers, cached there by ids)
and is imported only when the branch changes a file of an analysed language: a
push of docs pays nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from gate.checks import Found, Subject
from gate.context import BranchInfo, Context
from gate.model import LANGUAGES, FileChange, Finding

if TYPE_CHECKING:
    from gate.symbols.changed import Changed, Use

# From gate.model, not gate.symbols: a branch without source files never imports
# the analysis.
SUFFIXES = tuple(LANGUAGES)
RULES = ("symbol.shared", "symbol.signature")
SHOWN = 5  # call sites spelled out in a message; ``other["users"]`` has them all


def check(ctx: Context, subject: Subject) -> Found:
    branch, cs = subject.branch, subject.changes
    if branch.agent is None or not any(p.lower().endswith(SUFFIXES) for fc in cs.files for p in fc.paths):
        return Found()
    if subject.refusing_only and "block" not in (ctx.policy.action(r) for r in RULES):
        # A push to an agent branch is refused only by block; these rules warn or
        # ask, so on a cold cache the analysis (seconds on a large change) would cost
        # the push without changing its answer. check, status and CI still run it.
        return Found(notes=(f"symbol analysis skipped at push: see 'agentgate check {branch.short}'",))
    from gate.symbols import changed as sc
    from gate.symbols import uses as su

    me = branch.agent
    out: list[Finding | None] = []
    notes: list[str] = []
    changes = sc.branch_changes(ctx, cs, notes, users=True)
    others = ctx.others(branch)
    files = cs.by_path()
    if changes:
        sides: dict[tuple[int, str], list[Use]] = {}
        for u in su.target_uses(ctx, me, cs, changes, notes):
            sides.setdefault((u.index, u.agent), []).append(u)
        for (i, agent), uses in sorted(sides.items()):
            out.append(_forward(ctx, files, me, changes.items[i], agent, None, uses))
        for o in others:
            ocs = ctx.changes(o.head)
            if not changes.families & sc.added_families(ocs):
                continue  # o adds no line in a language that can call these symbols
            by_symbol: dict[int, list[Use]] = {}
            for u in su.added_uses(ctx, ocs, changes, notes):
                by_symbol.setdefault(u.index, []).append(u)
            for i, uses in sorted(by_symbol.items()):
                out.append(_forward(ctx, files, me, changes.items[i], o.agent or o.short, o, uses))
    mine = sc.added_families(cs)
    for o in others:
        ocs = ctx.changes(o.head)
        if not mine & sc.changed_families(ocs):
            continue  # no file this branch adds to can call into what o changes
        theirs = sc.branch_changes(ctx, ocs, notes)
        by_symbol = {}
        for u in su.added_uses(ctx, cs, theirs, notes):
            by_symbol.setdefault(u.index, []).append(u)
        for i, uses in sorted(by_symbol.items()):
            out.append(_reverse(ctx, files, me, theirs.items[i], o, uses))
    return Found.of(out, notes)


def _rule(c: Changed, uses: Sequence[Use]) -> str:
    return "symbol.signature" if c.breaking and any(u.breaks for u in uses) else "symbol.shared"


def _finding(ctx: Context, rule: str, message: str, **kw: Any) -> Finding | None:
    # symbol.signature refines symbol.shared: a policy that turns the refinement off
    # still hears about the use.
    f = ctx.finding(rule, message, **kw)
    if f is None and rule == "symbol.signature":
        f = ctx.finding("symbol.shared", message, **kw)
    return f


def _forward(ctx: Context, files: dict[str, FileChange], me: str, c: Changed, agent: str, o: BranchInfo | None,
             uses: list[Use]) -> Finding | None:
    """``c``, changed by ``me``'s branch, is used by ``agent`` (on the target, or on ``o``)."""
    rule = _rule(c, uses)
    qual = c.target.qualname
    who = agent if o is None else f"{agent}'s open branch {o.short}"
    message = f"{qual} ({c.definition}) {_forward_what(c)}; {who} {_verb(uses)} it at {_places(uses)}"
    keep = "keep old calls working (a default for a new parameter, the old name kept)"
    if o is not None and agent == me:  # the other party is the agent itself
        if rule == "symbol.signature":
            hint = (f"update the call on your open branch {o.short} (rebase it onto this branch once it "
                    f"merges), or {keep}")
        else:
            hint = f"your open branch {o.short} relies on what {qual} does: check it once this merges"
    elif rule == "symbol.signature":
        hint = f"agree the change with {agent}: {keep}, or update {agent}'s calls in the same merge"
        if o is not None:
            hint = f"{hint}, or have {agent} rebase {o.short} onto it and update the call"
    else:
        hint = f"tell {agent}: their code relies on what {qual} does"
    users = [_user(agent, u, o) for u in uses]
    other: dict[str, Any] = {"symbol": qual, "definition": c.definition, "change": c.kind,
                             "users": users, "agent": agent}
    if o is not None:
        other["branch"] = o.ref
    side = agent if o is None else o.short
    return _finding(ctx, rule, message, path=c.path, line=c.line, hint=hint, other=other,
                    change=files.get(c.change_path), key=(qual, side))


def _reverse(ctx: Context, files: dict[str, FileChange], me: str, c: Changed, o: BranchInfo,
             uses: list[Use]) -> Finding | None:
    """This branch's added lines use ``c``, which the open branch ``o`` changes."""
    rule = _rule(c, uses)
    qual = c.target.qualname
    owner = o.agent or o.short
    message = (f"{me} {_verb(uses)} {qual} at {_places(uses)}, which {owner}'s open branch {o.short} "
               f"{_reverse_what(c)}")
    yours = owner == me  # the agent's own other branch
    if rule == "symbol.signature":
        hint = (f"the two branches merge without a conflict and the call breaks: rebase onto "
                f"{'your branch ' if yours else ''}{o.short} once it merges and update the call"
                + ("" if yours else f", or agree the signature with {owner}"))
    elif yours:
        hint = f"check that the call still does what you expect once your branch {o.short} merges"
    else:
        hint = f"check with {owner} that the call still does what you expect once {o.short} merges"
    first = uses[0]
    other = {"symbol": qual, "definition": c.definition, "change": c.kind,
             "users": [_user(me, u, None) for u in uses], "agent": owner, "branch": o.ref}
    return _finding(ctx, rule, message, path=first.path, line=first.line, end_line=first.end_line,
                    hint=hint, other=other, change=files.get(first.path), key=(qual, o.short))


def _forward_what(c: Changed) -> str:
    if c.kind == "signature":
        return f"changes signature ({c.detail})"
    if c.kind == "removed":
        return "is removed"
    if c.kind == "renamed":
        return f"is {c.detail}"
    return f"changes ({c.detail})" if c.detail else "changes"


def _reverse_what(c: Changed) -> str:
    at = f"at {c.definition}"
    if c.kind == "signature":
        return f"changes {at}: {c.detail}"
    if c.kind == "removed":
        return f"removes (defined at {c.definition})"
    if c.kind == "renamed":
        return f"renames {at} ({c.detail})"
    return f"changes {at}" + (f" ({c.detail})" if c.detail else "")


def _verb(uses: Sequence[Use]) -> str:
    return "calls" if all(u.call for u in uses) else "uses"


def _places(uses: Sequence[Use]) -> str:
    where = list(dict.fromkeys(f"{u.path}:{u.line}" + (" (possible)" if u.possible else "") for u in uses))
    shown = ", ".join(where[:SHOWN])
    return shown if len(where) <= SHOWN else f"{shown} and {len(where) - SHOWN} more"


def _user(agent: str, u: Use, o: BranchInfo | None) -> dict[str, Any]:
    out: dict[str, Any] = {"agent": agent, "path": u.path, "line": u.line}
    if u.possible:
        out["possible"] = True  # matched by the method's name: the receiver's type is unknown
    if o is not None:
        out["branch"] = o.ref
    return out
