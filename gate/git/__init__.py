"""The one door to git: only this package imports pygit2 (STYLE rule 2)."""

from gate.git.opening import open_repo
from gate.git.repo import GitRepo, is_zero

__all__ = ["GitRepo", "is_zero", "open_repo"]
