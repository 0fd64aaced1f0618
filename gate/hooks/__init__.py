"""The git hooks agentgate runs: server-side ``pre-receive``/``update`` and the local
``pre-push``, ``pre-merge-commit`` and ``commit-msg``.

Nothing in this package writes a ref or a note (DESIGN §2): ``pre-receive`` runs
while the pushed objects are still in quarantine, and a ref written then would
point at objects git deletes when it refuses the push.
"""
