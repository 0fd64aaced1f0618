"""What ``refs.Resolver`` asks of Python: what its imports bind (the walk is ``sites``)."""

from __future__ import annotations

from gate.symbols.language import Resolving
from gate.symbols.refs import reexports
from gate.symbols.values import Bindings, FileSymbols


def full_parts(module: str) -> list[str]:
    return module.split(".") if module else []


def bindings(fs: FileSymbols, modules: set[str]) -> Bindings:
    """``import a.b`` binds the dotted prefix ``a.b``; ``import a.b as m`` binds ``m``;
    ``from a import x as y`` binds ``y`` to ``a.x`` (a module or a member: the
    same parts either way); ``from a import *`` makes ``a``'s names visible."""
    out = Bindings()
    targets = [full_parts(m) for m in sorted(modules)]
    for imp in fs.imports:
        mod = full_parts(imp.module)
        out.imported.append(mod)
        if imp.name is None:
            out.names.append(((imp.alias,) if imp.alias else tuple(mod), mod))
        elif imp.name == "*":
            out.globs.append(mod)
        else:
            key = (imp.alias or imp.name,)
            out.names.append((key, [*mod, imp.name]))
            out.names += [(key, v) for v in reexports([*mod, imp.name], targets)]
    return out


class _Python:
    """What ``Resolver`` asks of Python (``language.Resolving``)."""

    SEP = "."
    ABSOLUTE = False  # a module is named only through an import
    BARE_METHODS = False  # a method is called through ``self``
    CTOR_NEEDS_NEW = False  # ``C(...)`` calls ``C.__init__``
    full_parts = staticmethod(full_parts)
    bindings = staticmethod(bindings)


PYTHON: Resolving = _Python()

