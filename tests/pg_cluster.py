"""A throw-away PostgreSQL cluster for the tests and the benchmarks.

`initdb` + `pg_ctl` from the Debian `postgresql` package, listening on a Unix socket in a
private folder only (no TCP port, nothing shared with a system cluster), durability off
(`fsync`, `synchronous_commit`: a test cluster is thrown away, its speed matters). When run
as root, the server runs as the `postgres` user, as PostgreSQL refuses root.

    python tests/pg_cluster.py start FOLDER   # prints the URL of its `postgres` database
    python tests/pg_cluster.py stop FOLDER
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "recouvre"


def bin_dir() -> Path | None:
    """The folder of `initdb`/`pg_ctl`: $PG_BIN, else the newest Debian install, else PATH."""
    if env := os.environ.get("PG_BIN"):
        return Path(env)
    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if debian:
        return debian[-1].parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _as_server_user(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", "postgres", "--", *cmd]


@dataclass
class Cluster:
    folder: Path

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def socket_dir(self) -> Path:
        return self.folder / "sock"

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@/{dbname}?host={self.socket_dir}"

    def start(self, *, max_connections: int = 120) -> Cluster:
        pg = bin_dir()
        if pg is None:
            raise RuntimeError("PostgreSQL server not found (apt-get install postgresql)")
        self.folder.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
            shutil.chown(self.socket_dir, "postgres")
            os.chmod(self.folder, 0o755)
        if not (self.data / "PG_VERSION").exists():
            subprocess.run(
                _as_server_user(
                    [str(pg / "initdb"), "-D", str(self.data), "-U", SUPERUSER, "--auth=trust",
                     "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]
                ),
                check=True,
                capture_output=True,
            )
        opts = (
            f"-c listen_addresses='' -c unix_socket_directories='{self.socket_dir}' "
            f"-c max_connections={max_connections} -c fsync=off -c synchronous_commit=off "
            f"-c full_page_writes=off -c shared_buffers={os.environ.get('PG_SHARED_BUFFERS', '128MB')} "
            "-c max_locks_per_transaction=256 "
            "-c wal_level=minimal -c max_wal_senders=0 -c checkpoint_timeout=1h -c max_wal_size=4GB"
        )
        subprocess.run(
            _as_server_user([str(pg / "pg_ctl"), "-D", str(self.data), "-o", opts, "-w", "-s",
                             "-l", str(self.folder / "server.log"), "start"]),
            check=True,
            capture_output=True,
        )
        return self

    def stop(self) -> None:
        pg = bin_dir()
        if pg is None or not (self.data / "postmaster.pid").exists():
            return
        subprocess.run(
            _as_server_user([str(pg / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-s", "stop"]),
            check=False,
            capture_output=True,
        )

    def new_database(self, prefix: str = "t", *, icu_locale: str | None = None) -> str:
        """A fresh, empty database; its URL. `icu_locale` ("fr-FR"): its default collation is
        that language's (ICU), as a database created on a French server compares text."""
        import psycopg

        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        collation = f" LOCALE_PROVIDER icu ICU_LOCALE '{icu_locale}'" if icu_locale else ""
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 STRATEGY file_copy{collation}')
        return self.url(name)


def main() -> int:
    if len(sys.argv) != 3 or sys.argv[1] not in {"start", "stop"}:
        print(__doc__, file=sys.stderr)
        return 2
    cluster = Cluster(Path(sys.argv[2]).resolve())
    if sys.argv[1] == "start":
        cluster.start(max_connections=int(os.environ.get("PG_MAX_CONNECTIONS", "120")))
        print(cluster.url())
    else:
        cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
