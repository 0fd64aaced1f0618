"""Content gates (``gate.*``) through ``agentgate check`` on real repositories.

Most stories run on ``feature/x``, a branch of no agent: it gets every gate and
no scope rule, so the gate under test is the only finding.
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.gitutil import POLICY, Repo, check_json, findings, on_branch, seeded_repo

ASK, BLOCK, WARN = "ask", "block", "warn"


def _gates(tmp_path: Path, policy: str = POLICY, **change: object) -> tuple[int, list[tuple[object, ...]]]:
    """The exit code and findings; the commit's short id in a message reads <head>."""
    repo = seeded_repo(tmp_path / "r", policy)
    head = on_branch(repo, "feature/x", **change)  # type: ignore[arg-type]
    code, report = check_json(repo.path, "feature/x")
    return code, [tuple(str(x).replace(head[:9], "<head>") for x in f)
                  for f in findings(report, "rule", "action", "path", "message")]


def test_a_deletion_asks(tmp_path: Path) -> None:
    assert _gates(tmp_path, rm=("README.md",)) == (
        3, [("gate.deletion", ASK, "README.md", "README.md is deleted")])


def test_a_migration_asks_whether_added_changed_or_deleted(tmp_path: Path) -> None:
    code, found = _gates(tmp_path, files={"app/migrations/0002_rates.py": "op = 1\n", "db/schema.sql": "create;\n"})
    assert (code, found) == (3, [
        ("gate.migration", ASK, "app/migrations/0002_rates.py",
         "app/migrations/0002_rates.py is a migration (pattern **/migrations/**): added"),
        ("gate.migration", ASK, "db/schema.sql", "db/schema.sql is a migration (pattern *.sql): added"),
    ])


def test_a_ci_change_asks(tmp_path: Path) -> None:
    assert _gates(tmp_path, files={".github/workflows/ci.yml": "on: push\n"}) == (3, [
        ("gate.ci", ASK, ".github/workflows/ci.yml",
         ".github/workflows/ci.yml is CI configuration (pattern .github/workflows/): added")])


def test_a_policy_change_blocks(tmp_path: Path) -> None:
    assert _gates(tmp_path, files={".agentgate.toml": POLICY + "\n# note\n"}) == (1, [
        ("gate.policy", BLOCK, ".agentgate.toml",
         ".agentgate.toml is changed; the policy is read from the target, so this edit does not change how "
         "the branch is judged")])


def test_a_lockfile_change_warns(tmp_path: Path) -> None:
    assert _gates(tmp_path, files={"web/package-lock.json": "{}\n", "uv.lock": "x\n"}) == (0, [
        ("gate.lockfile", WARN, "uv.lock", "uv.lock is a lockfile (pattern *.lock): added"),
        ("gate.lockfile", WARN, "web/package-lock.json",
         "web/package-lock.json is a lockfile (pattern package-lock.json): added"),
    ])


def test_a_file_over_the_size_limit_blocks_and_one_at_the_limit_does_not(tmp_path: Path) -> None:
    policy = POLICY + "\n[limits]\nmax_file_bytes = 100\n"
    code, found = _gates(tmp_path, policy, files={"data/at-limit.txt": "x" * 99 + "\n",
                                                 "data/over.bin": b"\0" * 101})
    assert (code, found) == (1, [
        ("gate.large-file", BLOCK, "data/over.bin",
         "data/over.bin is 101 bytes, over limits.max_file_bytes (100); added in commit <head>")])


def test_a_file_over_the_default_limit_blocks(tmp_path: Path) -> None:
    big = os.urandom(5_000_001)
    assert _gates(tmp_path, files={"assets/model.bin": big}) == (1, [
        ("gate.large-file", BLOCK, "assets/model.bin",
         "assets/model.bin is 5,000,001 bytes, over limits.max_file_bytes (5,000,000); added in commit <head>")])


def test_making_a_file_executable_warns(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    repo.branch("feature/x")
    (repo.path / "README.md").chmod(0o755)
    repo.commit("chmod")
    repo.checkout("main")
    code, report = check_json(repo.path, "feature/x")
    assert (code, findings(report, "rule", "action", "path", "message")) == (
        0, [("gate.mode", WARN, "README.md", "README.md becomes executable")])


def test_adding_a_submodule_asks(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    repo.branch("feature/x")
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{repo.rev('HEAD')},vendor/lib")
    repo.git("commit", "-qm", "vendor lib")
    repo.checkout("main")
    code, report = check_json(repo.path, "feature/x")
    assert (code, findings(report, "rule", "action", "path", "message")) == (
        3, [("gate.submodule", ASK, "vendor/lib", "submodule vendor/lib is added")])


# -- secrets -----------------------------------------------------------------------------------------

# Built from pieces, so this file itself holds nothing a scanner would flag.
AWS_ID = "AKIA" + "QZ7XW4ENB2KD5MTR"
CREDENTIALS = [
    ("private key", "-----BEGIN RSA " + "PRIVATE KEY-----"),
    ("AWS access key id", f"aws_access_key_id = {AWS_ID}"),
    ("AWS secret access key", "aws_secret_access_key = " + "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "q8Zp3Rk2Ht"),
    ("GCP API key", "key = 'AIza" + "SyD3-k9Qz7Xw4Enb2Kd5MtR8vYp1Lc6Hj0q'"),
    ("GCP service account key", '"private_key_id": "' + "0123456789abcdef" * 2 + '01234567",'),
    ("GitHub token", "token = ghp_" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5"),
    ("Slack token", "SLACK = 'xoxb-" + "123456789012-abcdefABCDEF'"),
    ("Slack webhook", "url = 'https://hooks.slack.com/services/" + "T0ABC1234/B0DEF5678/abcdefgh12345678ijkl'"),
    ("password assignment", 'db_password = "' + 'S3cure!Pass-2024"'),
]


def test_each_kind_of_credential_added_blocks_once_per_line(tmp_path: Path) -> None:
    text = "".join(f"{line}\n" for _, line in CREDENTIALS)
    code, found = _gates(tmp_path, files={"config/settings.py": "# settings\n" + text})
    assert code == 1
    assert found == [
        ("gate.secret", BLOCK, "config/settings.py", f"{kind} added at config/settings.py:{n} in commit <head>")
        for n, (kind, _) in enumerate(CREDENTIALS, start=2)
    ]


def test_placeholders_templates_and_references_are_not_secrets(tmp_path: Path) -> None:
    text = (
        'password = "changeme"\n'
        'password = "<your password>"\n'
        'api_key = "${API_KEY}"\n'
        'secret = "{{ vault.secret }}"\n'
        'password = "xxxxxxxxxx"\n'
        "password = os.environ['DB_PASSWORD']\n"
        'AKIA = "short"\n'
    )
    assert _gates(tmp_path, files={"config/settings.py": text}) == (0, [])


def test_only_added_lines_are_scanned(tmp_path: Path) -> None:
    # A secret already on main, and one the branch removes, are not the branch's.
    old = 'token = "ghp_' + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5" + '"\n'
    repo = seeded_repo(tmp_path / "r")
    repo.commit("legacy", {"legacy.py": old + "a = 1\nb = 2\n", "old.py": old})
    on_branch(repo, "feature/x", files={"legacy.py": old + "a = 1\nb = 3\n", "old.py": "clean = 1\n"})
    code, report = check_json(repo.path, "feature/x")
    assert (code, findings(report)) == (0, [])


def test_a_secret_in_a_binary_file_is_found_by_a_byte_scan(tmp_path: Path) -> None:
    assert _gates(tmp_path, files={"blob.bin": b"\x89PNG\0\0" + AWS_ID.encode() + b"\xff\0"}) == (1, [
        ("gate.secret", BLOCK, "blob.bin", "AWS access key id added at blob.bin:1 in commit <head>")])


# -- symlinks ----------------------------------------------------------------------------------------


def _link(repo: Repo, branch: str, path: str, target: str) -> None:
    repo.branch(branch)
    (repo.path / path).parent.mkdir(parents=True, exist_ok=True)
    os.symlink(target, repo.path / path)
    repo.commit("link")
    repo.checkout("main")


def test_a_symlink_inside_the_repository_asks(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    _link(repo, "agent/alice/x", "src/billing/current.py", "invoice.py")
    code, report = check_json(repo.path, "agent/alice/x")
    assert (code, findings(report, "rule", "action", "path", "message")) == (3, [
        ("gate.symlink", ASK, "src/billing/current.py", "symlink src/billing/current.py -> invoice.py")])


def test_a_symlink_out_of_the_repository_blocks(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    _link(repo, "agent/alice/x", "src/billing/up.txt", "../../../outside.txt")
    _link(repo, "agent/alice/y", "src/billing/passwd", "/etc/passwd")
    for branch, path, target in (("agent/alice/x", "src/billing/up.txt", "../../../outside.txt"),
                                 ("agent/alice/y", "src/billing/passwd", "/etc/passwd")):
        code, report = check_json(repo.path, branch)
        assert (code, findings(report, "rule", "action", "path", "message")) == (1, [
            ("gate.symlink", BLOCK, path, f"symlink {path} -> {target} points outside the repository")])


def test_a_symlink_into_another_agents_files_blocks(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    _link(repo, "agent/alice/x", "src/billing/app.py", "../ui/app.py")
    code, report = check_json(repo.path, "agent/alice/x")
    assert (code, findings(report)) == (1, [("gate.symlink", BLOCK, "src/billing/app.py", {"agent": "bob"})])


def test_a_symlink_to_another_agents_folder_blocks(tmp_path: Path) -> None:
    # Linking the folder gives access to every file in it.
    repo = seeded_repo(tmp_path / "r")
    _link(repo, "agent/alice/x", "src/billing/ui", "../ui")
    code, report = check_json(repo.path, "agent/alice/x")
    assert (code, findings(report, "rule", "action", "path", "other", "message")) == (1, [
        ("gate.symlink", BLOCK, "src/billing/ui", {"agent": "bob"},
         "symlink src/billing/ui -> ../ui points into bob's scope (src/ui/**)")])


def test_gates_turned_off_in_the_policy_stay_off_even_for_links_out(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r", POLICY + '\n[rules]\n"gate.symlink" = "off"\n')
    _link(repo, "agent/alice/x", "src/billing/passwd", "/etc/passwd")
    assert check_json(repo.path, "agent/alice/x")[0] == 0
