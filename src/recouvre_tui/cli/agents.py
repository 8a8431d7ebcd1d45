"""`recouvre agents …`: the team's accounts, roles, e-mail addresses and SSH keys."""

from __future__ import annotations

from pathlib import Path

import click

from ..domain.codes import label
from .common import (
    NOW_OPTION,
    Ctx,
    _json,
    _now,
    _system_user,
    _table,
    echo,
    handle_errors,
)
from .root import main


@main.group()
def agents() -> None:
    """Gérer les agents et responsables d'équipe."""


@agents.command("add")
@click.argument("login")
@click.option("--name", required=True, help="Nom affiché.")
@click.option("--role", type=click.Choice(["agent", "lead"]), default="agent", show_default=True)
@click.option("--team", default=None, help="Équipe.")
@click.option(
    "--ssh-key",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Fichier de clé publique.",
)
@click.option("--email", default=None, help="Adresse où envoyer ses exports (responsable d'équipe).")
@NOW_OPTION
@click.pass_obj
@handle_errors
def agents_add(
    obj: Ctx,
    login: str,
    name: str,
    role: str,
    team: str | None,
    ssh_key: Path | None,
    email: str | None,
    now_text: str | None,
) -> None:
    """Ajouter (ou mettre à jour) un agent, avec sa clé SSH (un agent désactivé : « agents activate »)."""
    from ..services.agents import add_agent, check_email, set_email

    if email is not None:
        check_email(email)  # refused before anything is written
    created, keys = add_agent(
        obj.store(),
        login=login,
        name=name,
        role=role,
        team=team,
        ssh_key_file=ssh_key,
        actor=_system_user(),
        now=_now(now_text),
    )
    if email is not None:
        set_email(obj.store(), login, email, actor=_system_user(), now=_now(now_text))
    echo(f"agent {login} {'créé' if created else 'mis à jour'}" + (f", {keys} clé(s) ajoutée(s)" if keys else ""))


@agents.command("set-email")
@click.argument("login")
@click.argument("address")
@NOW_OPTION
@click.pass_obj
@handle_errors
def agents_set_email(obj: Ctx, login: str, address: str, now_text: str | None) -> None:
    """Adresse e-mail où envoyer les exports de cet agent (« - » : l'effacer) ; auditée."""
    from ..services.agents import set_email

    set_email(obj.store(), login, None if address == "-" else address, actor=_system_user(), now=_now(now_text))
    echo(f"agent {login} : adresse e-mail {'effacée' if address == '-' else address}")


@agents.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_obj
@handle_errors
def agents_list(obj: Ctx, fmt: str) -> None:
    """Lister les agents, avec les empreintes de leurs clés SSH."""
    from ..services.agents import keys_by_agent, list_agents

    store = obj.store()
    rows = list_agents(store)
    keys = keys_by_agent(store)
    if fmt == "json":
        _json(
            [
                {
                    "login": a.login,
                    "name": a.name,
                    "role": a.role,
                    "team": a.team,
                    "active": a.active,
                    "keys": keys.get(a.login, []),
                }
                for a in rows
            ]
        )
        return
    _table(
        ["identifiant", "nom", "rôle", "équipe", "actif", "clés SSH (empreintes)"],
        [
            [
                a.login,
                a.name,
                label(a.role),
                a.team or "",
                "oui" if a.active else "non",
                " ".join(keys.get(a.login, [])),
            ]
            for a in rows
        ],
    )


@agents.command("keys")
@click.argument("login")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_obj
@handle_errors
def agents_keys(obj: Ctx, login: str, fmt: str) -> None:
    """Les clés SSH d'un agent, avec leur empreinte (celle de « ssh-keygen -lf »)."""
    from ..services.agents import agent_keys

    rows = agent_keys(obj.store(), login)
    if fmt == "json":
        _json([{"type": k.key_type, "fingerprint": k.fingerprint, "added_at": k.added_at} for k in rows])
        return
    _table(["type", "empreinte", "ajoutée le"], [[k.key_type, k.fingerprint, k.added_at] for k in rows])


@agents.command("deactivate")
@click.argument("login")
@NOW_OPTION
@click.pass_obj
@handle_errors
def agents_deactivate(obj: Ctx, login: str, now_text: str | None) -> None:
    """Désactiver un agent : plus d'accès SSH, son dossier rendu à la file, sa session fermée."""
    from ..services.agents import deactivate

    released = deactivate(obj.store(), login, actor=_system_user(), now=_now(now_text))
    echo(f"agent {login} désactivé" + (f", dossier {released} rendu à la file" if released else ""))


@agents.command("activate")
@click.argument("login")
@NOW_OPTION
@click.pass_obj
@handle_errors
def agents_activate(obj: Ctx, login: str, now_text: str | None) -> None:
    """Réactiver un agent désactivé (ses clés SSH sont de nouveau acceptées)."""
    from ..services.agents import activate

    activate(obj.store(), login, actor=_system_user(), now=_now(now_text))
    echo(f"agent {login} réactivé")


@agents.command("remove-key")
@click.argument("login")
@click.argument("fingerprint")
@NOW_OPTION
@click.pass_obj
@handle_errors
def agents_remove_key(obj: Ctx, login: str, fingerprint: str, now_text: str | None) -> None:
    """Retirer une clé SSH d'un agent, désignée par son empreinte SHA256:… (voir « agents keys »)."""
    from ..services.agents import remove_key

    info = remove_key(obj.store(), login, fingerprint, actor=_system_user(), now=_now(now_text))
    echo(f"clé {info.fingerprint} ({info.key_type}) retirée de l'agent {login}")


@agents.command("set-role")
@click.argument("login")
@click.argument("role", type=click.Choice(["agent", "lead"]))
@NOW_OPTION
@click.pass_obj
@handle_errors
def agents_set_role(obj: Ctx, login: str, role: str, now_text: str | None) -> None:
    """Changer le rôle d'un agent (agent ou lead) ; une session ouverte suit dès sa prochaine action."""
    from ..services.agents import set_role

    previous = set_role(obj.store(), login, role, actor=_system_user(), now=_now(now_text))
    echo(f"agent {login} : rôle {label(previous)} → {label(role)}")
