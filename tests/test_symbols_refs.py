"""Uses of changed symbols, resolved through imports; same-named strangers ignored."""

from __future__ import annotations

from gate.model import Hunk
from gate.symbols import FileSymbols, Target, call_fits, extract, references, touched, word_pattern


def targets(path: str, source: str, *names: str) -> list[Target]:
    fs = extract(path, source.encode())
    assert fs is not None and fs.error is None
    return [Target.of(fs, s) for s in fs.symbols if not names or s.qualname in names]


def uses(path: str, source: str, wanted: list[Target]) -> list[tuple[object, ...]]:
    """(target, name as written, line, how, call, positional args, keywords) per use."""
    data = source.encode()
    fs = extract(path, data)
    assert isinstance(fs, FileSymbols)
    return [
        (r.target.qualname, r.name, r.line, r.how, r.call, r.args, r.keywords)
        for r in references(path, data, fs, wanted)
    ]


CONFIG_PY = """\
def parse_config(path, strict=False):
    return load(path)


def load(path):
    return parse_config(path)


class Settings:
    def __init__(self, source):
        self.source = source

    def reload(self):
        return self.reload()
"""

BILLING_PY = """\
def parse_config(text):
    return text
"""


def test_python_uses_through_every_import_form() -> None:
    wanted = targets("src/common/config.py", CONFIG_PY, "parse_config", "Settings.__init__")
    user = """\
import json
from common.config import parse_config as pc, Settings
from src.common import config
import src.common.config
import src.common.config as cfg

pc("a.toml")
config.parse_config(path, strict=True)
src.common.config.parse_config(*args)
cfg.Settings(source)
handler = pc
json.load(fh)
"""
    assert uses("src/ui/app.py", user, wanted) == [
        ("parse_config", "pc", 7, "import", True, 1, ()),
        ("parse_config", "config.parse_config", 8, "import", True, 1, ("strict",)),
        ("parse_config", "src.common.config.parse_config", 9, "import", True, 0, ()),
        ("Settings.__init__", "cfg.Settings", 10, "import", True, 1, ()),
        ("parse_config", "pc", 11, "import", False, 0, ()),
    ]


def test_python_same_named_function_in_an_unrelated_module_is_not_a_use() -> None:
    wanted = targets("src/common/config.py", CONFIG_PY, "parse_config")
    assert targets("src/billing/config.py", BILLING_PY)[0].module == "src.billing.config"
    user = """\
from billing.config import parse_config
from src.billing import config

parse_config("x")
config.parse_config("y")


def parse_config_twice(p):
    return parse_config(p), parse_config(p)
"""
    assert uses("src/ui/app.py", user, wanted) == []


def test_python_relative_imports_and_star_imports_resolve() -> None:
    wanted = targets("src/common/config.py", CONFIG_PY, "parse_config")
    relative = "from ..common.config import parse_config\n\nparse_config(1, 2)\n"
    assert uses("src/ui/app.py", relative, wanted) == [
        ("parse_config", "parse_config", 3, "import", True, 2, ()),
    ]
    sibling = "from . import config\n\nconfig.parse_config(1)\n"
    assert uses("src/common/other.py", sibling, wanted) == [
        ("parse_config", "config.parse_config", 3, "import", True, 1, ()),
    ]
    star = "from .config import *\n\nparse_config(p)\n"
    assert uses("src/common/views.py", star, wanted) == [
        ("parse_config", "parse_config", 3, "import", True, 1, ()),
    ]


def test_python_calls_inside_the_defining_module_count() -> None:
    wanted = targets("src/common/config.py", CONFIG_PY, "parse_config", "Settings.reload")
    assert uses("src/common/config.py", CONFIG_PY, wanted) == [
        ("parse_config", "parse_config", 6, "local", True, 1, ()),
        # ``self`` in a method of Settings is a Settings (issue 19: receivers).
        ("Settings.reload", "self.reload", 14, "local", True, 0, ()),
    ]


def test_python_methods_by_name_only_in_files_importing_the_module() -> None:
    wanted = targets("src/common/config.py", CONFIG_PY, "Settings.reload")
    importing = "from common.config import Settings, load\n\ns = load(1)\ns.reload()\n"
    assert uses("src/ui/app.py", importing, wanted) == [
        ("Settings.reload", "s.reload", 4, "name", True, 0, ()),
    ]
    # A receiver built from the class is known to be one (issue 19: receivers).
    built = "from common.config import Settings\n\ns = Settings(1)\ns.reload()\n"
    assert uses("src/ui/app.py", built, wanted) == [
        ("Settings.reload", "s.reload", 4, "import", True, 0, ()),
    ]
    other = "from common.config import Settings\nfrom x import Other\n\ns = Other(1)\ns.reload()\n"
    assert uses("src/ui/app.py", other, wanted) == []
    assert uses("src/ui/other.py", "s = make()\ns.reload()\n", wanted) == []


def test_javascript_relative_import_resolves_to_the_defining_file() -> None:
    defining = "export function parseConfig(path) {}\nexport class Store { constructor(a) {} }\n"
    wanted = targets("web/common/config.js", defining)
    user = """\
import { parseConfig as pc, Store } from '../common/config';
import * as cfg from "../common/config.js";
import { parseConfig } from "../billing/config";
const legacy = require("../common/config");

pc("a");
cfg.parseConfig("b", 2);
parseConfig("c");
legacy.parseConfig(...xs);
new Store(1);
"""
    assert uses("web/ui/app.js", user, wanted) == [
        ("parseConfig", "pc", 6, "import", True, 1, ()),
        ("parseConfig", "cfg.parseConfig", 7, "import", True, 2, ()),
        ("parseConfig", "legacy.parseConfig", 9, "import", True, 1, ()),
        ("Store.constructor", "Store", 10, "import", True, 1, ()),
    ]


def test_typescript_and_tsx_share_targets() -> None:
    wanted = targets("src/lib/track.ts", "export function track(event: string): void {}\n")
    user = """\
import { track } from "@/lib/track";
export function Button(): JSX.Element {
  return <button onClick={() => track("click")} />;
}
"""
    assert uses("src/ui/Button.tsx", user, wanted) == [
        ("track", "track", 3, "import", True, 1, ()),
    ]


def test_go_import_path_and_same_package() -> None:
    defining = "package config\n\nfunc Parse(path string) error { return nil }\n"
    wanted = targets("pkg/common/config/config.go", defining)
    user = """\
package main

import (
\tcfg "example.com/app/pkg/common/config"
\t"example.com/app/pkg/billing/config"
)

func main() {
\tcfg.Parse("a")
\tconfig.Parse("b")
}
"""
    assert uses("cmd/app/main.go", user, wanted) == [
        ("Parse", "cfg.Parse", 9, "import", True, 1, ()),
    ]
    sibling = 'package config\n\nfunc init() { Parse("x") }\n'
    assert uses("pkg/common/config/load.go", sibling, wanted) == [
        ("Parse", "Parse", 3, "local", True, 1, ()),
    ]
    assert uses("pkg/billing/config/load.go", sibling, wanted) == []


def test_rust_use_paths_and_qualified_calls() -> None:
    defining = (
        "pub fn parse_config(path: &str) {}\npub struct Config;\n"
        "impl Config {\n    pub fn new() -> Self { Config }\n}\n"
    )
    wanted = targets("src/common/config.rs", defining, "parse_config", "Config.new")
    user = """\
use crate::common::config::{self, parse_config as pc, Config};
use crate::billing::config::parse_config;

fn main() {
    pc("a");
    config::parse_config("b");
    crate::common::config::parse_config("c");
    parse_config("d");
    let c = Config::new();
}
"""
    assert uses("src/ui/app.rs", user, wanted) == [
        ("parse_config", "pc", 5, "import", True, 1, ()),
        ("parse_config", "config::parse_config", 6, "import", True, 1, ()),
        ("parse_config", "crate::common::config::parse_config", 7, "import", True, 1, ()),
        ("Config.new", "Config::new", 9, "import", True, 0, ()),
    ]


def test_java_imports_static_imports_and_same_package() -> None:
    defining = """\
package com.acme.common;

public class Config {
    public static Config parse(String path) { return null; }
}
"""
    wanted = targets("src/main/java/com/acme/common/Config.java", defining, "Config.parse")
    user = """\
package com.acme.ui;

import com.acme.common.Config;
import static com.acme.common.Config.parse;

class App {
    void run() {
        Config.parse("a");
        parse("b");
        Other.parse("c");
    }
}
"""
    assert uses("src/main/java/com/acme/ui/App.java", user, wanted) == [
        ("Config.parse", "Config.parse", 8, "import", True, 1, ()),
        ("Config.parse", "parse", 9, "import", True, 1, ()),
    ]
    same_package = 'package com.acme.common;\n\nclass Loader { void f() { Config.parse("x"); } }\n'
    assert uses("src/main/java/com/acme/common/Loader.java", same_package, wanted) == [
        ("Config.parse", "Config.parse", 3, "local", True, 1, ()),
    ]
    other_package = 'package com.acme.billing;\n\nclass Loader { void f() { Config.parse("x"); } }\n'
    assert uses("src/main/java/com/acme/billing/Loader.java", other_package, wanted) == []


def test_a_file_that_does_not_parse_has_no_uses() -> None:
    wanted = targets("src/common/config.py", CONFIG_PY, "parse_config")
    assert uses("src/ui/app.py", "from common.config import parse_config\nparse_config(\n", wanted) == []
    ts_wanted = targets("src/a.ts", "export function f(a: number) {}\n")
    assert uses("src/b.ts", "import { f } from './a';\nf(1;\n", ts_wanted) == []


def test_targets_of_another_language_are_ignored() -> None:
    wanted = targets("src/common/config.py", CONFIG_PY, "parse_config")
    assert uses("src/ui/app.js", "import { parse_config } from '../common/config';\nparse_config(1);\n", wanted) == []


def test_non_utf8_user_file_still_resolves() -> None:
    wanted = targets("src/common/config.py", CONFIG_PY, "parse_config")
    data = b"from common.config import parse_config\nLABEL = '\xe9t\xe9'\nparse_config(LABEL)\n"
    fs = extract("src/ui/app.py", data)
    assert fs is not None
    found = references("src/ui/app.py", data, fs, wanted)
    assert [(r.name, r.line, r.args) for r in found] == [("parse_config", 3, 1)]


def test_target_words_for_a_fast_byte_search() -> None:
    assert Target("Settings.__init__", "a.py", "a", "python").words == ("__init__", "Settings")
    assert Target("Config.Config", "C.java", "p", "java").words == ("Config",)
    assert Target("parse_config", "a.py", "a", "python").words == ("parse_config",)


def test_reexports_through_a_package_or_an_index_file() -> None:
    wanted = targets("src/common/config.py", CONFIG_PY, "parse_config")
    assert uses("src/ui/app.py", "from common import parse_config\n\nparse_config(p)\n", wanted) == [
        ("parse_config", "parse_config", 3, "import", True, 1, ()),
    ]
    assert uses("src/ui/app.py", "from billing import parse_config\n\nparse_config(p)\n", wanted) == []
    js_wanted = targets("web/common/config.ts", "export function parseConfig(p: string) {}\n")
    barrel = "import { parseConfig } from '../common';\nparseConfig('a');\n"
    assert uses("web/ui/app.ts", barrel, js_wanted) == [
        ("parseConfig", "parseConfig", 2, "import", True, 1, ()),
    ]
    rs_wanted = targets("src/common/config.rs", "pub fn parse_config(p: &str) {}\n")
    pub_use = 'use crate::common::parse_config;\nfn f() { parse_config("a"); }\n'
    assert uses("src/ui/app.rs", pub_use, rs_wanted) == [
        ("parse_config", "parse_config", 2, "import", True, 1, ()),
    ]


def test_word_pattern_finds_whole_identifiers_only() -> None:
    pattern = word_pattern([Target("parse", "a.py", "a", "python"), Target("C.__init__", "a.py", "a", "python")])
    assert pattern.search(b"x = parse(1)") is not None
    assert pattern.search(b"x = C(1)") is not None
    assert pattern.search(b"x = parse_all(1) + reparse(2) + CC()") is None
    assert word_pattern([]).search(b"anything") is None


def test_alice_adds_a_required_parameter_and_bobs_call_no_longer_fits() -> None:
    """The flow the symbol check runs: touched symbols on alice's side, their
    users in bob's file, and whether each call still fits the new signature."""
    base = b"def parse_config(path):\n    return open(path).read()\n"
    head = b"def parse_config(path, strict):\n    return open(path).read()\n"
    old = extract("src/common/config.py", base)
    new = extract("src/common/config.py", head)
    (change,) = touched(old, new, [Hunk(1, 1, 1, 1)])
    assert (change.kind, change.detail) == ("signature", "parameter 'strict' added without a default")
    assert old is not None and change.new is not None and change.new.signature is not None
    target = Target.of(old, change.symbol)
    bob = b"from common.config import parse_config\n\nsettings = parse_config('app.toml')\n"
    bob_fs = extract("src/ui/settings.py", bob)
    assert bob_fs is not None and word_pattern([target]).search(bob) is not None
    (use,) = references("src/ui/settings.py", bob, bob_fs, [target])
    assert (use.line, use.args, call_fits(change.new.signature, use, "python")) == (3, 1, False)
