"""A real SMTP server (aiosmtpd on 127.0.0.1, a free port) that records, refuses or drops on cue,
plus builders for issues and subscriber files. Used by the tests/test_send_*.py modules."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import shutil
import threading
from collections import Counter
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from coachsite.newsletter.issue import build_issue
from coachsite.newsletter.send import send_settings
from newsletter_helpers import post

ROOT = Path(__file__).resolve().parent.parent
DATE = "2026-11-25"
NOW = dt.datetime(2026, 11, 25, 8, 0, tzinfo=dt.timezone.utc)
SECRET = "test-secret-0123456789abcdef"
SUBJECT = "Tips van november: één gesprek dat alles verandert"

SUBSCRIBERS_CSV = (
    "email,name,status,subscribed_at,bron\n"
    "anna@example.nl,Anna,actief,2026-01-05,website\n"
    "zoe@example.nl,Zoë,actief,2026-02-11,beurs\n"
    "piet@example.nl,,actief,2026-03-01,website\n"
    "weg@example.nl,Weg,afgemeld,2026-01-01,website\n"
    "ANNA@example.nl,Anna dubbel,actief,2026-04-01,import\n"
    "geen-adres,Kapot,actief,2026-04-02,import\n"
    "\"jan@example.nl\",\"Jan, de Vries\",actief,2026-05-01,\"website, pagina 2\"\n"
    "later-weg@example.nl,Later,actief,2026-05-02,website\n"
    "Later-Weg@Example.nl,Later,afgemeld,2026-06-01,website\n"
)
ACTIVE = ["anna@example.nl", "zoe@example.nl", "piet@example.nl", "jan@example.nl"]


class Recorder:
    """aiosmtpd handler: records accepted messages; ``faults`` scripts replies per recipient.

    ``faults[address]`` is a list consumed one item per attempt: an SMTP reply such as
    ``"451 4.7.1 later"`` (given at RCPT), ``"data:554 5.7.1 no"`` (given after DATA), ``"drop"``
    (the connection is closed after DATA, without accepting), ``"drop-accepted"`` (the message
    is accepted, then the connection is closed before the reply) or ``"hold"`` (after the final
    dot the message is kept, but the reply waits until ``release()``). When the list is
    empty the message is accepted. ``hold(n, stage)`` makes the (n+1)th message wait at MAIL or RCPT until
    ``release()``: a client can then be killed in the middle of a transaction, at a known point.
    """

    def __init__(self):
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.faults: dict[str, list[str]] = {}
        self.attempts: Counter = Counter()
        self.hold_at: int | None = None
        self.hold_stage = "rcpt"
        self.holding = threading.Event()
        self._release = threading.Event()
        self.on_accept = None  # called with the number of messages so far, before the 250 goes out

    def hold_data(self, address: str) -> None:
        """The reply to ``address``'s final dot waits until ``release()``."""
        self.holding, self._release = threading.Event(), threading.Event()
        self.faults[address] = ["hold"]

    def hold(self, after: int, stage: str = "rcpt") -> None:
        self.holding, self._release = threading.Event(), threading.Event()  # fresh: old waiters keep theirs
        self.hold_at, self.hold_stage = after, stage

    def release(self) -> None:
        self.hold_at = None
        self._release.set()

    async def _maybe_hold(self, stage: str) -> bool:
        if self.hold_at is None or self.hold_stage != stage or len(self.messages) < self.hold_at:
            return False
        release = self._release
        self.holding.set()
        await asyncio.get_running_loop().run_in_executor(None, release.wait)
        return True

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if await self._maybe_hold("mail"):
            return "451 4.3.0 held by the test"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    def _fault(self, address: str, stage: str) -> str | None:
        script = self.faults.get(address.lower())
        if script and (script[0].startswith(("data:", "drop", "hold"))) == (stage == "data"):
            return script.pop(0)
        return None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.attempts[address.lower()] += 1
        if await self._maybe_hold("rcpt"):
            return "451 4.3.0 held by the test"
        fault = self._fault(address, "rcpt")
        if fault:
            return fault
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        fault = self._fault(envelope.rcpt_tos[0], "data")
        if fault == "drop":
            server.transport.close()
            return "421 4.4.2 connection dropped by the test"
        if fault == "drop-accepted":
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
            server.transport.close()
            return "250 2.0.0 accepted, but nobody hears it"
        if fault == "hold":  # the server has the message; its reply comes late
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
            release = self._release
            self.holding.set()
            await asyncio.get_running_loop().run_in_executor(None, release.wait)
            return "250 2.0.0 accepted late"
        if fault:
            return fault.removeprefix("data:")
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        if self.on_accept is not None:
            self.on_accept(len(self.messages))
        return "250 2.0.0 accepted"

    def received(self, address: str) -> list[email.message.EmailMessage]:
        return [
            email.message_from_bytes(data, policy=policy.default)
            for _, rcpts, data in self.messages
            if address.lower() in (r.lower() for r in rcpts)
        ]

    def counts(self) -> Counter:
        return Counter(r.lower() for _, rcpts, _ in self.messages for r in rcpts)


class _FreePortController(Controller):
    """aiosmtpd's Controller with port 0: read the port the OS chose before the self-test connects."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class SmtpServer:
    def __init__(self, **kwargs):
        self.handler = Recorder()
        self.controller = _FreePortController(self.handler, hostname="127.0.0.1", port=0, **kwargs)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.handler.release()
        self.controller.stop()

    @property
    def port(self) -> int:
        return self.controller.port

    def env(self) -> dict[str, str]:
        return {
            "NEWSLETTER_SMTP_HOST": "127.0.0.1",
            "NEWSLETTER_SMTP_PORT": str(self.port),
            "NEWSLETTER_SMTP_SECURITY": "none",
            "NEWSLETTER_SMTP_USER": "",
            "NEWSLETTER_UNSUBSCRIBE_SECRET": SECRET,
        }


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


@pytest.fixture(scope="session")
def built_issue(tmp_path_factory, settings) -> Path:
    """One issue built from two posts (with Dutch characters), shared read-only; see ``issue_root``."""
    root = tmp_path_factory.mktemp("issues")
    shutil.copytree(ROOT / "newsletters" / "templates", root / "templates")
    posts = [
        post("een-gesprek", "2026-11-18", title="Eén gesprek dat alles verandert", summary="Over ideeën en één vraag."),
        post("tweede-tip", "2026-11-04", title="Nog een tip", summary="Zo zeg je nee."),
    ]
    build_issue(dt.date.fromisoformat(DATE), settings, root, root / "templates", posts=posts, subject=SUBJECT, now=NOW)
    return root


@pytest.fixture
def issue_root(built_issue, tmp_path) -> Path:
    """A private copy of the built issue (root folder with DATE/ and templates/)."""
    root = tmp_path / "newsletters"
    shutil.copytree(built_issue, root)
    return root


@pytest.fixture
def subscribers(tmp_path) -> Path:
    path = tmp_path / "abonnees.csv"
    path.write_text(SUBSCRIBERS_CSV, encoding="utf-8")
    return path


def config_for(server: SmtpServer, settings: dict, **env):
    return send_settings(settings, {**server.env(), **env})


def write_csv(path: Path, count: int, start: int = 0, unsubscribed_every: int = 0) -> list[str]:
    """A generated list of ``count`` subscribers; returns the active addresses."""
    active = []
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write("email,name,status\n")
        for i in range(start, start + count):
            status = "afgemeld" if unsubscribed_every and i % unsubscribed_every == 0 else "actief"
            fh.write(f"lezer{i}@example.nl,Lezer {i},{status}\n")
            if status == "actief":
                active.append(f"lezer{i}@example.nl")
    return active
