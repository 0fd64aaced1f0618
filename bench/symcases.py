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
    java_roots: tuple[str, ...] = ()  # javac: source folders compiled together
    java_jars: tuple[str, ...] = field(default=())  # javac: ~/.m2 jars (group/artifact/version)


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

ZOD_TSCONFIG = ('{"extends": "./tsconfig.json", "compilerOptions": {"noEmit": true, "types": []}, '
                '"include": ["packages/zod/src/**/*.ts"], "exclude": ["**/*.d.ts"]}\n')
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
), tsconfig=ZOD_TSCONFIG)

REPOS: tuple[Repo, ...] = (KY, ZOD)
