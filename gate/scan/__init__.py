"""Content scans (``secrets``: credential patterns, linear in their input, and the
redaction of what they find) and the scan of each commit's added content
(``history``: kept by the commit's id).

Neither is a check: ``gate.checks.history`` and ``gate.checks.content`` ask for the
hits and turn them into ``gate.secret`` and ``gate.large-file`` findings. Checks do
not write files, so the cache of a scan lives here, beside the scanner whose
results it keeps.
"""
