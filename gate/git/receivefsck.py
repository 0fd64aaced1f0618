"""``receive.fsckObjects`` on a server repository: git's own check of pushed objects.

``hooks install --server`` turns it on and ``hooks uninstall`` puts back what was
there, so the value found is kept in ``agentgate.savedFsckObjects`` (``unset`` when
there was none). The hook does not rely on it: git only warns about several
things its fsck finds (bad modes, ``.git`` names), and the setting can be changed.
"""

from __future__ import annotations

from pathlib import Path

from gate.errors import GateError
from gate.git.run import Ran, git

KEY = "receive.fsckObjects"
SAVED = "agentgate.savedFsckObjects"
_UNSET = "unset"


def turn_on(repo: Path) -> str:
    """Set ``receive.fsckObjects = true``, keeping the value it replaces (only the
    first time: installing again keeps the value from before agentgate)."""
    if _get(repo, SAVED) is None:
        _config(repo, SAVED, _get(repo, KEY) or _UNSET)
    _config(repo, KEY, "true")
    return f"{repo}: {KEY} = true (git refuses objects its fsck refuses)"


def restore(repo: Path) -> str | None:
    """Put back the value ``turn_on`` replaced; None when agentgate never set it."""
    saved = _get(repo, SAVED)
    if saved is None:
        return None
    if saved == _UNSET:
        _config(repo, "--unset", KEY, ok=(0, 5))
    else:
        _config(repo, KEY, saved)
    _config(repo, "--unset", SAVED, ok=(0, 5))
    return f"{repo}: {KEY} restored to {'unset' if saved == _UNSET else saved}"


def _get(repo: Path, key: str) -> str | None:
    ran = _run(repo, "--get", key)
    return ran.out.decode(errors="replace").strip() if ran.code == 0 else None


def _config(repo: Path, *args: str, ok: tuple[int, ...] = (0,)) -> None:
    ran = _run(repo, *args)
    if ran.code not in ok:
        raise GateError(f"cannot change {repo}'s git config ({ran.err.decode(errors='replace').strip()}): "
                        "check that it is writable, then run this again.")


def _run(repo: Path, *args: str) -> Ran:
    return git("config", "--local", *args, cwd=repo, check=False)
