"""The README's sshd blocks, copied verbatim, pass `sshd -t`: an admin who pastes them can
reload sshd. (`PermitUserEnvironment` inside `Match` once made the check fail.)"""

from __future__ import annotations

import os
import re
import subprocess
import textwrap
from pathlib import Path

import pytest

from ssh_harness import SSHD, keygen

README = Path(__file__).resolve().parents[1] / "README.md"
FENCE = re.compile(r"^( *)```[a-z]*\n(.*?)^\1```", re.MULTILINE | re.DOTALL)


def readme_sshd_blocks() -> list[str]:
    """The fenced blocks whose first line is `# sshd_config: …`, in README order, dedented."""
    blocks = [textwrap.dedent(m.group(2)) for m in FENCE.finditer(README.read_text(encoding="utf-8"))]
    return [b for b in blocks if b.startswith("# sshd_config:")]


def sshd_check(tmp_path: Path, body: str) -> subprocess.CompletedProcess[str]:
    if not Path(SSHD).exists():
        pytest.fail("sshd is missing (see .ci/run)")
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
    host_key = keygen(tmp_path / "host_key")
    config = tmp_path / "sshd_config"
    config.write_text(
        f"Port 2222\nListenAddress 127.0.0.1\nHostKey {host_key}\nPidFile {tmp_path / 'sshd.pid'}\n{body}",
        encoding="utf-8",
    )
    return subprocess.run([SSHD, "-t", "-f", str(config)], capture_output=True, text=True, timeout=30)


def test_the_readme_has_a_global_part_and_a_match_block() -> None:
    blocks = readme_sshd_blocks()
    assert len(blocks) == 2
    global_part, match_block = blocks
    assert "Match" not in global_part and "PermitUserEnvironment no" in global_part
    assert match_block.splitlines()[1] == "Match User recouvre"
    assert "PermitUserEnvironment" not in match_block
    assert "ClientAliveInterval 30" in match_block and "ClientAliveCountMax 3" in match_block


def test_the_readme_sshd_blocks_pass_sshd_t(tmp_path: Path) -> None:
    result = sshd_check(tmp_path, "".join(readme_sshd_blocks()))
    assert result.returncode == 0, result.stderr


def test_sshd_t_rejects_permituserenvironment_inside_match(tmp_path: Path) -> None:
    """The check above can fail: the former README block is refused."""
    _global_part, match_block = readme_sshd_blocks()
    result = sshd_check(tmp_path, match_block + "    PermitUserEnvironment no\n")
    assert result.returncode != 0
    assert "PermitUserEnvironment" in result.stderr
