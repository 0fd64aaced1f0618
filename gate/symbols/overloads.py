"""Which overload of a Java method a call reaches (issue 19).

Overloads share a qualified name, so a use of the name alone cannot tell them
apart. A change records every overload of the name on both sides and which old ones
it touches (``Overloads``); a call is a use of the change only when Java could have
chosen a touched one for it, and it breaks only when no overload left on the branch
takes it. The choice follows JLS 15.12.2 as far as one file tells: the number of
arguments, then their static types where known (``java_types``); fixed arity before
variable arity (``f(a)`` picks ``f(String)`` over ``f(String, Object...)``), widening
before boxing, and the most specific of those that apply. What
cannot be told (an argument of unknown type) keeps every overload it may reach.
"""

from __future__ import annotations

from dataclasses import dataclass

from gate.symbols.java_types import passes, raw
from gate.symbols.values import VAR, Reference, Signature, Symbol

Key = tuple[str, int]  # (qualified name, occurrence), as ``classify`` pairs symbols


@dataclass(frozen=True)
class Overloads:
    """The overloads of one name before (``old``, in file order) and after a change
    (``new``), and the indexes in ``old`` of those the change touches."""

    old: tuple[Signature, ...]
    touched: tuple[int, ...]
    new: tuple[Signature, ...]

    def reaches(self, ref: Reference) -> bool:
        """Whether ``ref`` may be a use of a touched overload. A method is used by a call
        or a method reference (a call of unknown arguments): what else spells its name
        with a receiver of unknown type is a field of that name, no use."""
        if not ref.call:
            return ref.how != "name"
        if ref.splat:
            return True
        return not set(self.touched).isdisjoint(chosen(self.old, ref.args, ref.types))

    def certain(self, ref: Reference) -> bool:
        """Whether Java can choose nothing but a touched overload for ``ref``."""
        if not ref.call or ref.splat:
            return len(self.old) == len(self.touched)
        return set(chosen(self.old, ref.args, ref.types)) <= set(self.touched)

    def fits_after(self, ref: Reference) -> bool:
        """Whether an overload left after the change may still take the call ``ref``."""
        return ref.call and not ref.splat and bool(chosen(self.new, ref.args, ref.types))


def chosen(sigs: tuple[Signature, ...], n: int, types: tuple[str, ...]) -> list[int]:
    """Indexes of the overloads a call with ``n`` arguments of ``types`` may resolve to.

    Java's three phases: fixed arity without boxing, with boxing, then variable
    arity; the first phase where an overload certainly applies decides, and among
    its overloads the most specific wins. A phase whose overloads only may apply
    keeps them and the later phases' too.
    """
    maybe: set[int] = set()
    for phase in range(3):
        fits = [(i, f) for i, s in enumerate(sigs)
                if i not in maybe and (f := _applies(phase, s, n, types)) is not False]
        if not any(f for _, f in fits):
            maybe |= {i for i, _ in fits}
            continue
        found = [i for i, _ in fits]
        if phase < 2 and all(fits_ for _, fits_ in fits):
            found = _most_specific(sigs, found)
        return sorted(maybe | set(found))
    return sorted(maybe)


def _applies(phase: int, sig: Signature, n: int, types: tuple[str, ...]) -> bool | None:
    return _fixed(sig, n, types, phase == 1) if phase < 2 else _variable(sig, n, types)


def _most_specific(sigs: tuple[Signature, ...], found: list[int]) -> list[int]:
    """Those of ``found`` no other one is strictly more specific than (JLS 15.12.2.5)."""
    def more(a: int, b: int) -> bool:
        pairs = zip(sigs[a].params, sigs[b].params, strict=True)
        return all(passes(raw(p.annotation or ""), q.annotation, boxing=False) is True for p, q in pairs)

    return [i for i in found if not any(j != i and more(j, i) and not more(i, j) for j in found)]


def _fixed(sig: Signature, n: int, types: tuple[str, ...], boxing: bool) -> bool | None:
    """Applicable by fixed arity (a varargs parameter taken as its array)?"""
    params = sig.params
    if n != len(params):
        return False
    declared = [p.annotation + ("[]" if p.kind == VAR else "") if p.annotation else None for p in params]
    return _all(types, declared, boxing)


def _variable(sig: Signature, n: int, types: tuple[str, ...]) -> bool | None:
    """Applicable by variable arity: the trailing arguments fill the varargs parameter."""
    params = sig.params
    if not params or params[-1].kind != VAR or n < len(params) - 1:
        return False
    fixed = [p.annotation for p in params[:-1]]
    return _all(types, fixed + [params[-1].annotation] * (n - len(fixed)), True)


def _all(types: tuple[str, ...], declared: list[str | None], boxing: bool) -> bool | None:
    """False when an argument certainly cannot pass, True when every one certainly can."""
    if len(types) != len(declared):
        return None  # types not read for this call: arity alone
    out: bool | None = True
    for t, p in zip(types, declared, strict=True):
        ok = passes(t, p, boxing)
        if ok is False:
            return False
        if ok is None:
            out = None
    return out


def paired(olds: dict[Key, Symbol], news: dict[Key, Symbol]) -> dict[Key, Symbol]:
    """``news`` keyed so that a Java overload pairs with the old one of the same
    parameter list first, and only then in order: an overload added before another
    is an addition, not a change of the one it displaced."""
    groups: dict[str, list[Symbol]] = {}
    for (qual, _), s in news.items():
        groups.setdefault(qual, []).append(s)
    previous: dict[str, list[tuple[Key, Symbol]]] = {}
    for k, s in olds.items():
        previous.setdefault(k[0], []).append((k, s))
    out: dict[Key, Symbol] = {}
    for qual, group in groups.items():
        before = previous.get(qual, [])
        free = [k for k, _ in before]
        rest = []
        for s in group:
            same = next((k for k, o in before if k in free and o.signature == s.signature), None)
            if same is None:
                rest.append(s)
            else:
                free.remove(same)
                out[same] = s
        n = len(before)
        for s in rest:
            if free:
                out[free.pop(0)] = s
            else:
                out[(qual, n)] = s
                n += 1
    return out
