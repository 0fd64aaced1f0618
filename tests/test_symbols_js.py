"""JavaScript/TypeScript callers resolved through the module system (issue 19): the
repository's tsconfig/jsconfig ``paths`` and ``baseUrl``, its own packages named by a
bare specifier, index files named explicitly, re-exports, default exports and CommonJS.
A bare specifier naming a package that is not in the repository never counts."""

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
owns = ["lib/", "src/lib/", "packages/util/", "/*.json"]

[agents.app]
branches = ["agent/app/*"]
owns = ["app/", "src/app/", "packages/app/"]
"""

PARSE_TS = "export function parse(s: string): string {\n  return s;\n}\n"
STRICT_TS = PARSE_TS.replace("(s: string)", "(s: string, strict: boolean)")


def scenario(tmp_path: Path, capsys: pytest.CaptureFixture[str], files: dict[str, str],
             change: dict[str, str]) -> list[tuple[str, str, int, list[tuple[str, int]]]]:
    """The ``symbol.*`` findings of a lib branch making ``change`` on a target holding
    ``files``: (rule, definition path, line, callers as (path, line))."""
    r = Repo.init(tmp_path / "r")
    r.commit("initial", {".agentgate.toml": POLICY, **files})
    r.branch("agent/lib/change", "main")
    r.commit("change", change)
    r.checkout("main")
    capsys.readouterr()
    check.main(["agent/lib/change"], fmt="json", repo_path=str(r.path))
    [b] = json.loads(capsys.readouterr().out)["branches"]
    found: list[dict[str, Any]] = [f for f in b["findings"] if f["rule"].startswith("symbol.")]
    return [(f["rule"], f["path"], f["line"], [(u["path"], u["line"]) for u in f["other"]["users"]])
            for f in found]


def callers(found: list[tuple[str, str, int, list[tuple[str, int]]]]) -> list[tuple[str, int]]:
    assert [rule for rule, *_ in found] == ["symbol.signature"] * len(found)
    return sorted(u for *_, users in found for u in users)


# -- 1. repository configuration ---------------------------------------------------------


def test_tsconfig_paths_alias_with_several_targets_names_the_caller(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tsconfig = """{
  // JSONC: comments and trailing commas
  "compilerOptions": {
    "baseUrl": ".", /* block comment */
    "paths": {"@lib/*": ["missing/*", "src/lib/*",],},
  },
}
"""
    files = {
        "tsconfig.json": tsconfig,
        "src/lib/text.ts": PARSE_TS,
        "src/app/a.ts": "import { parse } from '@lib/text';\nparse('a');\n",
        # baseUrl: a non-relative specifier from the tsconfig's folder.
        "src/app/b.ts": "import { parse } from 'src/lib/text';\nparse('b');\n",
        # Another alias and a package that is not in the repository: never callers.
        "src/app/c.ts": "import { parse } from '@other/text';\nparse('c');\n",
        "src/app/d.ts": "import { parse } from 'text';\nparse('d');\n",
    }
    found = scenario(tmp_path, capsys, files, {"src/lib/text.ts": STRICT_TS})
    assert callers(found) == [("src/app/a.ts", 2), ("src/app/b.ts", 2)]


def test_tsconfig_extends_is_followed_and_a_cycle_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = {
        "tsconfig.base.json": '{"compilerOptions": {"paths": {"@lib/*": ["./src/lib/*"]}}}',
        "src/app/tsconfig.json": '{"extends": "../../tsconfig.base.json"}',
        "src/lib/text.ts": PARSE_TS,
        "src/app/a.ts": "import { parse } from '@lib/text';\nparse('a');\n",
        # A cycle of extends: ignored, the file's aliases unknown.
        "app/tsconfig.json": '{"extends": "./loop.json"}',
        "app/loop.json": '{"extends": "./tsconfig.json", "compilerOptions": {"paths": {"@lib/*": ["../src/lib/*"]}}}',
        "app/b.ts": "import { parse } from '@lib/text';\nparse('b');\n",
        # Outside the repository: ignored.
        "app/out/tsconfig.json": '{"extends": "../../../outside.json"}',
        "app/out/c.ts": "import { parse } from '@lib/text';\nparse('c');\n",
    }
    found = scenario(tmp_path, capsys, files, {"src/lib/text.ts": STRICT_TS})
    assert callers(found) == [("src/app/a.ts", 2)]


def test_a_bare_specifier_naming_a_workspace_package(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    util_pkg = {"name": "@acme/util", "exports": {
        ".": {"types": "./src/index.ts", "import": "./dist/index.js"},
        "./text": "./src/text.ts",
        "./package.json": "./package.json",
    }}
    files = {
        "package.json": json.dumps({"private": True, "workspaces": ["packages/*"]}),
        "packages/util/package.json": json.dumps(util_pkg),
        "packages/util/src/index.ts": "export * from './text';\n",
        "packages/util/src/text.ts": PARSE_TS,
        "packages/app/package.json": '{"name": "app", "main": "src/main.ts"}',
        "packages/app/src/main.ts": ("import { parse } from '@acme/util';\n"
                                     "import { parse as p } from '@acme/util/text';\n"
                                     "import { parse as q } from 'other-pkg';\nparse('a');\np('b');\nq('c');\n"),
    }
    found = scenario(tmp_path, capsys, files, {"packages/util/src/text.ts": STRICT_TS})
    assert callers(found) == [("packages/app/src/main.ts", 4), ("packages/app/src/main.ts", 5)]


def test_jsconfig_paths_naming_the_repository_package(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = {
        "jsconfig.json": '{"compilerOptions": {"baseUrl": ".", "paths": {"preact": ["./src/index.js"],'
                         ' "preact/*": ["./*"]}}}',
        "package.json": '{"name": "preact", "main": "dist/preact.js"}',
        "src/index.js": "export { render } from './render';\n",
        "lib/render.js": "",
        "src/render.js": "export function render(vnode, parent) {\n  return parent;\n}\n",
        "app/hooks/package.json": '{"name": "preact-hooks", "types": "src/index.d.ts"}',
        "app/hooks/src/index.js": "import { render } from 'preact';\nrender(1, 2);\n",
        "app/hooks/src/index.d.ts": "export {};\n",
        "app/main.js": "import { render } from 'preact-render';\nrender(1, 2);\n",
    }
    change = {"src/render.js": "export function render(vnode, parent, replace) {\n  return parent;\n}\n"}
    found = scenario(tmp_path, capsys, files, change)
    assert callers(found) == [("app/hooks/src/index.js", 2)]


# -- 2. index files and extensions -------------------------------------------------------


def test_an_explicit_index_file_and_js_extension_for_a_ts_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = {
        "lib/index.ts": "export * from './util/parse.js';\n",
        "lib/util/parse.ts": PARSE_TS,
        "lib/other/parse.ts": PARSE_TS,
        "app/a.ts": "import { parse } from '../lib/index.js';\nparse('a');\n",
        "app/b.mts": "import { parse } from '../lib/util/parse.js';\nparse('b');\n",
        "app/c.ts": "import { parse } from '../lib/other/parse.js';\nparse('c');\n",
    }
    found = scenario(tmp_path, capsys, files, {"lib/util/parse.ts": STRICT_TS})
    assert callers(found) == [("app/a.ts", 2), ("app/b.mts", 2)]


# -- 3. re-exports -----------------------------------------------------------------------


def test_re_exports_are_followed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = {
        "lib/index.ts": ("export * as util from './parse';\nexport { parse as parseText } from './parse';\n"
                         "export { parse as parseOther } from './other';\nexport * from './loop';\n"),
        "lib/loop.ts": "export * from './index';\n",  # a cycle: stopped
        "lib/parse.ts": PARSE_TS,
        "lib/other.ts": PARSE_TS,
        "app/a.ts": "import { util } from '../lib';\nutil.parse('a');\n",
        "app/b.ts": "import { parseText } from '../lib';\nparseText('b');\n",
        "app/c.ts": "import * as lib from '../lib';\nlib.util.parse('c');\nlib.parseText('c');\nlib.parseOther('c');\n",
        "app/d.ts": "import { parseOther } from '../lib';\nparseOther('d');\n",
    }
    found = scenario(tmp_path, capsys, files, {"lib/parse.ts": STRICT_TS})
    assert callers(found) == [("app/a.ts", 2), ("app/b.ts", 2), ("app/c.ts", 2), ("app/c.ts", 3)]


# -- 4. default exports ------------------------------------------------------------------


def test_a_default_import_under_any_local_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = {
        "lib/parse.ts": "export default function parse(s: string) {\n  return s;\n}\n",
        "lib/anon.ts": "export default function (s: string) {\n  return s;\n}\n",
        "lib/named.ts": "function impl(s: string) {\n  return s;\n}\nexport default impl;\n",
        "lib/index.ts": "export { default as Parse } from './parse';\n",
        "app/a.ts": "import P from '../lib/parse';\nP('a');\n",
        "app/b.ts": "import anon from '../lib/anon';\nanon('b');\n",
        "app/c.ts": "import named from '../lib/named';\nnamed('c');\n",
        "app/d.ts": "import { Parse } from '../lib';\nParse('d');\n",
        "app/e.ts": "import P from '../lib/other';\nP('e');\n",
        "app/f.ts": "import P from '../lib/parse';\nconst h = P;\nh('f');\n",
        "lib/compat.ts": "import parse from './parse';\nexport default { parse, other: parse };\n",
        "app/g.ts": "import React from '../lib/compat';\nReact.parse('g');\nconst h = React.other;\nh('g');\n",
    }
    change = {
        "lib/parse.ts": "export default function parse(s: string, strict: boolean) {\n  return s;\n}\n",
        "lib/anon.ts": "export default function (s: string, strict: boolean) {\n  return s;\n}\n",
        "lib/named.ts": "function impl(s: string, strict: boolean) {\n  return s;\n}\nexport default impl;\n",
    }
    found = scenario(tmp_path, capsys, files, change)
    assert callers(found) == [("app/a.ts", 2), ("app/b.ts", 2), ("app/c.ts", 2), ("app/d.ts", 2), ("app/f.ts", 2),
                              ("app/f.ts", 3), ("app/g.ts", 2), ("app/g.ts", 3), ("app/g.ts", 4)]


# -- 5. CommonJS -------------------------------------------------------------------------


def test_commonjs_exports_and_require(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = {
        "lib/fmt.js": "exports.fmt = function (a) {\n  return a;\n};\n",
        "lib/view.js": "function View(name) {\n  this.name = name;\n}\nmodule.exports = View;\n",
        "lib/obj.js": "function parseImpl(s) {\n  return s;\n}\nmodule.exports = { parse: parseImpl };\n",
        "app/a.js": "const f = require('../lib/fmt');\nf.fmt(1);\n",
        "app/b.js": "const { fmt } = require('../lib/fmt');\nfmt(1);\n",
        "app/c.js": "require('../lib/fmt').fmt(1);\n",
        "app/d.js": "const V = require('../lib/view');\nnew V('x');\nfunction f() {\n  var V = make();\n}\n",
        "app/e.js": "const { parse } = require('../lib/obj');\nparse('x');\n",
        "app/f.js": "const { fmt } = require('fmt');\nfmt(1);\n",
        "lib/named.js": "module.exports = function view(a) {\n  return a;\n};\n",
        "app/g.js": "const v = require('../lib/named');\nv(1);\n",
    }
    change = {
        "lib/fmt.js": "exports.fmt = function (a, b) {\n  return a;\n};\n",
        "lib/view.js": "function View(name, id) {\n  this.name = name;\n}\nmodule.exports = View;\n",
        "lib/obj.js": "function parseImpl(s, t) {\n  return s;\n}\nmodule.exports = { parse: parseImpl };\n",
        "lib/named.js": "module.exports = function view(a, b) {\n  return a;\n};\n",
    }
    found = scenario(tmp_path, capsys, files, change)
    assert callers(found) == [("app/a.js", 2), ("app/b.js", 2), ("app/c.js", 1), ("app/d.js", 2),
                              ("app/e.js", 2), ("app/g.js", 2)]


# -- 6. JSX with reserved attribute names ------------------------------------------------


def test_callers_in_jsx_with_class_and_for_attributes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    view = ("import { fmt } from '../lib/fmt';\n\nexport function View(p) {\n"
            "  return <label class=\"x\" for=\"y\">{fmt(p.a)}</label>;\n}\n")
    files = {
        "lib/fmt.js": "export function fmt(a) {\n  return a;\n}\n",
        "app/view.jsx": view,
        "app/view.js": view,
    }
    change = {"lib/fmt.js": "export function fmt(a, b) {\n  return a;\n}\n"}
    found = scenario(tmp_path, capsys, files, change)
    assert callers(found) == [("app/view.js", 4), ("app/view.jsx", 4)]


# -- 7. receivers ------------------------------------------------------------------------

REGISTRY_TS = "export class Registry {\n  add(x: number): void {}\n}\nexport const registry = new Registry();\n"


def test_a_method_counts_by_the_receivers_type_and_on_an_imported_instance(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = {
        "lib/registry.ts": REGISTRY_TS,
        "lib/index.ts": "export { registry as shared } from './registry';\n",
        "app/a.ts": "import { registry } from '../lib/registry';\nregistry.add(1);\n",
        "app/b.ts": ("import { Registry } from '../lib/registry';\nconst seen = new Set<number>();\nseen.add(1);\n"
                     "const r = new Registry();\nr.add(2);\n"),
        "app/c.ts": ("import { Registry } from '../lib/registry';\nexport class Holder {\n  reg: Registry;\n"
                     "  other = new Map();\n  go(p: Registry, s: Set<number>) {\n    this.reg.add(1);\n    p.add(2);\n"
                     "    s.add(3);\n    this.other.add(4);\n  }\n}\n"),
        "app/d.js": ("import { Registry } from '../lib/registry';\nclass X {\n  constructor() {\n"
                     "    this.reg = new Registry();\n    this.seen = new Set();\n  }\n  go() {\n"
                     "    this.reg.add(1);\n    this.seen.add(2);\n  }\n}\n"),
        "app/e.ts": "import { shared } from '../lib';\nshared.add(1);\n",
    }
    change = {"lib/registry.ts": REGISTRY_TS.replace("add(x: number)", "add(x: number, strict: boolean)")}
    found = scenario(tmp_path, capsys, files, change)
    assert callers(found) == [("app/a.ts", 2), ("app/b.ts", 5), ("app/c.ts", 6), ("app/c.ts", 7),
                              ("app/d.js", 8), ("app/e.ts", 2)]


def test_hostile_configuration_costs_bounded_time_and_is_ignored(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = {
        "tsconfig.json": "{" * 100_000,
        "package.json": '{"name": "lib", "workspaces": ["../*", "/etc/*", "**"], "exports": {"./x": ["./../../a"]}}',
        "pnpm-workspace.yaml": "packages:\n  - '../outside'\n",
        "lib/text.ts": PARSE_TS,
        "app/a.ts": "import { parse } from '../lib/text';\nparse('a');\n",
        "app/b.ts": "import { parse } from 'lib/x';\nparse('b');\n",
        "app/c/tsconfig.json": '{"extends": "./a.json"}',
        "app/c/a.json": '{"extends": ["./b.json", "./a.json"]}',
        "app/c/b.json": '{"compilerOptions": {"paths": {"@x/*": ["../../../../*"]}}}',
        "app/c/d.ts": "import { parse } from '@x/lib/text';\nparse('d');\n",
    }
    found = scenario(tmp_path, capsys, files, {"lib/text.ts": STRICT_TS})
    assert callers(found) == [("app/a.ts", 2)]


def test_commonjs_as_express_writes_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = {
        "package.json": '{"name": "express", "main": "index.js"}',
        "index.js": "module.exports = require('./lib/express');\n",
        "lib/express.js": "exports = module.exports = createApplication;\n\nfunction createApplication(opts) {\n}\n",
        "lib/utils.js": "exports.compileETag = function (val) {\n  return val;\n};\n",
        "app/a.js": "var compileETag = require('../lib/utils').compileETag;\ncompileETag(1);\n",
        "app/b.js": "var express = require('../');\nvar app = express({});\n",
        "app/c.js": "var express = require('express');\nvar app = express({});\n",
        "app/d.js": "var compileETag = require('etag').compileETag;\ncompileETag(1);\n",
    }
    change = {
        "lib/express.js": "exports = module.exports = createApplication;\n\nfunction createApplication(opts, b) {\n}\n",
        "lib/utils.js": "exports.compileETag = function (val, b) {\n  return val;\n};\n",
    }
    found = scenario(tmp_path, capsys, files, change)
    assert callers(found) == [("app/a.js", 2), ("app/b.js", 2), ("app/c.js", 2)]


def test_jsonc_and_config_reading() -> None:
    from gate.symbols import jsconfig

    assert jsconfig.loads(b'{"a": "//not a comment", /* c */ "b": [1, 2,],} // end\n') == {
        "a": "//not a comment", "b": [1, 2]}
    for bad in (b"{" * 100_000, b'{"a": 1', b" " * (jsconfig.MAX_BYTES + 1)):
        with pytest.raises(ValueError):
            jsconfig.loads(bad)
    opts = jsconfig.options({"extends": ["./base", "@tsconfig/node16", "../../../x.json"],
                             "compilerOptions": {"baseUrl": "src", "paths": {"@lib/*": ["lib/*", "../../../out/*"]}}},
                            "app/tsconfig.json")
    assert opts.extends == ("app/base.json", "..")
    assert opts.paths == (("@lib/*", ("app/src/lib/*",)),)
    config = jsconfig.merge([opts])
    assert config.candidates("@lib/text") == ["app/src/lib/text", "app/src/@lib/text"]
    pkg = jsconfig.Package.of({"name": "z", "exports": {".": {"@z/source": "./src/index.ts", "import": "./index.js"},
                                                        "./locales/*": "./src/locales/*"}}, "packages/z")
    assert pkg.subpath(".", ("@z/source",)) == ["packages/z/src/index.ts", "packages/z/index.js"]
    assert pkg.subpath("./locales/en.js", ()) == ["packages/z/src/locales/en.js"]
    many = jsconfig.options({"compilerOptions": {"paths": {f"@{i}/*": [f"t{j}/*" for j in range(1000)]
                                                           for i in range(1000)}}}, "tsconfig.json")
    assert many.paths is not None and len(many.paths) == jsconfig.MAX_PATTERNS
    assert {len(targets) for _, targets in many.paths} == {jsconfig.MAX_TARGETS}
    assert jsconfig.workspace_globs({"workspaces": {"packages": ["packages/*", "!skip"]}},
                                    "packages:\n  - 'apps/*'\nother:\n  - x\n") == ["packages/*", "apps/*"]


def test_a_call_an_open_branch_adds_through_an_alias_is_named_on_both_sides(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = Repo.init(tmp_path / "r")
    r.commit("initial", {".agentgate.toml": POLICY, "src/lib/text.ts": PARSE_TS,
                         "tsconfig.json": '{"compilerOptions": {"paths": {"@lib/*": ["./src/lib/*"]}}}'})
    r.branch("agent/app/use", "main")
    r.commit("use", {"src/app/a.ts": "import { parse } from '@lib/text';\nparse('a');\n",
                     "src/app/b.ts": "import { parse } from '@other/text';\nparse('b');\n"})
    r.checkout("main")
    r.branch("agent/lib/change", "main")
    r.commit("change", {"src/lib/text.ts": STRICT_TS})
    r.checkout("main")
    capsys.readouterr()
    check.main(["agent/app/use"], fmt="json", repo_path=str(r.path))
    [b] = json.loads(capsys.readouterr().out)["branches"]
    assert [(f["rule"], f["path"], f["line"]) for f in b["findings"] if f["rule"].startswith("symbol.")] == [
        ("symbol.signature", "src/app/a.ts", 2)]


def test_variance_annotations_do_not_cost_a_typescript_file_its_callers(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    user = ("import { parse } from '../lib/text';\n\nexport interface Box<\n  /** a comment, as zod writes it */\n"
            "  out T extends string = string,\n  in out U = T,\n> {\n  get(): T;\n}\n\n"
            "export function go(b: Box<string>) {\n  return parse(b.get());\n}\n")
    from gate.symbols import extract

    fs = extract("app/box.ts", user.encode())
    assert fs is not None and (fs.error, fs.skipped) == (None, ())
    assert [s.qualname for s in fs.symbols] == ["Box", "Box.get", "go"]
    files = {"lib/text.ts": PARSE_TS, "app/box.ts": user, "app/box.tsx": user}
    found = scenario(tmp_path, capsys, files, {"lib/text.ts": STRICT_TS})
    assert callers(found) == [("app/box.ts", 12), ("app/box.tsx", 12)]


def test_an_inherited_method_called_through_a_subclass_or_this(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = {
        "lib/registry.ts": REGISTRY_TS,
        "app/a.ts": ("import { Registry } from '../lib/registry';\nclass Special extends Registry {\n"
                     "  go() {\n    this.add(1);\n  }\n}\nconst s = new Special();\ns.add(2);\n"),
        "app/b.js": ("import { Registry } from '../lib/registry';\nclass Bag {\n  go() {\n    this.add(1);\n"
                     "  }\n  add(x) {}\n}\nconst s = new Bag();\ns.add(2);\n"),
    }
    change = {"lib/registry.ts": REGISTRY_TS.replace("add(x: number)", "add(x: number, strict: boolean)")}
    found = scenario(tmp_path, capsys, files, change)
    assert callers(found) == [("app/a.ts", 4), ("app/a.ts", 8)]


def test_renaming_a_default_exported_function_breaks_no_default_import(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = {
        "lib/parse.ts": "export default function parse(s: string) {\n  return s;\n}\n",
        "app/a.ts": "import P from '../lib/parse';\nP('a');\n",
    }
    change = {"lib/parse.ts": "export default function parseText(s: string) {\n  return s;\n}\n"}
    found = scenario(tmp_path, capsys, files, change)
    assert found == [("symbol.shared", "lib/parse.ts", 1, [("app/a.ts", 2)])]


def test_re_exports_that_fan_out_cost_bounded_time(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Each barrel re-exports every other one 40 times over: without answers kept per
    # (module, name) and a budget, following ``parse`` would take 40**8 lookups.
    barrels = {f"lib/b{i}.ts": "".join(f"export * from './b{j % 5}';\n" for j in range(40)) for i in range(5)}
    files = {**barrels, "lib/text.ts": PARSE_TS,
             "lib/b4.ts": barrels["lib/b4.ts"] + "export * from './text';\n",
             "app/a.ts": "import { parse } from '../lib/b0';\nparse('a');\n",
             "app/b.ts": "import * as lib from '../lib/b0';\nlib.parse('b');\n",
             "app/c.ts": "import { nothing } from '../lib/b0';\nimport { parse } from '../lib/text';\nparse('c');\n"}
    found = scenario(tmp_path, capsys, files, {"lib/text.ts": STRICT_TS})
    assert callers(found) == [("app/a.ts", 2), ("app/b.ts", 2), ("app/c.ts", 3)]


def test_package_subpath_imports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = {
        "package.json": '{"name": "app", "imports": {"#lib/*": {"types": "./src/lib/*.ts", "default": "./dist/*.js"},'
                        ' "#text": "./src/lib/text.ts"}}',
        "src/lib/text.ts": PARSE_TS,
        "src/app/a.ts": "import { parse } from '#lib/text';\nparse('a');\n",
        "src/app/b.ts": "import { parse } from '#text';\nparse('b');\n",
        "src/app/c.ts": "import { parse } from '#other';\nparse('c');\n",
    }
    found = scenario(tmp_path, capsys, files, {"src/lib/text.ts": STRICT_TS})
    assert callers(found) == [("src/app/a.ts", 2), ("src/app/b.ts", 2)]


def test_a_function_in_a_typescript_namespace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    util = ("export namespace util {\n  export function joinValues(a: string[]): string {\n    return a.join();\n  }\n"
            "  export namespace inner {\n    export function deep(a: string): string {\n      return a;\n"
            "    }\n  }\n}\n")
    files = {
        "lib/util.ts": util,
        "app/a.ts": "import { util } from '../lib/util';\nutil.joinValues(['a']);\nutil.inner.deep('a');\n",
        "app/b.ts": "import { util } from '../lib/other';\nutil.joinValues(['b']);\n",
    }
    change = {"lib/util.ts": util.replace("(a: string[])", "(a: string[], sep: string)").replace(
        "deep(a: string)", "deep(a: string, b: number)")}
    found = scenario(tmp_path, capsys, files, change)
    assert [(rule, path, line) for rule, path, line, _ in found] == [
        ("symbol.signature", "lib/util.ts", 2), ("symbol.signature", "lib/util.ts", 6)]
    assert callers(found) == [("app/a.ts", 2), ("app/a.ts", 3)]


def test_jsonc_that_never_closes_a_string_or_comment_is_refused_at_once() -> None:
    from gate.symbols import jsconfig

    # Each unclosed opener must not scan to the end again: that would be quadratic.
    for bad in (b'"\\"' * 80_000, b"/* " * 80_000, b'{"a": "' + b"x" * 200_000):
        with pytest.raises(ValueError):
            jsconfig.loads(bad)


# -- methods assigned onto an exported object (CommonJS, as express writes them) ----------

EXPRESS_FILES = {
    "package.json": '{"name": "express", "main": "index.js"}',
    "index.js": "module.exports = require('./lib/express');\n",
    "lib/express.js": ("var proto = require('./application');\nvar res = require('./response');\n"
                       "exports = module.exports = createApplication;\n\nfunction createApplication() {\n"
                       "  return Object.create(proto);\n}\n"),
    "lib/response.js": ("var res = Object.create(null);\nmodule.exports = res;\n"
                        "res.cookie = function cookie(name, value) {\n  return this;\n};\n"
                        "res.render = function render(view) {\n  return view;\n};\n"),
    "lib/application.js": ("var app = exports = module.exports = {};\n"
                           "app.render = function render(name, options) {\n  return name;\n};\n"),
    # reaches lib/response.js and lib/application.js through the package root
    "app/a.js": ("var express = require('../');\nvar app = express();\napp.use(function (req, res) {\n"
                 "  res.cookie('a', 'b');\n  res.render('x');\n});\napp.render('x', {});\n"),
    # requires nothing of the package: the same words are no use
    "app/other.js": "function f(res, app) {\n  res.cookie('a');\n  app.render('x');\n}\n",
    # the object under another name: not told from any other object's method
    "app/b.js": "var express = require('../');\nfunction g(resp) {\n  resp.cookie('a');\n}\n",
}


def test_methods_assigned_onto_an_exported_object_are_possible_uses_through_the_package(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    change = {
        "lib/response.js": EXPRESS_FILES["lib/response.js"].replace("(name, value)", "(name, value, strict)"),
        "lib/application.js": EXPRESS_FILES["lib/application.js"].replace("(name, options)", "(name, options, b)"),
    }
    found = scenario(tmp_path, capsys, EXPRESS_FILES, change)
    assert sorted((path, line) for _, path, line, _ in found) == [("lib/application.js", 2), ("lib/response.js", 3)]
    # res.render('x') (another object's method of that name) is no use of app.render
    assert callers(found) == [("app/a.js", 4), ("app/a.js", 7)]
    capsys.readouterr()
    check.main(["agent/lib/change"], fmt="json", repo_path=str(tmp_path / "r"))
    users = [u for f in json.loads(capsys.readouterr().out)["branches"][0]["findings"] for u in f["other"]["users"]]
    assert [u.get("possible") for u in users] == [True, True]


def test_a_class_defining_a_method_of_that_name_makes_the_call_too_uncertain(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = {**EXPRESS_FILES,
             "lib/view.js": "function View() {}\nclass Page {\n  render(name) {}\n}\nmodule.exports = Page;\n",
             "lib/express.js": EXPRESS_FILES["lib/express.js"].replace(
                 "var res", "var Page = require('./view');\nvar res")}
    change = {"lib/application.js": EXPRESS_FILES["lib/application.js"].replace(
        "(name, options)", "(name, options, b)")}
    found = scenario(tmp_path, capsys, files, change)
    # app/a.js loads lib/view.js too: app.render('x') may be a Page's
    assert found == []


def test_a_body_change_of_an_exported_objects_method_names_no_caller(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    change = {"lib/response.js": EXPRESS_FILES["lib/response.js"].replace("return this;", "return null;")}
    found = scenario(tmp_path, capsys, EXPRESS_FILES, change)
    assert [(rule, path, line) for rule, path, line, _ in found] == [("symbol.shared", "lib/response.js", 3)]


def test_a_class_method_needs_its_module_imported_not_only_loaded(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = {**EXPRESS_FILES,
             "lib/registry.js": "class Registry {\n  add(x) {}\n}\nmodule.exports = Registry;\n",
             "lib/express.js": EXPRESS_FILES["lib/express.js"].replace(
                 "var res", "var R = require('./registry');\nvar res"),
             "app/c.js": "var Registry = require('../lib/registry');\nfunction f(r) {\n  r.add(1);\n}\n",
             "app/d.js": "var express = require('../');\nfunction f(seen) {\n  seen.add(1);\n}\n"}
    change = {"lib/registry.js": files["lib/registry.js"].replace("add(x)", "add(x, y)")}
    found = scenario(tmp_path, capsys, files, change)
    assert callers(found) == [("app/c.js", 3)]
