"""``agentgate serve``: the human's repository over git's smart HTTP, the desktop boundary.

On one machine agents run as the same user as the human, so everything in a ``.git``
they can write (hooks, config, approvals) is theirs to change (DESIGN §2). A process
they cannot write into is not: ``serve`` runs ``git http-backend`` for each request,
authenticates every agent with its own token (``tokens``), runs every push as that
agent through agentgate's ``pre-receive`` whatever hooks the repository has
(``backend``), one push at a time, and tells ``spawn --isolated`` where it listens
(``state``). The HTTP side is ``server``.
"""
