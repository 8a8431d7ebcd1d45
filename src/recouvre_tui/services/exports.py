"""Exports a lead can open: files in `exports_dir/<login>/` and e-mail (docs/exports.md).

A lead works over SSH and cannot fetch a file from the server, so an export is written
where the operator can reach it (never in the process's working directory) and can be sent
to the lead's address through the configured SMTP server. Every failure is an
`ExportError` with a French message, and is logged.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
import stat
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

from platformdirs import user_data_dir

from ..domain.config import Settings, SmtpSettings
from ..domain.dates import PARIS
from ..reports.csv_fr_export import to_csv_fr
from ..reports.export_table import ExportTable
from ..reports.xlsx_export import to_xlsx
from ..store.agents import Agent
from ..store.db import Store
from ..store.lead import DebtorFilter
from .agents import LOGIN
from .lead import REVIEW_MAX_LIMIT, review_queue
from .work_queue import QueueEntry

log = logging.getLogger(__name__)

FORMATS = {"xlsx": "xlsx", "csv-fr": "csv"}  # format → file extension
XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
CSV_TYPE = ("text", "csv")
PDF_TYPE = ("application", "pdf")
REPORT_TITLES = {
    "usure": "usure des relances",
    "indicateurs": "indicateurs de l'équipe",
    "promesses": "promesses de paiement",
    "revue": "revue des files",
}


class ExportError(Exception):
    """An export that could not be written or sent (message in French)."""


def render(table: ExportTable, fmt: str) -> bytes:
    if fmt == "xlsx":
        return to_xlsx(table)
    if fmt == "csv-fr":
        return to_csv_fr(table)
    raise ExportError(f"format d'export inconnu « {fmt} » (xlsx ou csv-fr)")


def exports_root(settings: Settings) -> Path:
    if settings.exports_dir:
        return Path(settings.exports_dir)
    return Path(user_data_dir("recouvre", appauthor=False)) / "exports"


def review_rows(
    store: Store, actor: Agent, flt: DebtorFilter | None, *, now: datetime, settings: Settings
) -> list[QueueEntry]:
    """Every page of the queue review (an export holds all of it, not one screen)."""
    rows: list[QueueEntry] = []
    after = None
    while True:
        page = review_queue(store, actor, flt, now=now, settings=settings, limit=REVIEW_MAX_LIMIT, after=after)
        rows += page.rows
        if page.after is None:
            return rows
        after = page.after


def _private_dir(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)  # mkdir's mode is masked by the umask, and the folder may predate us


def save_export(table: ExportTable, fmt: str, *, settings: Settings, login: str, now: datetime) -> Path:
    """Write the export to `exports_dir/<login>/<report>-<YYYYMMDD-HHMMSS>.<ext>` (folder 0700,
    file 0600, never overwriting); the path written."""
    if not LOGIN.fullmatch(login):
        raise ExportError(f"identifiant invalide « {login} » pour un dossier d'exports")
    content = render(table, fmt)
    folder = exports_root(settings) / login
    stamp = now.astimezone(PARIS).strftime("%Y%m%d-%H%M%S")
    try:
        _private_dir(folder.parent)
        _private_dir(folder)
        for n in range(1, 100):
            suffix = "" if n == 1 else f"-{n}"
            path = folder / f"{table.report}-{stamp}{suffix}.{FORMATS[fmt]}"
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                continue
            with os.fdopen(fd, "wb") as out:
                out.write(content)
            os.chmod(path, 0o600)
            log.info("export %s written for %s: %s (%d rows)", table.report, login, path, len(table.rows))
            return path
        raise ExportError(f"{folder} : trop d'exports « {table.report} » dans la même seconde")
    except OSError as exc:
        log.exception("export %s for %s could not be written in %s", table.report, login, folder)
        raise ExportError(f"impossible d'écrire l'export dans {folder} : {exc.strerror or exc}") from exc


def read_password(smtp: SmtpSettings) -> str | None:
    """The SMTP password from `password_file`, which only its owner may read."""
    if smtp.password_file is None:
        return None
    path = Path(smtp.password_file)
    try:
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ExportError(
                f"{path} : le fichier du mot de passe SMTP est lisible par d'autres comptes "
                f"(droits {stat.S_IMODE(mode):04o}) ; chmod 600 {path}"
            )
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ExportError(f"{path} : fichier du mot de passe SMTP illisible ({exc.strerror or exc})") from exc
    except UnicodeDecodeError:
        raise ExportError(f"{path} : le mot de passe SMTP doit être du texte UTF-8") from None
    password = text.rstrip("\r\n")
    if not password:
        raise ExportError(f"{path} : le fichier du mot de passe SMTP est vide")
    if not password.isascii():  # smtplib sends AUTH in ASCII only
        raise ExportError(f"{path} : le mot de passe SMTP ne peut contenir que des caractères ASCII (sans accents)")
    return password


def build_message(path: Path, *, to: str, sender: str, report: str, login: str) -> EmailMessage:
    title = REPORT_TITLES.get(report, report)
    msg = EmailMessage()
    msg["Subject"] = f"Recouvre — export {title} ({path.name})"
    msg["From"] = sender
    msg["To"] = to
    msg.set_content(
        f"Bonjour,\n\nVoici l'export « {title} » demandé par {login}, en pièce jointe ({path.name}).\n\n— recouvre\n"
    )
    maintype, subtype = XLSX_TYPE if path.suffix == ".xlsx" else CSV_TYPE
    msg.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name)
    return msg


def send_export(path: Path, *, to: str | None, settings: Settings, login: str, report: str) -> None:
    """Send the export file to `to` through `[smtp]`; an `ExportError` says why not."""
    smtp = settings.smtp
    try:
        if not to:
            raise ExportError(f"aucune adresse e-mail pour « {login} » : recouvre agents set-email {login} ADRESSE")
        if not smtp.host:
            raise ExportError("aucun serveur d'envoi configuré : renseigner [smtp] host dans la configuration")
        if not smtp.from_address:
            raise ExportError("aucun expéditeur configuré : renseigner [smtp] from_address dans la configuration")
        password = read_password(smtp)
        msg = build_message(path, to=to, sender=smtp.from_address, report=report, login=login)
        _deliver(smtp, msg, password)
    except ExportError as exc:
        log.warning("export e-mail for %s not sent: %s (%r)", login, exc, exc.__cause__)
        raise
    log.info("export %s sent to %s's address through %s:%d", path.name, login, smtp.host, smtp.port)


def send_document(path: Path, *, to: str, subject: str, body: str, settings: Settings) -> None:
    """Send one file (a PDF letter) to `to` through `[smtp]`; an `ExportError` says why not."""
    smtp = settings.smtp
    if not smtp.host:
        raise ExportError("aucun serveur d'envoi configuré : renseigner [smtp] host dans la configuration")
    if not smtp.from_address:
        raise ExportError("aucun expéditeur configuré : renseigner [smtp] from_address dans la configuration")
    password = read_password(smtp)
    msg = EmailMessage()
    msg["Subject"], msg["From"], msg["To"] = subject, smtp.from_address, to
    msg.set_content(body)
    maintype, subtype = PDF_TYPE if path.suffix == ".pdf" else XLSX_TYPE if path.suffix == ".xlsx" else CSV_TYPE
    msg.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name)
    _deliver(smtp, msg, password)


def _deliver(smtp: SmtpSettings, msg: EmailMessage, password: str | None) -> None:
    where = f"{smtp.host}:{smtp.port}"
    assert smtp.host is not None
    try:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_seconds) as client:
            if smtp.starttls:
                context = ssl.create_default_context(cafile=smtp.ca_file)
                client.starttls(context=context)
            if smtp.username:
                client.login(smtp.username, password or "")
            client.send_message(msg)
    except smtplib.SMTPAuthenticationError as exc:
        raise ExportError(
            f"le serveur d'envoi {where} a refusé l'identifiant « {smtp.username} » ou son mot de passe"
        ) from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise ExportError(f"le serveur d'envoi {where} ne propose pas STARTTLS ou l'authentification demandée") from exc
    except smtplib.SMTPRecipientsRefused as exc:
        raise ExportError(f"le serveur d'envoi {where} refuse l'adresse {msg['To']}") from exc
    except smtplib.SMTPSenderRefused as exc:
        raise ExportError(f"le serveur d'envoi {where} refuse l'expéditeur {msg['From']}") from exc
    except ssl.SSLError as exc:
        raise ExportError(f"connexion chiffrée impossible avec {where} (certificat non reconnu ?)") from exc
    except smtplib.SMTPException as exc:
        raise ExportError(f"le serveur d'envoi {where} a refusé le message ({exc})") from exc
    except TimeoutError as exc:
        raise ExportError(f"le serveur d'envoi {where} ne répond pas (délai dépassé)") from exc
    except OSError as exc:
        raise ExportError(f"serveur d'envoi {where} injoignable ({exc.strerror or exc})") from exc
