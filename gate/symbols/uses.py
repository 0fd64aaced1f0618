"""Where other agents use the symbols a branch changes (``gate.checks.symbols``).

- ``target_uses``: in files of the target owned by other agents. Candidates come
  from one ``git grep`` over the target tree (cached by target commit and words);
  only candidates are parsed, at most ``EXAMINE_BUDGET`` files in all (a note
  says how many more name a changed symbol), so the cost follows the change, not
  the repository. Every user found is kept: the finding's ``other["users"]``
  lists them all and its message shortens the list with "and N more".
- ``added_uses``: among the lines a change set adds; a word search on those lines
  comes first, and only files that name a changed symbol are parsed.

A *possible* use (a method matched by its name alone: the receiver's type is not
known) is kept unless another type of the target defines a method of that name
in a module the using file imports (or in the file itself) (``certain``), and its
messages say "possible". A Java call whose argument types another overload may
take is possible too, and kept.

Uses found in one file are cached per (blob, path) and set of changes in one JSON
file per set (``RefCache``); the answers are cached by content keys, so a new
commit that leaves the changed symbols and the candidate files alone reuses them.
"""

from __future__ import annotations

from functools import cached_property
from itertools import zip_longest
from typing import TYPE_CHECKING, Any

from gate.model import ChangeSet, language_of
from gate.symbols.cache import Source, added_lines, cached, memo, parsed, save, sites
from gate.symbols.changed import Changes, Use, V, digest
from gate.symbols.gomod import GoTree, localize
from gate.symbols.java_hierarchy import aliases as java_aliases
from gate.symbols.java_hierarchy import key_of
from gate.symbols.java_hierarchy import overrides as java_overrides
from gate.symbols.language import family
from gate.symbols.rustmods import paths_for
from gate.symbols.sites import resolve, wanted_words
from gate.symbols.values import FileSymbols, Target

if TYPE_CHECKING:
    from gate.symbols.rustmods import RustPaths

# The ``possible`` of a use row: a Java call another overload may take (kept: its
# receiver's type is known), where True is a method matched by name alone.
OVERLOAD = 2
EXAMINE_BUDGET = 400  # candidate files of the target parsed per branch, at most
# (It shapes cached answers: bump changed.CACHE_VERSION when changing them.)
# Ownership per target and path for the run (pathspec tries every pattern: ~0.5 ms a path).
_OWNERS: dict[tuple[int, str, str], str | None] = {}
# (git dir, target) pairs searched in this run: see ``candidates``.
_SEARCHED: set[tuple[object, str]] = set()


class RefCache:
    """Uses of one set of changes per file, ``"<blob>:<path>"`` -> rows of
    (index, line, end_line, call, breaks), kept in one JSON file per set."""

    def __init__(self, ctx: Source, changes: Changes, aliases: dict[Target, int] | None = None) -> None:
        self.ctx = ctx
        self.changes = changes
        # Java: ``Sub.m`` for an inherited changed ``Base.m`` (``java_hierarchy``); they
        # depend on the target's tree, so they are part of each Java file's key.
        self.aliases = aliases or {}
        self.alias_key = key_of(self.aliases)
        self.parts = ("refs", changes.key[:2], f"{changes.key}-{V}.json")
        self.files: dict[str, list[list[Any]]] = memo(ctx, self.parts, lambda d: dict(d["files"]))
        self.dirty = False

    def uses(self, path: str, oid: str, mode: int, side: str, notes: list[str], tree: str) -> list[list[Any]]:
        """Rows for blob ``oid`` read as ``path`` in the commit ``tree`` (whose go.mod
        files resolve a Go file's imports)."""
        key = f"{oid}:{path}"
        lang = language_of(path)
        if self.alias_key and lang == "java":
            key += "@h" + self.alias_key
        go = GoTree(self.ctx.repo, tree) if lang == "go" else None
        if go is not None:
            key += "@" + go.cache_key(path, {c.target.module for c in self.changes.items if c.target.language == "go"})
        rust = paths_for(self.ctx, self.changes, tree) if lang == "rust" else None
        if rust is not None:
            key += "@" + rust.key(path, notes)
        js = None
        if lang is not None and family(lang) == "js":
            # The imports resolved through the repository's configuration and the
            # modules they re-export from (``jsmod``, ``jsfollow``): the answer depends on every
            # file that resolution looked at, so they key it.
            js = self._localized(path, oid, mode, side, notes, tree)
            if js is None:
                return []
            key += "@" + digest(sorted(js[1].items()))
        rows = self.files.get(key)
        if rows is None:
            rows = self.files[key] = self._compute(path, oid, mode, side, notes, go, js[0] if js else None, rust)
            self.dirty = True
        return rows

    def _localized(self, path: str, oid: str, mode: int, side: str, notes: list[str],
                   tree: str) -> tuple[FileSymbols, dict[str, str]] | None:
        if not self._may_use(path, oid):
            return None
        fs = parsed(self.ctx, path, oid, mode, notes, side, users=True)
        if fs is None:
            return None
        from gate.symbols.jsfollow import localize_at

        return localize_at(self.ctx, fs, tree, side, notes)

    def _compute(self, path: str, oid: str, mode: int, side: str, notes: list[str],
                 go: GoTree | None, js: FileSymbols | None = None,
                 rust: RustPaths | None = None) -> list[list[Any]]:
        items = self.changes.items
        index = {c.target: i for i, c in enumerate(items)}
        index.update(self.aliases)
        # Candidates name a changed symbol already (a word search on the target or
        # on added lines); a branch's version of a target file may not.
        fs = parsed(self.ctx, path, oid, mode, notes, side, users=True)
        if fs is None or not self._may_use(path, oid, rust):
            return []
        if go is not None:
            fs = localize(fs, go)  # Go imports resolved through go.mod (gate.symbols.gomod)
        if js is not None:
            fs = js  # JS/TS imports resolved and followed (gate.symbols.jsfollow)
        if rust is not None:  # Rust paths named by crate through Cargo.toml (gate.symbols.rustmods)
            from gate.symbols.rustmods import localize as by_crate

            fs, index = by_crate(fs, rust.tree), rust.targets(index)
        # Only sites spelling a name that can resolve are walked (``wanted_words``);
        # a Python file's come whole from the parse that read its symbols.
        words = None if fs.language == "python" else wanted_words(fs, index)
        read = sites(self.ctx, path, oid, mode, notes, side, words)
        if read is None:
            return []
        found = read[1]
        refs = [r for r in resolve(fs, found, index) if items[index[r.target]].reaches(r)]
        return [[index[r.target], r.line, r.end_line, r.call, items[index[r.target]].breaks(r),
                 r.how == "name" or (OVERLOAD if not items[index[r.target]].certain(r) else False)]
                for r in refs]

    def _may_use(self, path: str, oid: str, rust: RustPaths | None = None) -> bool:
        """Whether the blob's text spells a name of a changed symbol of its language
        family (no use can resolve otherwise)."""
        lang = language_of(path)
        words = self.words.get(family(lang)) if lang else None
        if rust is not None:
            words = (*(words or ()), *(w.encode() for w in rust.words()))
        if not words:
            return False
        try:
            data = self.ctx.repo.read_blob(oid)
        except (KeyError, ValueError):
            return True  # parsing says what is missing
        if family(lang or "") == "js":
            words += tuple(w.encode() for w in _ALIASES.get((self.ctx.target_oid, self.changes.key), ()))
        return any(w in data for w in words)

    @cached_property
    def words(self) -> dict[str, tuple[bytes, ...]]:
        """Per language family, the changed symbols' words as bytes."""
        out: dict[str, dict[bytes, None]] = {}
        for c in self.changes.items:
            fam = out.setdefault(family(c.target.language), {})
            fam.update(dict.fromkeys(w.encode() for w in c.target.words))
        return {f: tuple(ws) for f, ws in out.items()}

    def save(self) -> None:
        if self.dirty:
            save(self.ctx, self.parts, {"notes": [], "files": self.files})
            self.dirty = False


# -- users on the target ------------------------------------------------------------------


def target_uses(ctx: Source, agent: str, cs: ChangeSet, changes: Changes, notes: list[str]) -> list[Use]:
    """Uses of ``changes`` in files of the target that another agent than ``agent`` owns.

    Files the branch changes are left out: the branch has seen them (editing
    another agent's file is ``scope.outside``), and a call it fixed there is fixed
    in the merge too.
    """
    if not changes:
        return []
    extra = paths_for(ctx, changes, ctx.target_oid).words() if "rust" in changes.families else frozenset()
    found = candidates(ctx, changes, notes, extra)
    mine = sorted(p for fc in cs.files for p in fc.paths if p in found)
    for path in mine:
        del found[path]
    key = f"{ctx.target_oid}-{digest(agent, changes.key, mine)}-{V}"
    inherited = java_aliases(ctx, changes, notes)  # keyed by the target commit too
    overriding = java_overrides(ctx, changes, notes)
    uses = cached(ctx, ("users", ctx.target_oid[:2], key + ".json"),
                  lambda: _compute_target_uses(ctx, agent, changes, found, inherited, overriding),
                  _uses, notes)
    return _certain(ctx, changes, uses, notes, ctx.target_oid)


def _owner(ctx: Source, path: str) -> str | None:
    key = (id(ctx.policy), ctx.target_oid, path)
    if key not in _OWNERS:
        owner = ctx.policy.owner_of(path)
        _OWNERS[key] = owner[0] if owner else None
    return _OWNERS[key]


def candidates(ctx: Source, changes: Changes, notes: list[str],
               extra: frozenset[str] = frozenset()) -> dict[str, list[str]]:
    """Files of the target that name any changed symbol, or one of the ``extra``
    names it has (path -> the words).

    One JSON file per target commit maps each word searched so far to its files;
    only words not in it are searched. The first search of a run is for this
    branch's words alone (a hook checks one branch); a second one in the same run
    (``check --all``, ``status``) takes the words of every open branch at once:
    each search reads the whole tree, whatever it looks for.
    """
    from gate.git.grep import words_in_tree
    from gate.model import LANGUAGES
    from gate.symbols.changed import branch_changes

    parts = ("grep", ctx.target_oid[:2], f"{ctx.target_oid}-{V}.json")
    index: dict[str, list[str]] = memo(ctx, parts, lambda d: dict(d["files"]))
    wanted = changes.words | extra
    missing = {w for w in wanted if w not in index}
    if missing:
        searched = (ctx.repo.git_dir, ctx.target_oid)
        if searched in _SEARCHED:
            for b in ctx.agent_branches:
                missing |= {w for w in branch_changes(ctx, ctx.changes(b.head), notes).words if w not in index}
        _SEARCHED.add(searched)
        found: dict[str, list[str]] = {w: [] for w in missing}
        for path, words in sorted(words_in_tree(ctx.repo, ctx.target_oid, missing, LANGUAGES).items()):
            for w in words:
                found[w].append(path)
        index.update(found)
        save(ctx, parts, {"notes": [], "files": index})
    out: dict[str, list[str]] = {}
    for w in sorted(wanted):
        for path in index[w]:
            if path.lower().endswith(changes.suffixes):
                out.setdefault(path, []).append(w)
    if "js" in changes.families:
        from gate.symbols.jsfollow import alias_search

        _ALIASES[(ctx.target_oid, changes.key)] = alias_search(ctx, changes, index, lambda: save(
            ctx, parts, {"notes": [], "files": index}), out)
    return out


# Per (target, change set key): the names JS/TS re-exports give the changed symbols
# (``export { parse as parseText } from``): their users spell those instead.
_ALIASES: dict[tuple[str, str], frozenset[str]] = {}

def _compute_target_uses(ctx: Source, agent: str, changes: Changes, found: dict[str, list[str]],
                         inherited: dict[Target, int], overriding: list[tuple[int, str, int]]) -> dict[str, Any]:
    notes: list[str] = []
    by_agent: dict[str, list[str]] = {}
    for path in found:
        owner = _owner(ctx, path)
        if owner not in (None, agent):
            by_agent.setdefault(str(owner), []).append(path)
    # Round robin over the owners: within the budget every agent gets its turn.
    order = [pa for row in zip_longest(*([(p, a) for p in sorted(paths)] for a, paths in sorted(by_agent.items())))
             for pa in row if pa is not None]
    refs = RefCache(ctx, changes, inherited)
    uses: list[Use] = []
    examined = skipped = 0
    for path, owner in order:
        if examined >= EXAMINE_BUDGET:
            skipped += 1
            continue
        examined += 1
        uses += _file_uses(ctx, refs, path, owner, notes)
    refs.save()
    # Java: a method overriding one whose signature changed breaks where it is declared.
    declared = [Use(i, str(owner), path, line, line, False, True) for i, path, line in overriding
                if path in found and (owner := _owner(ctx, path)) not in (None, agent)]  # ``found``: not the branch's
    if declared:
        uses = sorted(uses + declared, key=lambda u: (u.path, u.line))
    if skipped:
        notes.append(f"symbols: {skipped} more files of the target name a changed symbol; only {examined} "
                     "were read (the rest may hold more users)")
    return {"notes": notes, "uses": [_row(u) for u in uses]}


def _file_uses(ctx: Source, refs: RefCache, path: str, owner: str, notes: list[str]) -> list[Use]:
    entry = ctx.repo.entry_at(ctx.target_oid, path)
    if entry is None:
        return []
    oid, mode = entry
    return [Use(i, owner, path, line, end, call, breaks, bool(possible), possible == OVERLOAD)
            for i, line, end, call, breaks, possible in refs.uses(path, oid, mode, "target", notes, ctx.target_oid)]


# -- users among added lines -------------------------------------------------------------


def added_uses(ctx: Source, cs: ChangeSet, changes: Changes, notes: list[str]) -> list[Use]:
    """Uses of ``changes`` on lines that ``cs`` adds or changes."""
    if not changes:
        return []
    inherited = java_aliases(ctx, changes, notes)  # from the target's tree: its digest joins the key
    key = f"{cs.head}-{cs.base}-{changes.key}{'-' + key_of(inherited) if inherited else ''}-{V}"
    uses = cached(ctx, ("added", cs.head[:2], key + ".json"), lambda: _compute_added_uses(ctx, cs, changes, inherited),
                  _uses,
                  notes)
    return _certain(ctx, changes, uses, notes, cs.head)


def _compute_added_uses(ctx: Source, cs: ChangeSet, changes: Changes, inherited: dict[Target, int]) -> dict[str, Any]:
    notes: list[str] = []
    refs = RefCache(ctx, changes, inherited)
    uses: list[Use] = []
    words = changes.words
    if "rust" in changes.families:
        words |= paths_for(ctx, changes, cs.head).words()
    for f in added_lines(ctx, cs):
        if not f.path.lower().endswith(changes.suffixes) or words.isdisjoint(f.words):
            continue  # the added lines name none of the symbols: no parse needed
        for i, line, end, call, breaks, possible in refs.uses(f.path, f.oid, f.mode, "branch", notes, cs.head):
            if any(a <= end and line <= b for a, b in f.ranges):
                uses.append(Use(i, "", f.path, line, end, call, breaks, bool(possible), possible == OVERLOAD))
    refs.save()
    return {"notes": notes, "uses": [_row(u) for u in uses]}


def _row(u: Use) -> list[Any]:
    return [u.index, u.agent, u.path, u.line, u.end_line, u.call, u.breaks, OVERLOAD if u.overload else u.possible]


def _uses(data: dict[str, Any]) -> list[Use]:
    out = []
    for index, agent, path, line, end_line, call, breaks, possible in data["uses"]:
        out.append(Use(int(index), str(agent), str(path), int(line), int(end_line), bool(call), bool(breaks),
                       bool(possible), possible == OVERLOAD))
    return out


def _certain(ctx: Source, changes: Changes, uses: list[Use], notes: list[str], tree: str) -> list[Use]:
    from gate.symbols.possible import certain

    return certain(ctx, changes, uses, notes, tree)
