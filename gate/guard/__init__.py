"""The Claude Code guard: the decision on one tool call (``decide``) and the reading
of shell commands (``shell``)."""
