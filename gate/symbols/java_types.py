"""Java static types, as far as one file tells them: an argument's type, and whether
a value of one type can be passed where another is declared.

Overload choice (``overloads``) asks this. Only what is certain is said: a literal,
``new T(…)``, a cast, a declared local, field or parameter has a type; anything else
(a call's result, a generic ``T``, a lambda) is unknown (""). Passing is judged from
Java's method invocation conversions (JLS 5.3: widening, boxing, unboxing); a type of
the repository is never said to be a subtype or not of another one (its hierarchy is
not read here), but a ``String`` or a boxed number is final, so no class of the
repository is one, and a primitive is none of them.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from gate.symbols.treesitter import named, norm, text

if TYPE_CHECKING:
    from tree_sitter import Node

# Widening primitive conversions (JLS 5.1.2), each type to those it widens to.
_WIDER = {
    "byte": {"short", "int", "long", "float", "double"},
    "short": {"int", "long", "float", "double"},
    "char": {"int", "long", "float", "double"},
    "int": {"long", "float", "double"},
    "long": {"float", "double"},
    "float": {"double"},
    "double": set(),
    "boolean": set(),
}
_BOX = {"boolean": "Boolean", "byte": "Byte", "short": "Short", "char": "Character", "int": "Integer",
        "long": "Long", "float": "Float", "double": "Double"}
_UNBOX = {v: k for k, v in _BOX.items()}
# Final classes of java.lang: nothing else is one of them.
_FINAL = frozenset({"String", *_BOX.values()})
# Their supertypes in the JDK; a value of a final class passes nowhere else.
_SUPERS = {"Object", "Serializable", "Comparable", "Constable", "ConstantDesc"}
_STRING_SUPERS = frozenset({*_SUPERS, "CharSequence"})
_NUMBER_SUPERS = frozenset({*_SUPERS, "Number"})
_ARRAY_SUPERS = frozenset({"Object", "Cloneable", "Serializable"})
_TYPE_VAR = re.compile(r"[A-Z][A-Z0-9]?\Z")  # T, E, K2: a type parameter, not a class
_LITERALS = {
    "decimal_integer_literal": "int", "hex_integer_literal": "int", "octal_integer_literal": "int",
    "binary_integer_literal": "int", "decimal_floating_point_literal": "double",
    "hex_floating_point_literal": "double", "string_literal": "String", "text_block": "String",
    "character_literal": "char", "true": "boolean", "false": "boolean", "null_literal": "null",
    "class_literal": "Class",
}
NULL = "null"
# java.lang classes whose names in a call or constant tell its type: Float.NaN is a
# float, Integer.valueOf(…) an Integer, String.valueOf(…) a String.
_CONSTANTS = frozenset({"NaN", "POSITIVE_INFINITY", "NEGATIVE_INFINITY", "MAX_VALUE", "MIN_VALUE", "MIN_NORMAL"})
_PARSE = {"parseInt": "int", "parseLong": "long", "parseDouble": "double", "parseFloat": "float",
          "parseBoolean": "boolean", "parseShort": "short", "parseByte": "byte"}
# Methods of every object whose type the name and arity tell (java.lang.Object's).
_OBJECT = {("toString", 0): "String", ("hashCode", 0): "int", ("equals", 1): "boolean", ("getClass", 0): "Class",
           # and java.lang.Number's and the boxes': n.intValue() is an int
           **{(f"{t}Value", 0): t for t in _BOX}}


def raw(written: str) -> str:
    """A written type without type arguments, annotations or package: ``java.util.List<T>[]``
    is ``List[]``; "" for ``var`` (its type is the initialiser's)."""
    t = re.sub(r"@[\w.]+(?:\([^)]*\))?\s*", "", norm(written))
    depth, out = 0, []
    for ch in t:  # type arguments nest: drop everything between matching brackets
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth = max(0, depth - 1)
        elif depth == 0 and not ch.isspace():
            out.append(ch)
    t = "".join(out).replace("...", "[]")
    dims = t.count("[]")
    base = t.replace("[]", "").rsplit(".", 1)[-1]
    return "" if base in ("", "var") else base + "[]" * dims


def arg_type(node: Node) -> str:
    """The static type of an argument expression, ``$name`` for a name whose declared
    type the file holds (``$this.f`` for a field through ``this``), or "" unknown."""
    kind = node.type
    if kind in _LITERALS:
        t = _LITERALS[kind]
        value = text(node)
        if t == "int" and value[-1:] in "lL":
            return "long"
        if t == "double" and value[-1:] in "fF" and kind.startswith("decimal"):
            return "float"
        return t
    if kind == "parenthesized_expression":
        inner = named(node)
        return arg_type(inner[0]) if len(inner) == 1 else ""
    if kind == "unary_expression":
        operand = node.child_by_field_name("operand")
        t = arg_type(operand) if operand is not None else ""
        return t if t in ("int", "long", "float", "double") or (t == "boolean" and text(node)[:1] == "!") else ""
    if kind == "object_creation_expression":
        if any(c.type == "class_body" for c in named(node)):
            return ""  # an anonymous subclass: passes where its supertype does, and more
        return raw(text(node.child_by_field_name("type")))
    if kind == "array_creation_expression":
        dims = text(node).count("[")
        return raw(text(node.child_by_field_name("type"))) + "[]" * dims
    if kind == "cast_expression":
        return raw(text(node.child_by_field_name("type")))
    if kind in ("identifier", "this"):
        return "$" + text(node)
    if kind == "field_access":
        obj, field = node.child_by_field_name("object"), node.child_by_field_name("field")
        if obj is not None and obj.type == "this" and field is not None:
            return "$this." + text(field)
        if obj is not None and field is not None and obj.type == "identifier":
            owner, name = text(obj), text(field)
            if owner == "Math" and name in ("PI", "E"):
                return "double"
            if owner in _UNBOX and name in _CONSTANTS:
                return _UNBOX[owner]
        return ""
    if kind == "binary_expression":
        if text(node.child_by_field_name("operator")) == "+" and any(
                arg_type(c) == "String" for c in (node.child_by_field_name("left"), node.child_by_field_name("right"))
                if c is not None):
            return "String"  # string concatenation
        return ""
    if kind == "ternary_expression":
        a, b = (arg_type(c) if c is not None else "" for c in (node.child_by_field_name("consequence"),
                                                                node.child_by_field_name("alternative")))
        if a == NULL and b not in _WIDER:
            a, b = b, a
        if b == NULL and a not in _WIDER:
            b = a
        return a if a == b and a[:1] != "$" else ""
    if kind == "method_invocation":
        return _returned(node)
    if kind == "array_access":
        array = node.child_by_field_name("array")
        element = arg_type(array) if array is not None else ""
        # ``$xs[]``: an element of the declared array ``xs``, looked up with it.
        return element + "[]" if element[:1] == "$" else element[:-2] if element.endswith("[]") else ""
    return ""


def _returned(node: Node) -> str:
    """The type a call returns where java.lang tells it by name alone."""
    obj, name = node.child_by_field_name("object"), text(node.child_by_field_name("name"))
    n = len(named(node.child_by_field_name("arguments")))
    owner = text(obj) if obj is not None and obj.type == "identifier" else ""
    if owner == "String" and name in ("valueOf", "format", "join", "copyValueOf"):
        return "String"
    if owner in _UNBOX and name == "valueOf":
        return owner
    if owner in _UNBOX and name == "toString":
        return "String"
    if owner in _UNBOX and name in _PARSE:
        return _PARSE[name]
    if obj is not None and (name, n) in _OBJECT:
        return _OBJECT[(name, n)]
    return ""


def passes(arg: str, param: str | None, boxing: bool = True) -> bool | None:
    """Whether a value of static type ``arg`` can be passed to a parameter declared
    ``param`` (written text): False only when it certainly cannot, None when it
    cannot be told (an unknown type, a generic, two types of the repository).
    Without ``boxing`` (Java's first phase of overload choice) a primitive passes
    only as a primitive, a reference only as a reference."""
    p = raw(param or "")
    if not arg or not p or arg.startswith("$"):  # ``$x``: a name whose type was not found
        return None
    arg = raw(arg)  # a declared type is read as written: ``com.acme.Job``, ``List<T>``
    if not arg:
        return None
    if arg == p:
        return True
    if not boxing and (arg in _WIDER) != (p in _WIDER) and arg != NULL:
        return False
    if _TYPE_VAR.match(p.replace("[]", "")) or _TYPE_VAR.match(arg.replace("[]", "")):
        return None
    if arg == NULL:
        return p not in _WIDER
    a_dims, p_dims = arg.count("[]"), p.count("[]")
    a_base, p_base = arg.replace("[]", ""), p.replace("[]", "")
    if a_dims or p_dims:
        if a_dims == p_dims:  # arrays of primitives convert to nothing else
            return False if a_base in _WIDER or p_base in _WIDER else passes(a_base, p_base)
        if not p_dims:
            return True if p_base in _ARRAY_SUPERS else (False if p_base in _WIDER or p_base in _FINAL else None)
        if a_dims > p_dims:  # int[][] to Object[]
            return True if p_base in _ARRAY_SUPERS and a_base not in _WIDER else None
        return False if a_base in _WIDER or a_base in _FINAL else None
    return _scalar(arg, p)


def _scalar(arg: str, p: str) -> bool | None:
    if arg in _WIDER:  # a primitive: widened, or boxed and then widened as a reference
        if p in _WIDER:
            return p in _WIDER[arg]
        if p == _BOX[arg] or p in _SUPERS or (p == "Number" and arg not in ("boolean", "char")):
            return True
        return False if p in _FINAL else None
    if p in _WIDER:  # unboxed, then widened
        prim = _UNBOX.get(arg)
        if prim is not None:
            return prim == p or p in _WIDER[prim]
        return False  # nothing but a box unboxes
    if arg in _FINAL:
        supers = _STRING_SUPERS if arg == "String" else _NUMBER_SUPERS if arg not in ("Boolean", "Character") \
            else frozenset(_SUPERS)
        return p in supers
    if p in _FINAL:
        return False  # a final class has no subclass to pass
    return True if p == "Object" else None
