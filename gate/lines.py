"""Line ranges of changes, as the overlap rules compare them: pure functions of
change sets, shared by the pair analysis of two commits (``gate.git.filemerge``)
and the check of a patch that is not a commit (``gate.checks.overlap``)."""

from __future__ import annotations

from gate.model import FileChange

Lines = tuple[int, int]  # first and last line, inclusive


def touching(fa: FileChange, fb: FileChange) -> tuple[Lines, Lines] | None:
    """New-side lines of the first two hunks whose base ranges overlap or touch."""
    if fa.old_path is None or fa.old_path != fb.old_path:
        return None
    for ha, ra in zip(fa.hunks, fa.base_ranges(), strict=True):
        for hb, rb in zip(fb.hunks, fb.base_ranges(), strict=True):
            if ra[0] <= rb[1] + 1 and rb[0] <= ra[1] + 1:
                return new_lines(ha.new_start, ha.new_lines), new_lines(hb.new_start, hb.new_lines)
    return None


def new_lines(start: int, count: int) -> Lines:
    if count:
        return start, start + count - 1
    return max(start, 1), max(start, 1)  # a deletion: the line after which it was


def first_lines(fc: FileChange) -> Lines | None:
    return new_lines(fc.hunks[0].new_start, fc.hunks[0].new_lines) if fc.hunks else None
