"""The cases of the shared-symbol accuracy script (``bench.symbols``): public
repositories at pinned commits, and in each real exported symbols with callers in
other files, each with a scripted change to its signature.

An edit is ``(old, new, count)``: ``old`` must occur exactly ``count`` times in the
symbol's file at the pinned commit, so a case that no longer applies fails loudly
instead of measuring nothing.
"""

# ruff: noqa: E501  (a table of cases: one case, one line where it fits)
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Case:
    id: str
    file: str
    symbol: str
    change: str
    edits: tuple[tuple[str, str, int], ...]

    @property
    def callee(self) -> str:
        """The name its calls are written with ("Registry.add" -> "add", a constructor -> its class)."""
        parts = self.symbol.split()[0].split(".")
        return parts[-2] if parts[-1] == "constructor" and len(parts) > 1 else parts[-1]


@dataclass(frozen=True)
class Repo:
    name: str
    slug: str  # owner/name on GitHub; the mirror folder is owner+name
    commit: str
    lang: str
    truth: str  # "tsc", "javac" or "expect" (a recorded file only)
    cases: tuple[Case, ...]
    tsconfig: str = ""  # tsc: the project file written beside the repository's own
    links: tuple[tuple[str, str], ...] = ()  # tsc: workspace links a package manager would make (path, target)
    java_roots: tuple[str, ...] = ()  # javac: source folders compiled together
    java_jars: tuple[str, ...] = field(default=())  # javac: ~/.m2 jars (group:artifact:version)
    java_missing: tuple[str, ...] = ()  # javac: test dependencies not to be had offline
    # Files the truth does not cover (fnmatch patterns): callers agentgate names there are
    # counted apart ("outside"), neither true nor false.
    outside: tuple[str, ...] = ()


def add(old: str, new: str, count: int = 1) -> tuple[str, str, int]:
    return (old, new, count)


# tsc: the repository's own compiler options over every TypeScript file it has.
KY_TSCONFIG = '{"extends": "./tsconfig.json", "compilerOptions": {"noEmit": true}, "include": ["source", "test"]}\n'

KY = Repo("ky", "sindresorhus/ky", "3419113b48e034fdcf8fa6bd3be3da7b3d0d758f", "TypeScript", "tsc", (
    # A test helper with overloads, imported by every test file.
    Case("createHttpTestServer", "test/helpers/create-http-test-server.ts", "createHttpTestServer",
         "required parameter 'port' added first (both overloads and the implementation)",
         (add("createHttpTestServer(t: ExecutionContext,", "createHttpTestServer(port: number, t: ExecutionContext,"),
          add("createHttpTestServer(options?:", "createHttpTestServer(port: number, options?:"),
          add("createHttpTestServer(\n\ttOrOptions", "createHttpTestServer(\n\tport: number,\n\ttOrOptions"))),
    Case("withPerformance", "test/helpers/with-performance.ts", "withPerformance",
         "required parameter 'label' added after the destructured options",
         (add("}: Argument) {", "}: Argument, label: string) {"),)),
    # Constructors; four calls in test/http-error.ts sit under @ts-expect-error, so tsc does not name them.
    Case("TimeoutError", "source/errors/TimeoutError.ts", "TimeoutError.constructor", "required parameter 'timeout' added",
         (add("constructor(request: Request)", "constructor(request: Request, timeout: number)"),)),
    Case("HTTPError", "source/errors/HTTPError.ts", "HTTPError.constructor", "required parameter 'attempt' added",
         (add("options: NormalizedOptions) {", "options: NormalizedOptions, attempt: number) {"),)),
    # Default exports; delay's name is also an npm package the tests import.
    Case("timeout", "source/utils/timeout.ts", "timeout (default export)", "required parameter 'signal' added",
         (add("options: TimeoutOptions,\n): Promise<Response>", "options: TimeoutOptions,\n\tsignal: AbortSignal,\n): Promise<Response>"),)),
    Case("delay", "source/utils/delay.ts", "delay (default export)", "required parameter 'jitter' added",
         (add("{signal}: DelayOptions,\n): Promise<void>", "{signal}: DelayOptions,\n\tjitter: number,\n): Promise<void>"),)),
    # Re-exported by source/index.ts, which the tests import.
    Case("isHTTPError", "source/utils/type-guards.ts", "isHTTPError", "required parameter 'strict' added",
         (add("isHTTPError<T = unknown>(error: unknown)", "isHTTPError<T = unknown>(error: unknown, strict: boolean)"),)),
    Case("validateAndMerge", "source/utils/merge.ts", "validateAndMerge", "required parameter 'label' added before the rest",
         (add("validateAndMerge = (...sources:", "validateAndMerge = (label: string, ...sources:"),)),
    Case("Ky.create", "source/core/Ky.ts", "Ky.create (static)", "required parameter 'attempt' added",
         (add("static create(input: Input, options: Options)", "static create(input: Input, options: Options, attempt: number)"),)),
), tsconfig=KY_TSCONFIG)

# The repository's own root project (every .ts but the docs site's), without the vitest types.
ZOD_TSCONFIG = '{"extends": "./tsconfig.json", "compilerOptions": {"noEmit": true, "types": []}}\n'
# pnpm links the workspace package, so packages/bench, packages/tsc... import "zod" from
# packages/zod; npm cannot install a pnpm workspace, so the bench makes that one link.
# Not type-checked by that project: JavaScript, the docs site (TSX, excluded by zod's tsconfig).
ZOD_OUTSIDE = ("*.js", "*.mjs", "*.cjs", "*.jsx", "*.tsx", "packages/docs/*")
V4 = "packages/zod/src/v4"

ZOD = Repo("zod", "colinhacks/zod", "e516c3baf22615e20934116abebfed6c000222c2", "TypeScript", "tsc", (
    # The class factory every schema and check is declared with (core, classic and mini).
    Case("$constructor", f"{V4}/core/core.ts", "$constructor", "required parameter 'version' inserted after 'name'",
         (add("  name: string,\n  initializer: (inst: T, def: D) => void,", "  name: string,\n  version: number,\n  initializer: (inst: T, def: D) => void,"),)),
    # Called through `import * as util from "./util.js"` (util.normalizeParams(...)).
    Case("normalizeParams", f"{V4}/core/util.ts", "normalizeParams", "required parameter 'strict' added",
         (add("normalizeParams<T>(_params: T)", "normalizeParams<T>(_params: T, strict: boolean)"),)),
    Case("finalizeIssue", f"{V4}/core/util.ts", "finalizeIssue", "required parameter 'strict' added",
         (add("  config: $ZodConfig\n): errors.$ZodIssue {", "  config: $ZodConfig,\n  strict: boolean\n): errors.$ZodIssue {"),)),
    # util.clone(...) beside the schemas' own .clone() method, which is another symbol. The new
    # parameter goes first: after `inst` tsc would accept the `{...def}` (any) many calls pass.
    Case("clone", f"{V4}/core/util.ts", "clone", "required parameter 'deep' inserted first",
         (add("clone<T extends schemas.$ZodType>(inst: T, def?:", "clone<T extends schemas.$ZodType>(deep: boolean, inst: T, def?:"),)),
    # Overloads, re-exported as z.toJSONSchema / z.treeifyError and called so by the tests.
    Case("toJSONSchema", f"{V4}/core/json-schema-processors.ts", "toJSONSchema",
         "required parameter 'target' inserted before 'params' (both overloads and the implementation)",
         (add("  schema: T,\n  params?: ToJSONSchemaParams\n)", "  schema: T,\n  target: string,\n  params?: ToJSONSchemaParams\n)"),
          add("  registry: $ZodRegistry<{ id?: string | undefined }>,\n  params?:", "  registry: $ZodRegistry<{ id?: string | undefined }>,\n  target: string,\n  params?:"),
          add("  input: schemas.$ZodType | $ZodRegistry<{ id?: string | undefined }>,\n  params?:", "  input: schemas.$ZodType | $ZodRegistry<{ id?: string | undefined }>,\n  target: string,\n  params?:"))),
    Case("treeifyError", f"{V4}/core/errors.ts", "treeifyError", "required parameter 'depth' inserted after 'error' (overloads)",
         (add("treeifyError<T>(error: $ZodError<T>)", "treeifyError<T>(error: $ZodError<T>, depth: number)"),
          add("treeifyError<T, U>(error: $ZodError<T>, mapper", "treeifyError<T, U>(error: $ZodError<T>, depth: number, mapper", 2))),
    # A method called on the exported instance (z.globalRegistry.add) and on registries; Set.add and benchmark's Suite.add are others.
    Case("$ZodRegistry.add", f"{V4}/core/registries.ts", "$ZodRegistry.add", "required parameter 'owner' inserted before the rest",
         (add("    schema: S,\n    ..._meta:", "    schema: S,\n    owner: string,\n    ..._meta:"),)),
    Case("addIssueToContext", "packages/zod/src/v3/helpers/parseUtil.ts", "addIssueToContext (v3)", "required parameter 'strict' added",
         (add("addIssueToContext(ctx: ParseContext, issueData: IssueData)", "addIssueToContext(ctx: ParseContext, issueData: IssueData, strict: boolean)"),)),
), tsconfig=ZOD_TSCONFIG, outside=ZOD_OUTSIDE, links=(("node_modules/zod", "../packages/zod"),))

GSON_MAIN = "gson/src/main/java/com/google/gson"

GSON = Repo("gson", "google/gson", "9835b6f90192f79cdf5300c528fc6212455fb6c1", "Java", "javac", (
    # JsonWriter.setStrictness and GsonBuilder.setStrictness are other methods of the same name.
    Case("JsonReader.setStrictness", f"{GSON_MAIN}/stream/JsonReader.java", "JsonReader.setStrictness", "required parameter 'lenientNumbers' added",
         (add("public final void setStrictness(Strictness strictness) {", "public final void setStrictness(Strictness strictness, boolean lenientNumbers) {"),)),
    Case("JsonReader.new", f"{GSON_MAIN}/stream/JsonReader.java", "JsonReader.constructor", "required parameter 'bufferSize' added",
         (add("public JsonReader(Reader in) {", "public JsonReader(Reader in, int bufferSize) {"),)),
    # JsonTreeReader overrides it: calls on a JsonTreeReader still compile.
    Case("JsonReader.nextName", f"{GSON_MAIN}/stream/JsonReader.java", "JsonReader.nextName", "required parameter 'intern' added",
         (add("public String nextName() throws IOException {", "public String nextName(boolean intern) throws IOException {"),)),
    Case("GsonBuilder.registerTypeAdapter", f"{GSON_MAIN}/GsonBuilder.java", "GsonBuilder.registerTypeAdapter", "required parameter 'replace' added",
         (add("public GsonBuilder registerTypeAdapter(Type type, Object typeAdapter) {", "public GsonBuilder registerTypeAdapter(Type type, Object typeAdapter, boolean replace) {"),)),
    # Overloads: only toJson(Object) changes; toJson(JsonElement) and toJson(Object, Type) stay.
    Case("Gson.toJson", f"{GSON_MAIN}/Gson.java", "Gson.toJson", "required parameter 'pretty' added to toJson(Object)",
         (add("public String toJson(Object src) {", "public String toJson(Object src, boolean pretty) {"),)),
    Case("JsonObject.addProperty", f"{GSON_MAIN}/JsonObject.java", "JsonObject.addProperty", "required parameter 'replace' added to addProperty(String, String)",
         (add("public void addProperty(String property, String value) {", "public void addProperty(String property, String value, boolean replace) {"),)),
    # Inherited: called on JsonObject, JsonPrimitive, JsonArray and JsonElement receivers.
    Case("JsonElement.isJsonNull", f"{GSON_MAIN}/JsonElement.java", "JsonElement.isJsonNull", "required parameter 'strict' added",
         (add("public boolean isJsonNull() {", "public boolean isJsonNull(boolean strict) {"),)),
    # A final method called on adapters of many subclasses.
    Case("TypeAdapter.nullSafe", f"{GSON_MAIN}/TypeAdapter.java", "TypeAdapter.nullSafe", "required parameter 'strict' added",
         (add("public final TypeAdapter<T> nullSafe() {", "public final TypeAdapter<T> nullSafe(boolean strict) {"),)),
), java_roots=("gson", "extras", "metrics", "proto", "test-graal-native-image", "test-jpms", "test-shrinker"),
   java_jars=("junit:junit:4.13.2", "org.hamcrest:hamcrest-core:1.3", "com.google.guava:guava:33.6.0-jre",
              "com.google.errorprone:error_prone_annotations:2.50.0"),
   java_missing=("com.google.truth:truth:1.4.5", "com.google.guava:guava-testlib:33.6.0-jre", "protobuf-java and the classes "
                 "generated from proto/'s .proto files", "caliper (metrics)", "r8/proguard (test-shrinker)"),
   # proto/ calls gson with messages of classes generated at build time: javac cannot type those calls.
   outside=("proto/*",))

# No compiler: preact's types come from hand-written .d.ts files, not from its JavaScript.
PREACT = Repo("preact", "preactjs/preact", "f6c6cda581e1123095c56f9fc232b82fc518e426", "JavaScript", "expect", (
    # A test helper every browser test imports by a relative path.
    Case("setupScratch", "test/_util/helpers.jsx", "setupScratch", "parameter 'parent' added",
         (add("export function setupScratch(id) {", "export function setupScratch(id, parent) {"),)),
    # Through jsconfig paths ('preact/hooks'), preact/compat's re-export and its default export (React.useState).
    Case("useState", "hooks/src/index.js", "useState", "parameter 'label' added",
         (add("export function useState(initialState) {", "export function useState(initialState, label) {"),)),
    Case("createContext", "src/create-context.js", "createContext", "parameter 'displayName' added",
         (add("export function createContext(defaultValue) {", "export function createContext(defaultValue, displayName) {"),)),
    # preact/compat wraps it in a cloneElement of its own: compat's tests call the wrapper.
    Case("cloneElement", "src/create-element.js", "cloneElement", "parameter 'key' inserted after 'vnode'",
         (add("export function cloneElement(vnode, props, children) {", "export function cloneElement(vnode, key, props, children) {"),)),
    Case("act", "test-utils/src/index.js", "act", "parameter 'timeout' added",
         (add("export function act(cb) {", "export function act(cb, timeout) {"),)),
))

# CommonJS: exports.x = function, module.exports = View, methods on the res/app prototypes.
EXPRESS = Repo("express", "expressjs/express", "a3714473feb3d2908add734d340e7755fd85e0a3", "JavaScript", "expect", (
    Case("setCharset", "lib/utils.js", "setCharset", "parameter 'fallback' added",
         (add("exports.setCharset = function setCharset(type, charset) {", "exports.setCharset = function setCharset(type, charset, fallback) {"),)),
    Case("compileETag", "lib/utils.js", "compileETag", "parameter 'weak' added",
         (add("exports.compileETag = function(val) {", "exports.compileETag = function(val, weak) {"),)),
    Case("normalizeType", "lib/utils.js", "normalizeType", "parameter 'fallback' added",
         (add("exports.normalizeType = function(type){", "exports.normalizeType = function(type, fallback){"),)),
    # res.render (another method) is called far more than app.render.
    Case("res.cookie", "lib/response.js", "res.cookie", "parameter 'strict' added",
         (add("res.cookie = function (name, value, options) {", "res.cookie = function (name, value, options, strict) {"),)),
    Case("app.render", "lib/application.js", "app.render", "parameter 'strict' added",
         (add("app.render = function render(name, options, callback) {", "app.render = function render(name, options, callback, strict) {"),)),
    Case("View", "lib/view.js", "View (module.exports)", "parameter 'engines' added",
         (add("function View(name, options) {", "function View(name, options, engines) {"),)),
))

# No cargo check here (crates.io is out of reach): recorded files, grep and reading.
RIPGREP = Repo("ripgrep", "BurntSushi/ripgrep", "3fce3b5bb0236da2df6d99672afb8a719642eca7", "Rust", "expect", (
    # grep_pcre2::RegexMatcher, searcher's testutil::RegexMatcher and matcher's test RegexMatcher are other types.
    Case("RegexMatcher.new", "crates/regex/src/matcher.rs", "grep_regex::RegexMatcher::new", "parameter 'multi_line: bool' added",
         (add("    pub fn new(pattern: &str) -> Result<RegexMatcher, Error> {", "    pub fn new(pattern: &str, multi_line: bool) -> Result<RegexMatcher, Error> {"),)),
    Case("SearcherBuilder.new", "crates/searcher/src/searcher/mod.rs", "grep_searcher::SearcherBuilder::new", "parameter 'line_number: bool' added",
         (add("    pub fn new() -> SearcherBuilder {", "    pub fn new(line_number: bool) -> SearcherBuilder {"),)),
    # Re-exported at globset's root; called from other crates, the benches and the fuzz crate.
    Case("Glob.new", "crates/globset/src/glob.rs", "globset::Glob::new", "parameter 'literal: bool' added",
         (add("    pub fn new(glob: &str) -> Result<Glob, Error> {", "    pub fn new(glob: &str, literal: bool) -> Result<Glob, Error> {"),)),
    Case("WalkBuilder.new", "crates/ignore/src/walk.rs", "ignore::WalkBuilder::new", "parameter 'threads: usize' added",
         (add("    pub fn new<P: AsRef<Path>>(path: P) -> WalkBuilder {", "    pub fn new<P: AsRef<Path>>(path: P, threads: usize) -> WalkBuilder {"),)),
    # A method named like many others (OverrideBuilder::add, GitignoreBuilder::add, TypesBuilder::add...).
    Case("GlobSetBuilder.add", "crates/globset/src/lib.rs", "globset::GlobSetBuilder::add", "parameter 'priority: usize' added",
         (add("    pub fn add(&mut self, pat: Glob) -> &mut GlobSetBuilder {", "    pub fn add(&mut self, pat: Glob, priority: usize) -> &mut GlobSetBuilder {"),)),
    # A function of a crate root, and one re-exported there; both called through the grep facade (grep::cli).
    Case("is_readable_stdin", "crates/cli/src/lib.rs", "grep_cli::is_readable_stdin", "parameter 'strict: bool' added",
         (add("pub fn is_readable_stdin() -> bool {", "pub fn is_readable_stdin(strict: bool) -> bool {"),)),
    Case("resolve_binary", "crates/cli/src/decompress.rs", "grep_cli::resolve_binary", "parameter 'search_cwd: bool' added",
         (add("pub fn resolve_binary<P: AsRef<Path>>(\n    prog: P,\n)", "pub fn resolve_binary<P: AsRef<Path>>(\n    prog: P,\n    search_cwd: bool,\n)"),)),
))

REPOS: tuple[Repo, ...] = (KY, ZOD, GSON, PREACT, EXPRESS, RIPGREP)
