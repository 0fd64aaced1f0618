"""Benchmark tooling for agentgate (DESIGN §9): a seeded repository generator and,
later, the timing script. Not part of the installed package."""
