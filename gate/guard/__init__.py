"""The Claude Code guard: the decision on one tool call (``decide``), the reading of
shell commands (``shell``, with ``writes`` for the paths a command writes, ``gitcmd``
for git and ``tables`` for migrations and deploys) and the sandbox settings of an
isolated clone (``sandbox``)."""
