"""The one door to git: only this package imports pygit2 or runs the git command line
(STYLE rule 2). This file holds no import, so the pygit2-free modules (the command-line
runner, the list of repository-local variables) load without pygit2."""
