"""Unified-diff input for ``check --diff``: the text reader (``text``) and the parser
that turns a patch into the pipeline's file changes (``parse``)."""
