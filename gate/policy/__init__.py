"""The policy: values and ownership (``values``), validation with file:line errors
(``validate``), loading from a commit's tree (``tree``), gitignore-style patterns
(``patterns``). The names most callers need are re-exported here."""

from __future__ import annotations

from gate.policy.values import (
           DEFAULT_PATHS,
           POLICY_FILE,
           Agent,
           Policy,
           TestsConfig,
           empty_policy,
           load,
           require_policy,
)

__all__ = ["DEFAULT_PATHS", "POLICY_FILE", "Agent", "Policy", "TestsConfig", "empty_policy", "load",
           "require_policy"]
