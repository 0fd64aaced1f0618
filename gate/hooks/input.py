"""Hook input: who pushed (identity variables, the policy's view of the login) and the
ref-update lines git gives ``pre-receive``, ``update`` and ``pre-push``."""

from __future__ import annotations

from collections.abc import Mapping

from gate.errors import GateError
from gate.model import Oid, Pusher, RefName, RefUpdate, is_zero
from gate.policy import Policy

# DESIGN §8: who pushed, in this order. Servers set one of them: GitHub Enterprise
# (GITHUB_USER_LOGIN), GitLab (GL_USERNAME), Apache/CGI smart HTTP (REMOTE_USER).
IDENTITY_VARS = ("AGENTGATE_USER", "GITHUB_USER_LOGIN", "GL_USERNAME", "REMOTE_USER")
# Set by `agentgate serve` (gate.serve.backend) to the agent whose token it checked.
SERVE_AGENT = "AGENTGATE_SERVE_AGENT"


def identity(env: Mapping[str, str]) -> str | None:
    for var in IDENTITY_VARS:
        value = env.get(var, "").strip()
        if value:
            return value
    return None


def served_agent(env: Mapping[str, str]) -> str | None:
    """The agent ``agentgate serve`` authenticated for this push, or None.

    The rule: ``AGENTGATE_SERVE_AGENT`` counts only when it names the same login
    the identity variables give (serve sets ``REMOTE_USER`` to the agent and removes
    the variables before it). serve builds the whole environment of the push, so an
    agent cannot set either; a web server that sets ``REMOTE_USER`` alone (Apache)
    never makes a login an agent by its name, only through ``identities``. The name
    given is still resolved against the policy by ``make_pusher``.
    """
    name = env.get(SERVE_AGENT, "").strip()
    return name if name and identity(env) == name else None


def make_pusher(policy: Policy, login: str | None, agent: str | None = None) -> Pusher:
    """Resolve ``login`` against the policy: which agent it is, whether it approves.

    E-mails and logins compare case-insensitively: a server may report ``Lead``
    where the policy says ``lead``.
    """
    if login is None:
        return Pusher(None, agent if agent in policy.agents else None, False)
    key = login.casefold()
    if agent is None or agent not in policy.agents:
        agent = next((a.name for a in policy.agents.values()
                      if any(i.casefold() == key for i in a.identities)), None)
    approver = agent is None and any(a.casefold() == key for a in policy.approvers)
    return Pusher(login, agent, approver)


def _oid(value: str) -> Oid | None:
    if not value or any(c not in "0123456789abcdef" for c in value.lower()):
        raise GateError(f"unexpected object id {value!r} in the hook input")
    return None if is_zero(value) else Oid(value.lower())


def parse_receive(text: str) -> list[RefUpdate]:
    """``old new ref`` lines, as git gives pre-receive (and update, as arguments)."""
    out = []
    for line in text.splitlines():
        if not line.strip():
            continue
        parts = line.split(None, 2)
        if len(parts) != 3:
            raise GateError(f"unexpected hook input line {line!r}: expected 'old new ref'")
        out.append(RefUpdate(RefName(parts[2].strip()), _oid(parts[0]), _oid(parts[1])))
    return out


def parse_prepush(text: str) -> list[RefUpdate]:
    """``local_ref local_oid remote_ref remote_oid`` lines, as git gives pre-push."""
    out = []
    for line in text.splitlines():
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 4:
            raise GateError(f"unexpected pre-push input line {line!r}")
        out.append(RefUpdate(RefName(parts[2]), _oid(parts[3]), _oid(parts[1])))
    return out
