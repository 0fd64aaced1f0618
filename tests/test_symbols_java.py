"""Java callers of a changed method or class (issue 19): found through packages,
single-type, on-demand and static imports, fully qualified names and nested
classes; a same-named class of another package, or a method of the caller's own
class, is no caller."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gate.commands import check
from tests.gitutil import Repo

POLICY = """\
version = 1

[gate]
target = "main"

[agents.lib]
branches = ["agent/lib/*"]
owns = ["src/com/acme/lib/"]

[agents.app]
branches = ["agent/app/*"]
owns = ["src/com/acme/app/", "src/com/acme/other/", "test/"]
"""

CONFIG = "src/com/acme/lib/Config.java"
CONFIG_JAVA = """\
package com.acme.lib;

public class Config {
    public static int parse(String path) {
        return 0;
    }

    public static class Inner {
        public static int load(int n) {
            return n;
        }
    }
}
"""
STRICT = {CONFIG: CONFIG_JAVA.replace("(String path)", "(String path, boolean strict)")}
ADDED = "parameter 'strict' added without a default"


def java(package: str, imports: str, body: str, members: str = "") -> str:
    """A class ``User`` of ``package`` whose ``run`` holds ``body`` on line 5 (one line
    later per import line)."""
    head = f"package {package};\n\n{imports}\n" if imports else f"package {package};\n\n"
    return head + f"class User {{\n    void run() {{\n        {body}\n    }}\n{members}}}\n"


def repo(tmp_path: Path, files: dict[str, str]) -> Repo:
    r = Repo.init(tmp_path / "r")
    r.commit("initial", {".agentgate.toml": POLICY, CONFIG: CONFIG_JAVA, **files})
    return r


def lib_branch(r: Repo, files: dict[str, str]) -> None:
    r.branch("agent/lib/change", "main")
    r.commit("change", files)
    r.checkout("main")


def symbol_findings(r: Repo, capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    capsys.readouterr()
    check.main(["agent/lib/change"], fmt="json", repo_path=str(r.path))
    [b] = json.loads(capsys.readouterr().out)["branches"]
    return [f for f in b["findings"] if f["rule"].startswith("symbol.")]


def users(findings: list[dict[str, Any]]) -> list[tuple[str, str, int, list[tuple[str, int]]]]:
    return [(f["rule"], f["symbol"] if "symbol" in f else f["other"]["symbol"], f["line"],
             [(u["path"], u["line"]) for u in f["other"]["users"]]) for f in findings]


def app(name: str) -> str:
    return f"src/com/acme/app/{name}.java"


def test_every_import_form_and_the_package_reach_a_changed_static_method(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = repo(tmp_path, {
        app("Single"): java("com.acme.app", "import com.acme.lib.Config;", 'Config.parse("a");'),
        app("OnDemand"): java("com.acme.app", "import com.acme.lib.*;", 'Config.parse("a");'),
        app("Static"): java("com.acme.app", "import static com.acme.lib.Config.parse;", 'parse("a");'),
        app("StaticAll"): java("com.acme.app", "import static com.acme.lib.Config.*;", 'parse("a");'),
        app("Qualified"): java("com.acme.app", "", 'com.acme.lib.Config.parse("a");'),
        "test/com/acme/lib/ConfigTest.java": java("com.acme.lib", "", 'Config.parse("a");'),
        # Not callers: another package's Config, imported or not, and a method of
        # the caller's own class, which shadows a static import of the same name.
        app("Stranger"): java("com.acme.app", "import com.acme.other.Config;", 'Config.parse("a");'),
        app("NoImport"): java("com.acme.app", "", 'Config.parse("a");'),
        app("Shadow"): java("com.acme.app", "import static com.acme.lib.Config.*;", 'parse("a");',
                            "    static int parse(String s) {\n        return 1;\n    }\n"),
        app("ShadowOne"): java("com.acme.app", "import static com.acme.lib.Config.parse;", 'parse("a");',
                               "    static int parse(String s) {\n        return 1;\n    }\n"),
    })
    lib_branch(r, STRICT)
    assert users(symbol_findings(r, capsys)) == [("symbol.signature", "Config.parse", 4, [
        (app("OnDemand"), 6), (app("Qualified"), 5), (app("Single"), 6), (app("Static"), 6),
        (app("StaticAll"), 6), ("test/com/acme/lib/ConfigTest.java", 5)])]


def test_a_nested_class_is_reached_through_its_outer_class_or_its_own_import(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = repo(tmp_path, {
        app("Outer"): java("com.acme.app", "import com.acme.lib.Config;", "Config.Inner.load(1);"),
        app("Nested"): java("com.acme.app", "import com.acme.lib.Config.Inner;", "Inner.load(1);"),
        app("Members"): java("com.acme.app", "import com.acme.lib.Config.*;", "Inner.load(1);"),
        "test/com/acme/lib/InnerTest.java": java("com.acme.lib", "", "Config.Inner.load(1);"),
        app("Stranger"): java("com.acme.app", "import com.acme.other.Inner;", "Inner.load(1);"),
        app("OtherOuter"): java("com.acme.app", "import com.acme.lib.Config;", "Other.Inner.load(1);"),
    })
    lib_branch(r, {CONFIG: CONFIG_JAVA.replace("load(int n)", "load(int n, int m)")})
    assert users(symbol_findings(r, capsys)) == [("symbol.signature", "Config.Inner.load", 9, [
        (app("Members"), 6), (app("Nested"), 6), (app("Outer"), 6), ("test/com/acme/lib/InnerTest.java", 5)])]


# -- overloads --------------------------------------------------------------------------

TEXT = "src/com/acme/lib/Text.java"
TEXT_JAVA = """\
package com.acme.lib;

public class Text {
    public static String pad(String s) {
        return s;
    }

    public static String pad(String s, int width) {
        return s;
    }

    public static String pad(int n) {
        return "";
    }

    public static String join(String sep, String... parts) {
        return sep;
    }

    public static String join(char sep, String... parts) {
        return "";
    }
}
"""


def calls(*lines: str) -> str:
    """``User`` in com.acme.app importing Text, its ``run(String s, Object o)`` calling
    ``lines`` from line 7 on."""
    body = "\n        ".join(lines)
    return (f"package com.acme.app;\n\nimport com.acme.lib.Text;\n\nclass User {{\n"
            f"    void run(String s, Object o) {{\n        {body}\n    }}\n}}\n")


def test_a_call_only_the_unchanged_overload_fits_is_not_a_use(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = repo(tmp_path, {TEXT: TEXT_JAVA, app("User"): calls(
        'Text.pad("a");',           # 7: pad(String): unchanged
        'Text.pad("a", 3);',        # 8: the changed one
        "Text.pad(7);",             # 9: pad(int): unchanged
        "Text.pad(s.trim(), 3);",   # 10: only pad(String, int) takes two
        "Text.pad(s.trim());",      # 11: one argument of unknown type: not the two-parameter one
        'Text.pad("a", 3, 4);',     # 12: fits none (not compiling today): not a use either
        "Text.pad(o, 3);",          # 13: an Object is no String: fits none either
    )})
    lib_branch(r, {TEXT: TEXT_JAVA.replace("(String s, int width)", "(String s, int width, char fill)")})
    assert users(symbol_findings(r, capsys)) == [
        ("symbol.signature", "Text.pad", 8, [(app("User"), 8), (app("User"), 10)])]


def test_a_removed_overload_breaks_only_the_calls_no_remaining_overload_takes(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = repo(tmp_path, {TEXT: TEXT_JAVA, app("User"): calls(
        'Text.pad("a");',           # 7: pad(String) stays
        "Text.pad(7);",             # 8: pad(int) is gone
        "Text.join(',');",          # 9: join(char, String...) is gone, varargs with none
        "Text.join(',', \"a\", \"b\");",  # 10: idem
        'Text.join(",", "a");',     # 11: join(String, String...) stays
    )})
    removed = TEXT_JAVA.replace('    public static String pad(int n) {\n        return "";\n    }\n\n', "")
    removed = removed.replace('\n    public static String join(char sep, String... parts) {\n        return "";\n'
                              "    }\n", "")
    lib_branch(r, {TEXT: removed})
    found = symbol_findings(r, capsys)
    assert users(found) == [  # a removal is shown where it was
        ("symbol.signature", "Text.pad", 12, [(app("User"), 8)]),
        ("symbol.signature", "Text.join", 20, [(app("User"), 9), (app("User"), 10)]),
    ]


def test_a_new_overload_beside_the_old_signature_breaks_no_call(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = repo(tmp_path, {TEXT: TEXT_JAVA, app("User"): calls('Text.pad("a", 3);', 'Text.pad("a");')})
    # The three-parameter variant goes in before the old two-parameter one, which
    # now delegates to it: calls of the old one still compile.
    lib_branch(r, {TEXT: TEXT_JAVA.replace(
        "    public static String pad(String s, int width) {\n        return s;\n",
        "    public static String pad(String s, int width, char fill) {\n        return s;\n    }\n\n"
        "    public static String pad(String s, int width) {\n        return pad(s, width, ' ');\n")})
    assert users(symbol_findings(r, capsys)) == [("symbol.shared", "Text.pad", 12, [(app("User"), 7)])]


def test_passing_a_value_follows_javas_invocation_conversions() -> None:
    from gate.symbols.java_types import passes

    assert [passes(a, p) for a, p in [
        ("int", "long"), ("int", "byte"), ("char", "int"), ("int", "Integer"), ("int", "Long"),
        ("int", "Object"), ("Integer", "long"), ("String", "int"), ("String", "CharSequence"),
        ("String", "Config"), ("Config", "String"), ("null", "int"), ("null", "String"),
        ("int[]", "Object"), ("int[]", "long[]"), ("String[]", "Object[]"), ("Config", "Base"),
        ("int", "T"), ("$x", "int"), ("", "int"), ("String", "java.util.List<String>"),
    ]] == [True, False, True, True, False, True, True, False, True, False, False, False, True,
           True, False, True, None, None, None, None, False]


def test_fixed_arity_is_chosen_before_varargs_and_an_exact_match_before_others() -> None:
    from gate.symbols.overloads import chosen
    from gate.symbols.values import VAR, Param, Signature

    one = Signature((Param("s", annotation="String"),))
    obj = Signature((Param("o", annotation="Object"),))
    var = Signature((Param("f", annotation="String"), Param("a", annotation="Object", kind=VAR)))
    assert chosen((one, var), 1, ("String",)) == [0]
    assert chosen((one, var), 1, ("",)) == [0, 1]  # unknown: f(String) may not apply
    assert chosen((one, var), 3, ("String", "int", "")) == [1]
    assert chosen((one, obj), 1, ("String",)) == [0]
    assert chosen((one, obj), 1, ("Config",)) == [1]
    assert chosen((one, obj), 1, ("$x",)) == [0, 1]


# -- receivers --------------------------------------------------------------------------

READER = "src/com/acme/lib/JsonReader.java"
READER_JAVA = """\
package com.acme.lib;

public class JsonReader {
    public JsonReader(String in) {
    }

    public void setStrictness(int s) {
    }
}
"""
WRITER_JAVA = "package com.acme.lib;\n\npublic class JsonWriter {\n    public void setStrictness(int s) {\n    }\n}\n"
STRICTER = {READER: READER_JAVA.replace("setStrictness(int s)", "setStrictness(int s, boolean lenient)")}


def test_a_method_call_counts_by_the_declared_type_of_its_receiver(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    test = "test/com/acme/lib/ReaderTest.java"
    r = repo(tmp_path, {READER: READER_JAVA, "src/com/acme/lib/JsonWriter.java": WRITER_JAVA, test: """\
package com.acme.lib;

class ReaderTest {
    private JsonReader field = new JsonReader("f");

    void run(JsonReader param, JsonWriter out) {
        JsonReader reader = new JsonReader("a");
        var inferred = new JsonReader("b");
        JsonWriter writer = new JsonWriter();
        reader.setStrictness(1);
        inferred.setStrictness(1);
        param.setStrictness(1);
        this.field.setStrictness(1);
        field.setStrictness(1);
        writer.setStrictness(1);
        out.setStrictness(1);
        for (JsonWriter each : writers) {
            each.setStrictness(2);
        }
        try (JsonReader res = new JsonReader("c")) {
            res.setStrictness(3);
        }
        new JsonReader("d").setStrictness(4);
        ((JsonReader) o).setStrictness(5);
        new JsonWriter().setStrictness(6);
        ((JsonWriter) o).setStrictness(7);
    }
}
""", app("Stranger"): java("com.acme.app", "import com.acme.other.JsonReader;",
                           'JsonReader r = new JsonReader("x"); r.setStrictness(1);')})
    lib_branch(r, STRICTER)
    assert users(symbol_findings(r, capsys)) == [("symbol.signature", "JsonReader.setStrictness", 7, [
        (test, 10), (test, 11), (test, 12), (test, 13), (test, 14), (test, 21), (test, 23), (test, 24)])]


def test_every_call_on_a_declared_reader_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    test = "test/com/acme/lib/JsonReaderTest.java"
    methods = "".join(f"    void test{i}() {{\n        JsonReader reader = new JsonReader(\"{i}\");\n"
                      f"        reader.setStrictness({i});\n    }}\n\n" for i in range(120))
    r = repo(tmp_path, {READER: READER_JAVA, "src/com/acme/lib/JsonWriter.java": WRITER_JAVA,
                        test: f"package com.acme.lib;\n\nclass JsonReaderTest {{\n{methods}}}\n"})
    lib_branch(r, STRICTER)
    [found] = symbol_findings(r, capsys)
    assert [(u["path"], u["line"]) for u in found["other"]["users"]] == [(test, 6 + 5 * i) for i in range(120)]
    assert not any(u.get("possible") for u in found["other"]["users"])
    assert found["message"].endswith(f"{test}:16, {test}:21, {test}:26 and 115 more")


def test_a_name_of_several_types_in_one_file_takes_the_type_declared_in_its_scope(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    test = "test/com/acme/lib/ScopeTest.java"
    r = repo(tmp_path, {READER: READER_JAVA, "src/com/acme/lib/JsonWriter.java": WRITER_JAVA, test: """\
package com.acme.lib;

class ScopeTest {
    private JsonWriter out;

    void read(JsonReader reader) {
        reader.setStrictness(1);
        if (reader != null) {
            JsonWriter out = new JsonWriter();
            out.setStrictness(2);
        }
        this.out.setStrictness(3);
    }

    void write(JsonWriter reader) {
        reader.setStrictness(4);
        JsonReader out = new JsonReader("x");
        out.setStrictness(5);
        this.out.setStrictness(6);
    }
}
"""})
    lib_branch(r, STRICTER)
    assert users(symbol_findings(r, capsys)) == [
        ("symbol.signature", "JsonReader.setStrictness", 7, [(test, 7), (test, 18)])]


# -- the class hierarchy ----------------------------------------------------------------

BASE = "src/com/acme/lib/Base.java"
BASE_JAVA = """\
package com.acme.lib;

public class Base implements Task {
    public void run(int n) {
    }

    public static int helper(int n) {
        return n;
    }
}
"""
TASK = "src/com/acme/lib/Task.java"
TASK_JAVA = "package com.acme.lib;\n\npublic interface Task {\n    default void stop(int code) {\n    }\n}\n"


def test_an_inherited_method_called_through_a_subclass_is_a_use(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = repo(tmp_path, {
        BASE: BASE_JAVA, TASK: TASK_JAVA,
        app("Job"): "package com.acme.app;\n\nimport com.acme.lib.Base;\n\npublic class Job extends Base {\n}\n",
        app("NightJob"): "package com.acme.app;\n\npublic class NightJob extends Job {\n"
                         "    void go() {\n        run(3);\n        this.run(4);\n        super.run(5);\n    }\n\n"
                         "    static class Other {\n    }\n}\n",
        app("Own"): "package com.acme.app;\n\nimport com.acme.lib.Base;\n\npublic class Own extends Base {\n"
                    "    @Override\n    public void run(int n) {\n    }\n}\n",
        app("User"): java("com.acme.app", "", "Job job = new Job(); job.run(1); Job.helper(2); "
                          "new Own().run(5); Own own = new Own(); own.run(6); Own.helper(7);"),
        # Another package's Base is not this one: its subclasses inherit nothing of it.
        "src/com/acme/other/Base.java": "package com.acme.other;\n\npublic class Base {\n"
                                        "    public void run(int n) {\n    }\n}\n",
        "src/com/acme/other/Job2.java": "package com.acme.other;\n\npublic class Job2 extends Base {\n"
                                        "    void go() {\n        run(8);\n    }\n}\n",
        "src/com/acme/other/Use2.java": java("com.acme.other", "", "Job2 j = new Job2(); j.run(9);"),
    })
    lib_branch(r, {BASE: BASE_JAVA.replace("(int n) {\n    }", "(int n, int m) {\n    }").replace(
        "helper(int n)", "helper(int n, int m)")})
    user = app("User")
    assert users(symbol_findings(r, capsys)) == [
        # Own.run overrides it (its own signature no longer matches): named where javac says
        # (its @Override), its calls are not.
        ("symbol.signature", "Base.run", 4, [(app("NightJob"), 5), (app("NightJob"), 6), (app("NightJob"), 7),
                                             (app("Own"), 6), (user, 5)]),
        ("symbol.signature", "Base.helper", 7, [(user, 5), (user, 5)]),
    ]


def test_a_default_method_of_an_interface_is_used_through_its_implementations(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = repo(tmp_path, {
        BASE: BASE_JAVA, TASK: TASK_JAVA,
        app("Job"): "package com.acme.app;\n\nimport com.acme.lib.*;\n\npublic class Job extends Base {\n}\n",
        app("User"): java("com.acme.app", "import com.acme.lib.Task;",
                          "Job job = new Job(); job.stop(1); Task t = job; t.stop(2);"),
    })
    lib_branch(r, {TASK: TASK_JAVA.replace("stop(int code)", "stop(int code, boolean now)")})
    assert users(symbol_findings(r, capsys)) == [
        ("symbol.signature", "Task.stop", 4, [(app("User"), 6), (app("User"), 6)])]


def test_the_most_specific_overload_is_chosen_and_boxing_comes_after_widening() -> None:
    from gate.symbols.overloads import chosen
    from gate.symbols.values import Param, Signature

    def one(t: str) -> Signature:
        return Signature((Param("v", annotation=t),))

    sigs = tuple(one(t) for t in ("String", "boolean", "Boolean", "float", "double", "long", "Number"))
    assert chosen(sigs, 1, ("int",)) == [5]  # long: widening, the narrowest
    assert chosen(sigs, 1, ("float",)) == [3]
    assert chosen(sigs, 1, ("Integer",)) == [6]  # a subtype of Number, before unboxing
    assert chosen(sigs, 1, ("Boolean",)) == [2]
    assert chosen(sigs, 1, ("boolean",)) == [1]
    assert chosen(sigs, 1, ("null",)) == [0, 2, 6]  # ambiguous in javac: any of them
    assert chosen(sigs, 1, ("",)) == list(range(7))


def test_argument_types_a_file_tells() -> None:
    from gate.symbols.sites import sites_of

    src = b"""class A {
  void g(String s, java.util.List<String> xs, int[] ns) {
    Object o = null;
    f(1, 2L, 1.5, 2f, "s", 'c', true, null, new int[3], (long) 1, s, xs, ns, this, -1, !true,
      "a" + o, o + "b", 1 + 2, o == null ? null : "x", Float.NaN, Double.MAX_VALUE, Math.PI,
      Long.MIN_VALUE, o.toString(), String.valueOf(o), Integer.valueOf(3), o.hashCode(), g(1), o);
  }
}
"""
    [call] = [s for s in sites_of("A.java", "java", src) or () if s.parts == ("f",)]
    assert call.call is not None and call.call.types == (
        "int", "long", "double", "float", "String", "char", "boolean", "null", "int[]", "long", "String",
        "java.util.List", "int[]", "A", "int", "boolean",
        "String", "String", "", "String", "float", "double", "double",
        "long", "String", "String", "Integer", "int", "", "Object")


def test_more_argument_and_receiver_types_a_file_tells() -> None:
    from gate.symbols.sites import sites_of

    src = b"""class A {
  JsonWriter open(String name) { return null; }
  void g(Integer n, long[] ls, String[][] names) {
    f(n.intValue(), n.doubleValue(), ls[0], names[1], names[1][2]);
    open("a").value(1);
    this.open("b").value(2);
    other("c").value(3);
  }
}
"""
    found = sites_of("A.java", "java", src) or ()
    [call] = [s for s in found if s.parts == ("f",)]
    assert call.call is not None and call.call.types == ("int", "double", "long", "String[]", "String")
    assert [(s.parts, s.receiver) for s in found if s.parts[-1] == "value"] == [
        (("open()", "value"), "JsonWriter"), (("open()", "value"), "JsonWriter"), (("other()", "value"), None)]


def test_a_call_that_may_reach_another_overload_is_a_possible_use(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Another type's pad drops a call matched by name alone, not this one: its
    # receiver is Text for certain.
    other = ("package com.acme.lib;\n\npublic class Other {\n    public String pad(String s) {\n"
             "        return s;\n    }\n}\n")
    r = repo(tmp_path, {TEXT: TEXT_JAVA, "src/com/acme/lib/Other.java": other, app("User"): calls(
        'Text.pad("a");',           # 7: pad(String) for certain
        "Text.pad(s.trim());",      # 8: pad(String) or pad(int): it cannot be told
        "Text.pad(7);",             # 9: pad(int)
    )})
    lib_branch(r, {TEXT: TEXT_JAVA.replace("pad(String s) {", "pad(String s, int left) {")})
    [found] = symbol_findings(r, capsys)
    assert [(u["line"], u.get("possible", False)) for u in found["other"]["users"]] == [(7, False), (8, True)]
    assert found["message"].endswith(f"{app('User')}:7, {app('User')}:8 (possible)")


def test_an_override_of_a_method_whose_signature_changes_is_named(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = repo(tmp_path, {
        BASE: BASE_JAVA, TASK: TASK_JAVA,
        app("Own"): "package com.acme.app;\n\nimport com.acme.lib.Base;\n\npublic class Own extends Base {\n"
                    "    @Override\n    public void run(int n) {\n    }\n\n    public void run(String s) {\n    }\n}\n",
        app("Done"): "package com.acme.app;\n\nimport com.acme.lib.Task;\n\npublic class Done implements Task {\n"
                     "    public void stop(int code) {\n    }\n}\n",
        app("Anon"): "package com.acme.app;\n\nimport com.acme.lib.Task;\n\nclass Anon {\n"
                     "    Task t = new Task() {\n        @SuppressWarnings(\"x\")\n        @Override\n"
                     "        public void stop(int c) {\n"
                     "        }\n    };\n}\n",
    })
    lib_branch(r, {BASE: BASE_JAVA.replace("run(int n)", "run(long n)"),
                   TASK: TASK_JAVA.replace("stop(int code)", "stop(int code, boolean now)")})
    # Own.run(String) is another overload: it overrides nothing that changed.
    assert users(symbol_findings(r, capsys)) == [
        ("symbol.signature", "Base.run", 4, [(app("Own"), 6)]),
        ("symbol.signature", "Task.stop", 4, [(app("Anon"), 8), (app("Done"), 6)]),  # at @Override
    ]


def test_a_body_change_does_not_name_the_overrides(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = repo(tmp_path, {BASE: BASE_JAVA, app("Own"): "package com.acme.app;\n\nimport com.acme.lib.Base;\n\n"
                        "public class Own extends Base {\n    public void run(int n) {\n    }\n}\n"})
    lib_branch(r, {BASE: BASE_JAVA.replace("(int n) {\n    }", "(int n) {\n        n++;\n    }")})
    assert users(symbol_findings(r, capsys)) == []


def test_a_cycle_of_supertypes_ends(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # javac refuses the cycle; an agent's branch may still hold it.
    r = repo(tmp_path, {
        TASK: TASK_JAVA,
        app("I"): "package com.acme.app;\n\nimport com.acme.lib.Task;\n\ninterface I extends Task, J {\n}\n",
        app("J"): "package com.acme.app;\n\ninterface J extends I {\n}\n",
        app("User"): java("com.acme.app", "", "J j = null; j.stop(1);"),
    })
    lib_branch(r, {TASK: TASK_JAVA.replace("stop(int code)", "stop(int code, boolean now)")})
    assert users(symbol_findings(r, capsys)) == [("symbol.signature", "Task.stop", 4, [(app("User"), 5)])]


def test_a_subclass_constructor_calling_super_uses_the_changed_constructor(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = BASE_JAVA.replace("    public void run", "    public Base(int n) {\n    }\n\n    public Base(String s) {\n"
                             "    }\n\n    public void run")
    r = repo(tmp_path, {BASE: base, app("Job"): """\
package com.acme.app;

import com.acme.lib.Base;

public class Job extends Base {
    public Job(int n) {
        super(n);
    }

    public Job(String s) {
        super(s);
    }

    public Job() {
        this(1);
    }
}
"""})
    lib_branch(r, {BASE: base.replace("Base(int n)", "Base(int n, int m)")})
    assert users(symbol_findings(r, capsys)) == [("symbol.signature", "Base.Base", 4, [(app("Job"), 7)])]


def test_a_field_of_the_methods_name_is_no_use_and_a_method_reference_is(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    test = "test/com/acme/lib/RefTest.java"
    r = repo(tmp_path, {READER: READER_JAVA, test: """\
package com.acme.lib;

class RefTest {
    void run(JsonReader reader, Holder h) {
        int a = h.inner.setStrictness;
        java.util.function.IntConsumer b = reader::setStrictness;
        java.util.function.IntConsumer c = h.reader()::setStrictness;
    }
}
"""})
    lib_branch(r, STRICTER)
    [found] = symbol_findings(r, capsys)
    assert [(u["line"], u.get("possible", False)) for u in found["other"]["users"]] == [(6, False), (7, True)]
