"""`recouvre scripts …`: check a call-script folder, show the guide for a debtor."""

from __future__ import annotations

from pathlib import Path

import click

from .common import (
    NOW_OPTION,
    Ctx,
    _json,
    _now,
    _viewer,
    echo,
    fail,
    handle_errors,
)
from .root import main


@main.group()
def scripts() -> None:
    """Guides d'appel : vérifier la bibliothèque, afficher le guide d'un débiteur."""


@scripts.command("check")
@click.argument("folder", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.pass_obj
@handle_errors
def scripts_check(obj: Ctx, folder: Path | None) -> None:
    """Valider les scripts (la bibliothèque livrée et FOLDER, ou scripts_dir de la configuration)."""
    from ..services.script_library import load_scripts

    target = folder or (Path(obj.settings.scripts_dir) if obj.settings.scripts_dir else None)
    loaded, errors = load_scripts(target)
    for e in errors:
        echo(str(e), err=True)
    if errors:
        fail(f"{len(errors)} erreur(s) dans les scripts ; les fichiers en erreur sont ignorés")
    echo(f"{len(loaded)} scripts valides" + (f" (dont le dossier {target})" if target else ""))


@scripts.command("show")
@click.argument("debtor_ref")
@click.option("--tone", type=click.Choice(["empathique", "neutre", "ferme"]), default=None)
@click.option("--as", "as_login", default=None, help="Agent (son nom dans le script ; ses droits).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@NOW_OPTION
@click.pass_obj
@handle_errors
def scripts_show(
    obj: Ctx, debtor_ref: str, tone: str | None, as_login: str | None, fmt: str, now_text: str | None
) -> None:
    """Afficher le guide d'appel choisi pour un débiteur, dans son ton par défaut ou --tone."""
    from ..domain.call_scripts import PHASE_LABELS_FR
    from ..domain.codes import Tone
    from ..domain.dates import paris_date
    from ..services.case_file import load_case
    from ..services.script_guide import guide_for

    store = obj.store()
    viewer = _viewer(store, as_login)
    now = _now(now_text)
    case = load_case(store, viewer, debtor_ref, now=now)
    g = guide_for(case, viewer, today=paris_date(now), settings=obj.settings, tone=Tone(tone) if tone else None)
    if g.rendered is None or g.script is None:
        fail(g.error or "aucun script ne convient à ce débiteur")
    if fmt == "json":
        data = {
            "debtor_ref": debtor_ref,
            "script_id": g.script.id,
            "title": g.rendered.title,
            "stage": str(g.stage),
            "stage_label": g.stage_label,
            "tone": str(g.tone),
            "reason": g.why,
            "phases": {key: text.splitlines() for key, text in g.rendered.phases.items()},
            "objections": [{"objection": o, "answer": a} for o, a in g.rendered.objections],
            "fact_sheet": g.sheet.to_json() if g.sheet else None,
        }
        _json(data)
        return
    echo(f"{g.rendered.title} — {g.stage_label} · ton : {g.tone} [{g.script.id}]")
    echo(g.why)
    for key, text in g.rendered.phases.items():
        echo(f"\n▸ {PHASE_LABELS_FR.get(key, key)}")
        for line in text.splitlines():
            echo(f"  {line}")
    if g.rendered.objections:
        echo("\nObjections :")
        for objection, answer in g.rendered.objections:
            echo(f"  « {objection} » → {answer}")
