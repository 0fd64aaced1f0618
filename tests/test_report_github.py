"""GitHub Actions output: annotations, escaping, limits, the job summary."""

from __future__ import annotations

from pathlib import Path

from gate.model import BranchResult, Finding, RefName, Report
from gate.report import github, markdown
from tests.test_report_samples import TARGET, assert_golden, many_report, one_branch, sample_report


def test_sample_report_matches_expected_annotations() -> None:
    assert_golden("sample.github.txt", github.render(sample_report()))


def test_escaping_follows_the_workflow_command_spec() -> None:
    assert github.escape_data("100% done\r\nnext: a,b") == "100%25 done%0D%0Anext: a,b"
    assert github.escape_property("a%b:c,d\ne") == "a%25b%3Ac%2Cd%0Ae"


def test_annotation_escapes_path_and_message() -> None:
    f = Finding("scope.outside", "block", "50% of it,\nreally: yes", path="dir,x/a:b%c.py", line=4, end_line=6)
    assert github.annotation(f, None) == (
        "::error file=dir%2Cx/a%3Ab%25c.py,line=4,endLine=6,title=scope.outside::50%25 of it,%0Areally: yes"
    )


def test_each_kind_of_finding_gets_its_command() -> None:
    def cmd(f: Finding) -> str:
        return github.annotation(f, "agent/a/x").split(" ", 1)[0]

    assert cmd(Finding("r", "block", "m")) == "::error"
    assert cmd(Finding("r", "ask", "m")) == "::error"
    assert cmd(Finding("r", "ask", "m", approved=True)) == "::notice"
    assert cmd(Finding("r", "warn", "m")) == "::warning"
    assert github.annotation(Finding("r", "warn", "m"), "agent/a/x") == "::warning title=r::agent/a/x: m"


def test_more_than_thirty_findings_stay_within_ten_per_kind() -> None:
    out = github.render(many_report(blocks=14, asks=13, warns=12, approved=11)).splitlines()
    commands = [line for line in out if line.startswith(("::error", "::warning", "::notice"))]
    assert [c.split(" ", 1)[0] for c in commands] == ["::error"] * 10 + ["::notice"] * 10 + ["::warning"] * 10
    # Blocks come before asks: the ten errors are the ten first blocks.
    assert all("title=scope.outside" in c for c in commands[:10])
    assert [c.rsplit("::", 1)[1] for c in commands[:3]] == ["block finding 0", "block finding 1", "block finding 2"]
    assert out[-2:] == [
        "… and 20 more findings: see the job summary",
        "agentgate: BLOCK (14 blocking, 13 to approve, 11 approved, 12 warnings)",
    ]


def test_no_count_line_when_everything_is_shown() -> None:
    out = github.render(many_report(blocks=10, asks=0, warns=10, approved=10))
    assert "more finding" not in out


def test_log_group_cannot_be_read_as_commands() -> None:
    report = one_branch("allow", Finding("scope.shared", "warn", "line one\n::add-mask::secret\n  ::error::forged"))
    out = github.render(report).splitlines()
    start = out.index(next(line for line in out if line.startswith("::stop-commands::")))
    token = out[start].split("::")[2]
    end = out.index(f"::{token}::")
    assert start < end and out[end + 1] == "::endgroup::"
    # The forged lines sit between the stop and the resume, and nowhere else.
    forged = [i for i, line in enumerate(out) if line.lstrip().startswith(("::add-mask::", "::error::forged"))]
    assert forged == [start + 5, start + 6]
    assert out[end + 2] == "::warning title=scope.shared::line one%0A::add-mask::secret%0A  ::error::forged"


def test_step_summary_is_appended_when_github_asks(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    report = sample_report()
    assert github.write_step_summary(report, {"GITHUB_STEP_SUMMARY": str(summary)}) is True
    assert summary.read_text(encoding="utf-8") == "earlier step\n" + markdown.render(report)


def test_no_step_summary_outside_actions(tmp_path: Path) -> None:
    assert github.write_step_summary(sample_report(), {}) is False
    assert github.write_step_summary(sample_report(), {"GITHUB_STEP_SUMMARY": ""}) is False


def test_huge_summary_is_cut_below_githubs_limit() -> None:
    long = "x" * 300
    findings = tuple(Finding("scope.outside", "block", long, path=f"src/{i:05d}/{long}.py") for i in range(200))
    branches = tuple(
        BranchResult(RefName(f"refs/heads/agent/a{n}/x"), f"a{n}", None, None, "block", findings) for n in range(40)
    )
    report = Report("block", RefName("refs/heads/main"), TARGET, branches)
    out = github.summary_markdown(report)
    assert len(out.encode("utf-8")) < github.SUMMARY_LIMIT
    assert out.count("more findings: run `agentgate check") == 40


def test_a_path_with_a_line_break_percent_colon_and_comma_lands_on_the_real_file(tmp_path: Path) -> None:
    """GitHub's runner unescapes %25, %0D, %0A, %3A and %2C in a property; the two
    characters ``\\n`` would name a file that does not exist."""
    from tests.gitutil import agentgate, on_branch, seeded_repo

    repo = seeded_repo(tmp_path / "r")
    weird = "src/ui/odd\nname 100%:a,b\r.py"
    on_branch(repo, "agent/alice/x", files={weird: "x = 1\n"})
    code, out, _ = agentgate(repo.path, "check", "agent/alice/x", "--format", "github")
    assert code == 1
    (line,) = [ln for ln in out.splitlines() if ln.startswith("::error ")]
    props = line.split(" ", 1)[1].split("::", 1)[0]
    assert props == "file=src/ui/odd%0Aname 100%25%3Aa%2Cb%0D.py,title=scope.outside"
    unescaped = (props.split(",")[0].removeprefix("file=").replace("%0D", "\r").replace("%0A", "\n")
                 .replace("%3A", ":").replace("%2C", ",").replace("%25", "%"))
    assert unescaped in repo.git("ls-tree", "-r", "-z", "--name-only", "agent/alice/x").split("\0")
