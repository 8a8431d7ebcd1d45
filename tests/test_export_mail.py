"""Exports saved under `exports_dir/<login>/` and sent by e-mail through a real local SMTP
server (aiosmtpd on 127.0.0.1, STARTTLS with a certificate made here, AUTH LOGIN/PLAIN); the
received attachment is opened back with openpyxl. docs/exports.md."""

from __future__ import annotations

import email
import io
import logging
import os
import socket
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from click.testing import CliRunner

from lead_helpers import make_lead_env
from recouvre_tui.cli import main
from recouvre_tui.domain.config import Settings, SmtpSettings
from recouvre_tui.reports.export_table import Column, ExportTable
from recouvre_tui.services.exports import ExportError, save_export, send_export

NOW = datetime(2026, 11, 17, 10, 0, 5, tzinfo=UTC)  # 11:00:05 in Paris
LOGIN, PASSWORD = "recouvre@example.test", "s3cret-%!"
TABLE = ExportTable(
    "indicateurs",
    "Indicateurs 2026-W47",
    (Column("Agent"), Column("Encaissé", "money"), Column("Date", "date"), Column("Taux tenu", "rate")),
    (("alice", 5_500, date(2026, 11, 22), 2 / 3), ("bob", 20_000, date(2026, 11, 17), 0.0)),
)


@dataclass
class Received:
    messages: list[tuple[Any, bytes]] = field(default_factory=list)  # (session, raw message)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((session, envelope.original_content))
        return "250 Message accepted"


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        LOGIN.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@dataclass
class Server:
    port: int
    received: Received
    cert: Path


@pytest.fixture
def smtp_server(cert: tuple[Path, Path]) -> Iterator[Server]:
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(*cert)
    received = Received()
    port = free_port()
    controller = Controller(
        received,
        hostname="127.0.0.1",
        port=port,
        tls_context=tls,
        require_starttls=True,
        authenticator=_authenticate,
        auth_require_tls=True,
        auth_required=True,
    )
    controller.start()
    try:
        yield Server(port, received, cert[0])
    finally:
        controller.stop()


def password_file(tmp_path: Path, text: str = PASSWORD + "\n", mode: int = 0o600) -> Path:
    p = tmp_path / "smtp-password"
    p.write_text(text, encoding="utf-8")
    p.chmod(mode)
    return p


def mail_settings(tmp_path: Path, server: Server, **smtp: Any) -> Settings:
    base = SmtpSettings(
        host="127.0.0.1",
        port=server.port,
        starttls=True,
        username=LOGIN,
        password_file=str(password_file(tmp_path)),
        from_address="recouvre@example.test",
        ca_file=str(server.cert),
        timeout_seconds=5,
    )
    return Settings(smtp=replace(base, **smtp), exports_dir=str(tmp_path / "exports"))


def test_export_sent_with_starttls_and_login(tmp_path: Path, smtp_server: Server) -> None:
    settings = mail_settings(tmp_path, smtp_server)
    path = save_export(TABLE, "xlsx", settings=settings, login="lea", now=NOW)
    send_export(path, to="lea@example.test", settings=settings, login="lea", report="indicateurs")

    [(session, raw)] = smtp_server.received.messages
    assert session.ssl is not None and session.authenticated  # STARTTLS then AUTH
    msg = email.message_from_bytes(raw, policy=default_policy)
    assert isinstance(msg, EmailMessage)
    assert msg["To"] == "lea@example.test" and msg["From"] == "recouvre@example.test"
    assert msg["Subject"] == "Recouvre — export indicateurs de l'équipe (indicateurs-20261117-110005.xlsx)"
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_filename() == "indicateurs-20261117-110005.xlsx"
    assert attachment.get_content_type() == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ws = openpyxl.load_workbook(io.BytesIO(attachment.get_content())).active
    assert [c.value for c in ws[1]] == ["Agent", "Encaissé", "Date", "Taux tenu"]
    assert [c.value for c in ws[2]][:3] == ["alice", 55.0, datetime(2026, 11, 22)]
    assert ws["D2"].value == pytest.approx(2 / 3)
    assert [c.value for c in ws[3]] == ["bob", 200.0, datetime(2026, 11, 17), 0]
    assert ws["B2"].number_format == '#,##0.00 "€"' and ws["C2"].number_format == "dd/mm/yyyy"


def test_french_csv_sent_as_text_csv(tmp_path: Path, smtp_server: Server) -> None:
    settings = mail_settings(tmp_path, smtp_server)
    path = save_export(TABLE, "csv-fr", settings=settings, login="lea", now=NOW)
    send_export(path, to="lea@example.test", settings=settings, login="lea", report="indicateurs")
    [(_session, raw)] = smtp_server.received.messages
    [attachment] = list(email.message_from_bytes(raw, policy=default_policy).iter_attachments())  # type: ignore[attr-defined]
    assert attachment.get_content_type() == "text/csv"
    assert attachment.get_payload(decode=True) == (
        "\ufeffAgent;Encaissé;Date;Taux tenu (%)\r\nalice;55,00;22/11/2026;66,7\r\nbob;200,00;17/11/2026;0,0\r\n"
    ).encode("utf-8")


def test_refused_password_says_so_and_is_logged(
    tmp_path: Path, smtp_server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    settings = mail_settings(tmp_path, smtp_server)
    wrong = tmp_path / "wrong"
    wrong.write_text("nope\n")
    wrong.chmod(0o600)
    settings = replace(settings, smtp=replace(settings.smtp, password_file=str(wrong)))
    path = save_export(TABLE, "xlsx", settings=settings, login="lea", now=NOW)
    with caplog.at_level(logging.WARNING), pytest.raises(ExportError) as err:
        send_export(path, to="lea@example.test", settings=settings, login="lea", report="indicateurs")
    assert str(err.value) == (
        f"le serveur d'envoi 127.0.0.1:{smtp_server.port} a refusé l'identifiant « {LOGIN} » ou son mot de passe"
    )
    assert smtp_server.received.messages == []
    assert any("not sent" in r.getMessage() and "refusé l'identifiant" in r.getMessage() for r in caplog.records)


def test_untrusted_certificate_is_refused(tmp_path: Path, smtp_server: Server) -> None:
    settings = mail_settings(tmp_path, smtp_server)
    settings = replace(settings, smtp=replace(settings.smtp, ca_file=None))  # the system's CAs only
    path = save_export(TABLE, "xlsx", settings=settings, login="lea", now=NOW)
    with pytest.raises(ExportError, match=r"connexion chiffrée impossible avec 127\.0\.0\.1:\d+"):
        send_export(path, to="lea@example.test", settings=settings, login="lea", report="indicateurs")
    assert smtp_server.received.messages == []


def test_server_down(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    settings = Settings(
        smtp=SmtpSettings(host="127.0.0.1", port=port, starttls=False, from_address="r@example.test"),
        exports_dir=str(tmp_path / "x"),
    )
    path = save_export(TABLE, "csv-fr", settings=settings, login="lea", now=NOW)
    with pytest.raises(ExportError, match=rf"^serveur d'envoi 127\.0\.0\.1:{port} injoignable \(.+\)$"):
        send_export(path, to="lea@example.test", settings=settings, login="lea", report="indicateurs")


def test_missing_address_host_or_password(tmp_path: Path) -> None:
    settings = Settings(exports_dir=str(tmp_path / "x"))
    path = save_export(TABLE, "xlsx", settings=settings, login="lea", now=NOW)
    with pytest.raises(ExportError) as err:
        send_export(path, to=None, settings=settings, login="lea", report="indicateurs")
    assert str(err.value) == "aucune adresse e-mail pour « lea » : recouvre agents set-email lea ADRESSE"
    with pytest.raises(ExportError, match=r"^aucun serveur d'envoi configuré : renseigner \[smtp\] host"):
        send_export(path, to="lea@example.test", settings=settings, login="lea", report="indicateurs")
    shared = password_file(tmp_path, mode=0o644)
    settings = Settings(
        smtp=SmtpSettings(host="127.0.0.1", username="u", password_file=str(shared), from_address="r@example.test")
    )
    with pytest.raises(ExportError) as err:
        send_export(path, to="lea@example.test", settings=settings, login="lea", report="indicateurs")
    assert str(err.value) == (
        f"{shared} : le fichier du mot de passe SMTP est lisible par d'autres comptes "
        f"(droits 0644) ; chmod 600 {shared}"
    )
    accented = password_file(tmp_path, text="mot-de-passé\n")
    settings = replace(settings, smtp=replace(settings.smtp, password_file=str(accented)))
    with pytest.raises(ExportError, match="ne peut contenir que des caractères ASCII"):
        send_export(path, to="lea@example.test", settings=settings, login="lea", report="indicateurs")


def test_saved_in_a_private_folder_per_login(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    old = os.umask(0o022)
    try:
        first = save_export(TABLE, "xlsx", settings=Settings(), login="lea", now=NOW)
        second = save_export(TABLE, "xlsx", settings=Settings(), login="lea", now=NOW)
    finally:
        os.umask(old)
    folder = tmp_path / "data" / "recouvre" / "exports" / "lea"
    assert first == folder / "indicateurs-20261117-110005.xlsx"
    assert second == folder / "indicateurs-20261117-110005-2.xlsx"  # never overwritten
    assert folder.stat().st_mode & 0o777 == 0o700 and folder.parent.stat().st_mode & 0o777 == 0o700
    assert first.stat().st_mode & 0o777 == 0o600
    assert list(work.iterdir()) == []
    with pytest.raises(ExportError, match=r"identifiant invalide « \.\./x »"):
        save_export(TABLE, "xlsx", settings=Settings(), login="../x", now=NOW)


def test_agent_email_commands(tmp_path: Path) -> None:
    env = make_lead_env(tmp_path, seed=False)
    db = env.db

    def run(*args: str) -> Any:
        return CliRunner().invoke(main, ["--db", db, *args], catch_exceptions=False)

    r = run("agents", "set-email", "lea", "lea@example.test, boss@example.test")
    assert r.exit_code == 1
    assert "adresse e-mail invalide « lea@example.test, boss@example.test » (attendu : nom@domaine.fr)" in r.stderr
    assert env.one("SELECT email FROM agents WHERE login = 'lea'") is None
    r = run("agents", "set-email", "lea", "lea@example.test")
    assert r.exit_code == 0, r.stderr
    assert env.one("SELECT email FROM agents WHERE login = 'lea'") == "lea@example.test"
    assert env.audits("agent_set_email")[-1]["entity_ref"] == "lea"
    r = run("agents", "add", "max", "--name", "Max", "--role", "lead", "--team", "A", "--email", "pas-une-adresse")
    assert r.exit_code == 1 and env.one("SELECT count(*) FROM agents WHERE login = 'max'") == 0
    r = run("agents", "add", "max", "--name", "Max", "--role", "lead", "--team", "A", "--email", "max@example.test")
    assert r.exit_code == 0, r.stderr
    assert env.one("SELECT email FROM agents WHERE login = 'max'") == "max@example.test"
    r = run("agents", "set-email", "max", "-")
    assert r.exit_code == 0 and env.one("SELECT email FROM agents WHERE login = 'max'") is None
