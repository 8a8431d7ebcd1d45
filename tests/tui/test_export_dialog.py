"""« Exporter » in the TUI (docs/exports.md): the lead chooses « Envoyer par e-mail (.xlsx) »
on the KPI screen; the file lands in exports_dir/<login>/ and reaches a real local SMTP server
(aiosmtpd, STARTTLS, AUTH), where the attachment opens with openpyxl."""

from __future__ import annotations

import email
import io
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import openpyxl
from test_lead_screens import SIZE, until

from recouvre_tui.services.agents import set_email
from recouvre_tui.tui.lead.kpis import KpiScreen
from test_export_mail import Server, cert, mail_settings, smtp_server  # noqa: F401  (fixtures)


async def test_kpis_sent_by_email(
    make_app: Any, open_store: Any, frozen_now: Any, settle: Any, tmp_path: Path, smtp_server: Server  # noqa: F811
) -> None:
    set_email(open_store(), "lea", "lea@example.test", actor="test", now=frozen_now)
    app = make_app("lea")
    app.backend.settings = mail_settings(tmp_path, smtp_server)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("k")
        await settle(pilot)
        assert isinstance(app.screen, KpiScreen)
        await pilot.press("x")
        await settle(pilot)
        await pilot.press("down", "down", "enter")  # « Envoyer par e-mail (.xlsx) »
        await settle(pilot)
        assert await until(pilot, lambda: bool(smtp_server.received.messages))
        assert await until(
            pilot, lambda: any("envoyé à lea@example.test" in str(n.message) for n in app._notifications)
        )
    [saved] = (tmp_path / "exports" / "lea").glob("indicateurs-*.xlsx")
    [(_session, raw)] = smtp_server.received.messages
    msg = email.message_from_bytes(raw, policy=default_policy)
    assert msg["To"] == "lea@example.test"
    [attachment] = list(msg.iter_attachments())  # type: ignore[attr-defined]
    assert attachment.get_filename() == saved.name
    assert attachment.get_content() == saved.read_bytes()
    ws = openpyxl.load_workbook(io.BytesIO(saved.read_bytes())).active
    assert [c.value for c in ws[1]][:5] == ["Semaine", "Agent", "Nom", "Appels", "Contacts"]
    assert [r[1] for r in ws.iter_rows(min_row=2, values_only=True)] == ["alice", "bruno", "camille", "denis"]
