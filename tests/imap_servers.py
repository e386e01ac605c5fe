"""A real IMAP server for the tests: Debian's dovecot, run unprivileged on 127.0.0.1.

`Dovecot` writes a configuration to a temporary folder (a passwd-file user, a maildir per user, no
TLS, listening on a free port of 127.0.0.1 only) and runs `dovecot -F` as the current user, or as
`nobody` when the tests run as root (dovecot will not run its login processes as root).
"""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

DOVECOT = shutil.which("dovecot") or ("/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Dovecot:
    """One dovecot instance with one user; `folder` holds the folder's messages for checks."""

    def __init__(self, user: str = "bounces", password: str = "pw-Xq7-secret"):
        self.user, self.password = user, password
        self.port = _free_port()
        self.root = Path(tempfile.mkdtemp(prefix="digest-imap-"))
        self.process: subprocess.Popen | None = None
        runner = pwd.getpwnam("nobody") if os.geteuid() == 0 else pwd.getpwuid(os.getuid())
        self.uid, self.gid, self.login = runner.pw_uid, runner.pw_gid, runner.pw_name
        self.group = _group_name(self.gid)

    def _config(self) -> str:
        r = self.root
        return f"""
base_dir = {r}/run
state_dir = {r}/state
log_path = {r}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
auth_mechanisms = plain login
disable_plaintext_auth = no
default_internal_user = {self.login}
default_internal_group = {self.group}
default_login_user = {self.login}
first_valid_uid = {min(self.uid, 500)}
mail_location = maildir:{r}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {r}/passwd
}}
userdb {{
  driver = static
  args = uid={self.uid} gid={self.gid} home={r}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""

    def start(self) -> Dovecot:
        """Write the configuration and start dovecot; wait until it answers."""
        for sub in ("run", "state", "mail", "home"):
            (self.root / sub).mkdir()
        (self.root / "dovecot.conf").write_text(self._config(), encoding="utf-8")
        (self.root / "passwd").write_text(f"{self.user}:{{PLAIN}}{self.password}\n", encoding="utf-8")
        for path in [self.root, *self.root.rglob("*")]:
            os.chown(path, self.uid, self.gid)
        self.root.chmod(0o700)
        as_other = {"user": self.uid, "group": self.gid} if os.geteuid() == 0 else {}
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(self.root / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            **as_other,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                imaplib.IMAP4("127.0.0.1", self.port, timeout=2).logout()
                return self
            except (OSError, imaplib.IMAP4.error):
                if self.process.poll() is not None:
                    break
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"dovecot did not start: {self.log()}")

    def log(self) -> str:
        """dovecot's log so far."""
        path = self.root / "dovecot.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def client(self) -> imaplib.IMAP4:
        """A logged-in client, to fill and inspect the mailbox."""
        imap = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        imap.login(self.user, self.password)
        return imap

    def append(self, folder: str, messages: list[bytes]) -> None:
        """Deliver messages (unseen) into a folder, creating it if needed."""
        imap = self.client()
        try:
            imap.create(folder)
            for data in messages:
                status, _ = imap.append(folder, None, None, data)
                assert status == "OK"
        finally:
            imap.logout()

    def flags(self, folder: str) -> list[tuple[str, bool]]:
        """(subject, seen) for every message in a folder, in order."""
        imap = self.client()
        try:
            imap.select(folder, readonly=True)
            _, data = (
                imap.fetch("1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])") if _count(imap, folder) else ("", [])
            )
            return [
                (" ".join(item[1].decode("utf-8", "replace").partition(":")[2].split()), b"\\Seen" in item[0])
                for item in data
                if isinstance(item, tuple)
            ]
        finally:
            imap.logout()

    def stop(self) -> None:
        """Stop this dovecot (the process the test started) and remove its folder."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)


def _count(imap: imaplib.IMAP4, folder: str) -> int:
    _, data = imap.status(folder, "(MESSAGES)")
    return int(data[0].split()[-1].rstrip(b")"))


def _group_name(gid: int) -> str:
    import grp

    return grp.getgrgid(gid).gr_name
