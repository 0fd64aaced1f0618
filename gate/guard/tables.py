"""Programs whose invocation the guard asks about: migrations and deploys.

Word sequences (fnmatch patterns) that, found anywhere in a program's arguments,
make the command a migration or a deploy. ``()`` matches any invocation.
"""

from __future__ import annotations

import fnmatch

Seqs = tuple[tuple[str, ...], ...]
_TF: Seqs = (("apply",), ("destroy",), ("import",), ("taint",), ("state", "rm"), ("state", "mv"))
MIGRATIONS: dict[str, Seqs] = {
    "alembic": (("upgrade",), ("downgrade",), ("stamp",)),
    "manage.py": (("migrate",), ("flush",)), "django-admin": (("migrate",), ("flush",)),
    "prisma": (("migrate",), ("db", "push")),
    "rails": (("db:*",),), "rake": (("db:*",),), "sequelize": (("db:*",),), "sequelize-cli": (("db:*",),),
    "flyway": (("migrate",), ("clean",), ("repair",), ("undo",), ("baseline",)),
    "liquibase": (("update*",), ("rollback*",), ("drop-all",), ("dropAll",)),
    "knex": (("migrate:*",),), "typeorm": (("migration:run",), ("migration:revert",), ("schema:*",)),
    "diesel": (("migration", "run"), ("migration", "revert"), ("migration", "redo"), ("database", "reset")),
    "sqlx": (("migrate", "run"), ("migrate", "revert"), ("database", "reset"), ("database", "drop")),
    "goose": (("up*",), ("down*",), ("reset",), ("redo",)),
    "dbmate": (("up",), ("down",), ("migrate",), ("rollback",), ("drop",)),
    "migrate": (("up",), ("down",), ("drop",), ("force",), ("goto",)),
    "artisan": (("migrate*",), ("db:wipe",)),
    "mix": (("ecto.migrate",), ("ecto.rollback",), ("ecto.drop",), ("ecto.reset",)),
    "drizzle-kit": (("push",), ("migrate",)), "supabase": (("db", "push"), ("db", "reset")),
    "atlas": (("migrate", "apply"), ("schema", "apply")),
}  # fmt: skip
DEPLOYS: dict[str, Seqs] = {
    "kubectl": (("apply",), ("create",), ("delete",), ("replace",), ("patch",), ("scale",), ("rollout",),
                ("drain",), ("set",)),
    "terraform": _TF, "tofu": _TF, "terragrunt": _TF,
    "helm": (("install",), ("upgrade",), ("uninstall",), ("delete",), ("rollback",)),
    "pulumi": (("up",), ("update",), ("destroy",)), "cdk": (("deploy",), ("destroy",)),
    "serverless": (("deploy",), ("remove",)), "sls": (("deploy",), ("remove",)),
    "fly": (("deploy",),), "flyctl": (("deploy",),), "vercel": (("deploy",), ("--prod",)),
    "netlify": (("deploy",),), "firebase": (("deploy",),), "wrangler": (("deploy",), ("publish",)),
    "gcloud": (("deploy",),), "aws": (("deploy",),), "eb": (("deploy",), ("terminate",)),
    "kamal": (("deploy",), ("rollback",)), "cap": (("deploy",),), "ansible-playbook": ((),),
    "docker": (("push",),), "npm": (("publish",),), "pnpm": (("publish",),), "yarn": (("publish",),),
    "twine": (("upload",),), "cargo": (("publish",),), "gh": (("release", "create"), ("pr", "merge")),
}  # fmt: skip


def matches(seqs: Seqs, args: list[str]) -> bool:
    """Whether one of ``seqs`` occurs, word for word, somewhere in ``args``."""
    for seq in seqs:
        n = len(seq)
        for i in range(len(args) - n + 1):
            if all(fnmatch.fnmatchcase(args[i + k], seq[k]) for k in range(n)):
                return True
    return False
