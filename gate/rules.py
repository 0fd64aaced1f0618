"""Rule ids (stable: they appear in JSON, SARIF and suppressions) and default actions."""

from __future__ import annotations

from gate.model import Action

DEFAULTS: dict[str, Action] = {
    "scope.outside": "block",
    "scope.shared": "warn",
    "scope.unknown-agent": "block",
    "overlap.file": "warn",
    "overlap.hunk": "warn",
    "overlap.conflict": "warn",
    "target.conflict": "block",
    "target.stale": "warn",
    "symbol.shared": "warn",
    "symbol.signature": "ask",
    "gate.deletion": "ask",
    "gate.migration": "ask",
    "gate.ci": "ask",
    "gate.policy": "block",
    "gate.lockfile": "warn",
    "gate.large-file": "block",
    "gate.secret": "block",
    "gate.symlink": "ask",
    "gate.submodule": "ask",
    "gate.mode": "warn",
    "ref.force-push": "block",
    "ref.delete": "block",
    "ref.namespace": "block",
    "ref.unattributed": "block",
    "tests.failed": "block",
    "tests.error": "block",
    "tests.timeout": "block",
}
