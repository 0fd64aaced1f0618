"""agentgate: a git-native merge gate for parallel coding agents."""

__version__ = "0.1.0"
