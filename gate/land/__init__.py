"""``agentgate land``: a merge queue for agent branches (DESIGN §6, issue 20).

``queue`` takes ``plan``'s order of the branches whose verdict allows them (the
others are held, with why); ``chain`` builds the speculative candidates C1 =
target + B1, C2 = C1 + B2, … as the very merge commits that will land; ``search``
tests up to ``--jobs`` of them at once and bisects to the first failing branch;
``engine`` ejects it, rebuilds what follows, moves the target once by
compare-and-swap to the last candidate that passed (re-planning when the target
moved meanwhile) and records the ejected branches' failures where ``status`` and
``check --tests`` read them. Rendering is ``gate.report.land``.
"""
