#!/usr/bin/env bash
# agentgate's GitHub Action, its shell part: find the branch and the target from
# the event, refuse a shallow clone, make every remote branch a local one, run
# `agentgate check`, and hand its exit code back (0 allow, 1 block, 3 needs
# approval, 4 could not run).
#
# On a push to a branch or a scheduled run, with no branch to check, it warms the
# caches instead (`check --all` against that branch, the verdict only logged): the
# job the action's cache step saves from, for pull requests to restore.
#
# Inputs come through the environment, never through ${{ }} in the script: a
# branch name is chosen by whoever opened the pull request.
#   GATE_BRANCH   branch to check (default: the pull request's head, or the
#                 merge group's head)
#   GATE_TARGET   target branch (default: the pull request's base, the merge
#                 group's base, else the policy's [gate] target)
#   GATE_TESTS    "true" runs the policy's test command on the merge result
#   GATE_FORMAT   output format (default: github)
#   GATE_OUTPUT   file to write the report to (default: stdout)
#   GATE_REMOTE   remote whose branches to use (default: origin)
#   GATE_MIRROR   "true" makes the remote's branches local outside GitHub Actions
#                 too (on Actions, GITHUB_ACTIONS=true does it)
#   AGENTGATE     the command to run (default: agentgate)
# Reads GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_HEAD_REF, GITHUB_BASE_REF;
# writes `exit-code` and `verdict` to GITHUB_OUTPUT when it is set.
set -u

die() {
    echo "::error title=agentgate::$1"
    echo "agentgate: $1" >&2
    exit 4
}

event_field() {
    # A string field of the event payload (merge_group only); empty when absent.
    [ -n "${GITHUB_EVENT_PATH:-}" ] && [ -f "$GITHUB_EVENT_PATH" ] || return 0
    "${PYTHON:-python3}" - "$GITHUB_EVENT_PATH" "$1" <<'PY'
import json, sys
value = json.load(open(sys.argv[1], encoding="utf-8"))
for key in sys.argv[2].split("."):
    value = value.get(key) if isinstance(value, dict) else None
print(value if isinstance(value, str) else "")
PY
}

short() { local r="$1"; echo "${r#refs/heads/}"; }

branch="${GATE_BRANCH:-}"
target="${GATE_TARGET:-}"
if [ "${GITHUB_EVENT_NAME:-}" = "merge_group" ]; then
    # The queue tests a temporary branch (gh-readonly-queue/...): its name names
    # no agent, and its head is GitHub's merge commit, whose message has no
    # Agent: trailer unless the merge method keeps the commits' messages. Such an
    # entry gets the content and target gates; its scope was checked on the PR.
    [ -n "$branch" ] || branch="$(short "$(event_field merge_group.head_ref)")"
    [ -n "$target" ] || target="$(short "$(event_field merge_group.base_ref)")"
else
    [ -n "$branch" ] || branch="${GITHUB_HEAD_REF:-}"
    [ -n "$target" ] || target="${GITHUB_BASE_REF:-}"
fi
warm=false
case "${GITHUB_EVENT_NAME:-}" in
    push | schedule)
        if [ -z "$branch" ] && [ -n "${GITHUB_REF_NAME:-}" ]; then
            warm=true
            [ -n "$target" ] || target="$GITHUB_REF_NAME"
        fi
        ;;
esac
[ -n "$branch" ] || [ "$warm" = true ] ||
    die "no branch to check: run on pull_request or merge_group, or set the action's 'branch' input."

shallow="$(git rev-parse --is-shallow-repository 2>/dev/null)" || die "not a git repository: run actions/checkout first."
if [ "$shallow" = "true" ]; then
    die "the checkout is shallow, so agentgate cannot find merge-bases or the other agent branches. Use actions/checkout with 'fetch-depth: 0'."
fi

remote="${GATE_REMOTE:-origin}"
# actions/checkout leaves the branches as refs/remotes/origin/*: make them local
# so the target, the branch and every other open agent branch resolve as they do
# on a developer's machine. This needs no network and no credentials (the
# example workflow does not persist them: with --tests the agent's code runs).
# The checked-out branch (a merge group's) is left alone.
# Only on a CI runner (or when asked): on a developer's clone this would move
# local branches that have unpushed work.
if [ "${GITHUB_ACTIONS:-}" = "true" ] || [ "${GATE_MIRROR:-}" = "true" ]; then
    current="$(git symbolic-ref -q HEAD || true)"
    git for-each-ref --format='%(refname) %(objectname)' "refs/remotes/$remote/" |
        while read -r ref oid; do
            name="${ref#refs/remotes/$remote/}"
            [ "$name" = HEAD ] || [ "refs/heads/$name" = "$current" ] || echo "update refs/heads/$name $oid"
        done | git update-ref --stdin || die "could not create local branches from '$remote'."
fi
# A branch the checkout did not bring (a narrower refspec): fetch it.
for name in "$target" "$branch"; do
    [ -n "$name" ] || continue
    git rev-parse --verify --quiet "refs/heads/$name^{commit}" >/dev/null && continue
    git fetch --quiet --no-tags "$remote" "+refs/heads/$name:refs/heads/$name" \
        || die "branch '$name' is not in this clone and could not be fetched from '$remote'."
done

if [ "$warm" = true ]; then
    # Entries no run has written for GATE_CACHE_DAYS are dropped before the cache is
    # saved again; what open branches still need is computed again just below.
    common="$(git rev-parse --git-common-dir)"
    for dir in cs pairs overlaps history symbols policy; do
        [ ! -d "$common/agentgate/$dir" ] ||
            find "$common/agentgate/$dir" -type f -mtime +"${GATE_CACHE_DAYS:-30}" -delete
    done
    # No tests, whatever the input says: this job's caches are saved.
    args=(check --all --format text)
else
    args=(check "$branch" --format "${GATE_FORMAT:-github}")
fi
[ -z "$target" ] || args+=(--target "$target")
[ -z "${GATE_OUTPUT:-}" ] || args+=(--output "$GATE_OUTPUT")
# `check` runs no tests unless asked (DESIGN §6).
[ "$warm" = true ] || [ "${GATE_TESTS:-false}" != "true" ] || args+=(--tests)

${AGENTGATE:-agentgate} "${args[@]}"
rc=$?
case "$rc" in
    0) verdict=allow ;;
    1) verdict=block ;;
    3) verdict=ask ;;
    *) verdict=error ;;
esac
if [ -n "${GITHUB_OUTPUT:-}" ]; then
    { echo "exit-code=$rc"; echo "verdict=$verdict"; } >>"$GITHUB_OUTPUT"
fi
# Warming gates nothing: only agentgate failing to run fails the step.
if [ "$warm" = true ] && [ "$verdict" != error ]; then
    exit 0
fi
exit "$rc"
