"""The subscriber service as a real process on 127.0.0.1 (a free port), plus a small HTTP client
that never follows redirects, for tests/test_subscriptions_*.py and bench/signup_bench.py."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
SECRET = "test-secret-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServiceProcess:
    """``python -m coachsite.subscriptions.server`` with its own database and settings from ``env``."""

    def __init__(self, db: Path, smtp_port: int | None, port: int | None = None, **env: str):
        self.db, self.port = Path(db), port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "NEWSLETTER_DB": str(db),
            "NEWSLETTER_SERVICE_URL": self.url,
            "NEWSLETTER_UNSUBSCRIBE_SECRET": SECRET,
            "NEWSLETTER_SMTP_HOST": "127.0.0.1",
            "NEWSLETTER_SMTP_PORT": str(smtp_port or free_port()),
            "NEWSLETTER_SMTP_SECURITY": "none",
            "NEWSLETTER_SMTP_USER": "",
            "NEWSLETTER_CLIENT_LIMIT": "0",
            "NEWSLETTER_OUTBOX_RETRY": "1",
            **env,
        }
        self.proc: subprocess.Popen | None = None

    def start(self) -> ServiceProcess:
        self.log = self.db.with_name(self.db.name + f".{self.port}.log")  # a file, so a chatty service never blocks on a pipe
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "coachsite.subscriptions.server", "--port", str(self.port), "--poll", "0.2"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"service exited: {self.log.read_text(errors='replace')}")
            try:
                if request(self.url, "GET", "/gezond")[0] == 200:
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("service did not start in 30 s")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self) -> ServiceProcess:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def request(base: str, method: str, path: str, body: bytes | dict | None = None, headers: dict | None = None,
            conn: http.client.HTTPConnection | None = None) -> tuple[int, dict[str, str], str]:
    """(status, lower-cased headers, text) of one request; redirects are returned, not followed."""
    parts = urlsplit(base)
    own = conn is None
    conn = conn or http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    headers = dict(headers or {})
    if isinstance(body, dict):
        body = urlencode(body).encode()
    if body is not None:
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        return response.status, {k.lower(): v for k, v in response.getheaders()}, text
    finally:
        if own:
            conn.close()


def confirm_link(message) -> str:
    """The confirmation URL in a confirmation email's text part."""
    text = message.get_body(("plain",)).get_content()
    return re.search(r"https?://\S+/bevestigen\?token=\S+", text).group(0)


def wait_for(predicate, timeout: float = 20.0):
    """Poll ``predicate`` until it returns something truthy (the outbox is asynchronous)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("condition not met in time")
