"""Content scans of added lines (``secrets``: credential patterns) and their cache
(``cache``: one change set's scan kept by its commit ids).

Neither is a check: ``gate.checks.content`` asks for the hits and turns them into
``gate.secret`` findings. Checks do not write files, so the cache of a scan lives
here, beside the scanner whose results it keeps.
"""
