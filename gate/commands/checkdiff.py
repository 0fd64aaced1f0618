"""``agentgate check --diff FILE|- --agent NAME``: the gate on a patch that is not a
commit (``git diff`` output, ``gh pr diff``, a patch an agent proposes).

The policy comes from the target's tree as for a branch. The rules a diff can
show run: scope, the content gates (secrets on the diff's added lines, symlinks
and submodules when their modes are in it) and file and hunk overlaps with the
other agents' open branches. Rules that need commits (merges, symbols, tests)
cannot run; the report's facts say which.
"""

from __future__ import annotations

import sys
import time

from gate import context, engine, report, verdict
from gate.context import Context
from gate.errors import UsageError
from gate.git.objects import expand_blob
from gate.git.opening import open_repo
from gate.model import BranchResult, Report
from gate.patch import parse as diffcheck
from gate.policy import POLICY_FILE, require_policy

# Rules that need commits: a merge (overlap.conflict, target.*), the two sides'
# trees (symbol.*), or a checkout to run the tests in (tests.*).
SKIPPED_RULES = (
    "overlap.conflict",
    "symbol.shared",
    "symbol.signature",
    "target.conflict",
    "target.stale",
    "tests.error",
    "tests.failed",
    "tests.timeout",
)


def read_diff(path: str) -> bytes:
    """The diff's bytes from a file, or from standard input for ``-``."""
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as e:
        raise UsageError(f"--diff {path}: cannot read it ({e.strerror}). Give a diff file, or - to read "
                         "standard input (git diff main... | agentgate check --diff - --agent NAME).") from None


def evaluate(ctx: Context, agent: str, patch: diffcheck.Patch) -> BranchResult:
    """The gate's result for ``agent``'s patch, as for a branch with no commits."""
    cs = patch.changeset()
    # The other agents' branches: a patch of this agent's is the next state of its
    # own work, and comparing it with itself (gh pr diff of an open branch) is noise.
    others = [b for b in ctx.agent_branches if b.agent != agent]
    res = engine.evaluate_patch(ctx, agent, cs, patch, others)
    res.facts["diff"] = {
        "files": len(cs.files),
        "compared_with": [b.ref for b in others],
        "skipped_rules": list(SKIPPED_RULES),
        "why_skipped": "a diff has no commits: nothing to merge, no trees to analyse, nothing to test",
    }
    return res


def main(
    diff: str,
    agent: str,
    target: str | None = None,
    fmt: str = "text",
    output: str | None = None,
    repo_path: str | None = None,
) -> int:
    started = time.monotonic()
    data = read_diff(diff)
    repo = open_repo(repo_path)
    ctx = context.build(repo, target)
    require_policy(ctx.policy, ctx.target_ref)
    if agent not in ctx.policy.agents:
        raise context.no_such_agent(
            ctx, agent, f" Name the agent whose patch this is (--agent), or add [agents.{agent}] to "
                        f"{POLICY_FILE} on the target.")
    patch = diffcheck.parse(data, lambda abbrev: expand_blob(repo, abbrev), repo.read_blob)
    result = evaluate(ctx, agent, patch)
    rep = Report(
        verdict=result.verdict,
        target_ref=ctx.target_ref,
        target_oid=ctx.target_oid,
        branches=(result,),
        elapsed_ms=int((time.monotonic() - started) * 1000),
    )
    report.emit(rep, fmt, output)
    return verdict.exit_code(rep.verdict)
