#!/usr/bin/env bash
# agentgate's GitHub Action: which actions/cache entry of agentgate's caches this
# job restores, and whether it may save one.
#
# Only the caches keyed by object ids are kept (change sets, pair merges, overlaps,
# secret scans, symbol analyses, parsed policies): an entry can only ever describe
# the objects its name names. Kept verdicts (memo/) and test results (tests/) are
# never cached.
#
# Restored on every run; saved only by a job on the target branch itself that ran
# no branch's code: a push to the target or a scheduled run, without tests. A pull
# request's job may run its tests, whose code could write anything under .git; what
# it leaves behind must never reach another job.
#
# The key is the target's commit: a pull request opened after the push that moved
# the target finds the entry that push saved, and otherwise falls back to the newest
# entry saved for the same target (restore-keys is the key without the commit).
#
# Inputs come through the environment (GATE_TARGET, GATE_TESTS, GATE_CACHE, GATE_REMOTE,
# and the GITHUB_* variables); writes restore, save, key and prefix to GITHUB_OUTPUT.
set -u

target="${GATE_TARGET:-}"
save=false
case "${GITHUB_EVENT_NAME:-}" in
    push | schedule)
        [ -n "$target" ] || target="${GITHUB_REF_NAME:-}"
        # Only a run on the target itself warms the cache pull requests restore.
        [ "$target" != "${GITHUB_REF_NAME:-}" ] || save=true
        ;;
    merge_group)
        if [ -z "$target" ] && [ -n "${GITHUB_EVENT_PATH:-}" ] && [ -f "$GITHUB_EVENT_PATH" ]; then
            target="$("${PYTHON:-python3}" -c 'import json, sys
print((json.load(open(sys.argv[1])).get("merge_group") or {}).get("base_ref") or "")' "$GITHUB_EVENT_PATH")"
            target="${target#refs/heads/}"
        fi
        ;;
    *)
        [ -n "$target" ] || target="${GITHUB_BASE_REF:-}"
        ;;
esac
[ "${GATE_TESTS:-false}" != "true" ] || save=false # tests ran a branch's code

remote="${GATE_REMOTE:-origin}"
commit=""
if [ -n "$target" ]; then
    commit="$(git rev-parse --verify --quiet "refs/remotes/$remote/$target^{commit}" ||
        git rev-parse --verify --quiet "refs/heads/$target^{commit}")" || commit=""
fi
restore=true
if [ -z "$commit" ] || [ "${GATE_CACHE:-true}" != "true" ]; then
    restore=false
    save=false
fi
# ':' cannot occur in a branch name, so one target's prefix never matches another's
# keys; ',' is the one character a cache key may not hold.
prefix="agentgate-1-${RUNNER_OS:-Linux}-${target//,/_}:"
out="${GITHUB_OUTPUT:-/dev/stdout}"
{
    echo "restore=$restore"
    echo "save=$save"
    echo "key=$prefix$commit"
    echo "prefix=$prefix"
} >>"$out"
