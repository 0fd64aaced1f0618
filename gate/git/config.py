"""Where libgit2 looks for the user's and the system's git config.

libgit2 fixes its config search path from ``HOME`` and ``XDG_CONFIG_HOME`` once,
when pygit2 is first imported, and it does not read ``GIT_CONFIG_NOSYSTEM``,
``GIT_CONFIG_GLOBAL`` or ``GIT_CONFIG_SYSTEM`` at all. A process that changes
``HOME`` after that import (the tests do, for every test) keeps reading the old
``~/.gitconfig`` in process, while the git command line it starts reads the new
one. ``set_config_search_path`` points libgit2 at the same files git would read.
"""

from __future__ import annotations

import os
from pathlib import Path

import pygit2
from pygit2.enums import ConfigLevel


def set_config_search_path(
    home: str | os.PathLike[str],
    xdg_config_home: str | os.PathLike[str] | None = None,
    system: str | os.PathLike[str] | None = None,
) -> None:
    """Read the global config from ``home/.gitconfig``, the XDG one from
    ``xdg_config_home/git/config`` (default: ``home/.config``) and the system one
    from ``system/gitconfig`` (default: left as it is; a directory without a
    ``gitconfig`` means none, as ``GIT_CONFIG_NOSYSTEM=1`` does for git).

    Repositories opened afterwards see the new files; one already open keeps the
    config it has loaded.
    """
    xdg = Path(xdg_config_home) if xdg_config_home is not None else Path(home) / ".config"
    paths = pygit2.settings.search_path
    paths[ConfigLevel.GLOBAL] = os.fspath(home)
    paths[ConfigLevel.XDG] = os.fspath(xdg / "git")
    if system is not None:
        paths[ConfigLevel.SYSTEM] = os.fspath(system)
