"""``newsletter.py send`` that SIGKILLs itself at one point of the Nth message (for test_send_crash.py).

Usage: ``python send_crash_driver.py POINT N -- <newsletter.py arguments>``. The points are moments
only the sending process can hit exactly:

- ``before-dot``: the intent is on disk, the final dot not yet sent;
- ``intent-write``: half of the intent line is written;
- ``before-outcome``: the server said 250, the outcome is not written yet;
- ``outcome-write``: half of the outcome line is written.

(The moment between the dot and the server's reply is made by the server, which holds its reply.)
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coachsite.newsletter import sendlog  # noqa: E402

point, nth = sys.argv[1], int(sys.argv[2])
arguments = sys.argv[sys.argv.index("--") + 1:]
seen = {sendlog.SENDING: 0, sendlog.SENT: 0}
append = sendlog.SendLog.append


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def half_line(log: sendlog.SendLog, entry: dict) -> None:
    line = (json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
    fd = os.open(log.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.write(fd, line[: len(line) // 2])
    os.fsync(fd)
    die()


def killing_append(self, entry: dict, durable: bool = True) -> None:
    status = entry.get("status")
    if status in seen:
        seen[status] += 1
    hit = status in seen and seen[status] == nth
    if hit and (point, status) in {("intent-write", sendlog.SENDING), ("outcome-write", sendlog.SENT)}:
        half_line(self, entry)
    if hit and (point, status) == ("before-outcome", sendlog.SENT):
        die()
    append(self, entry, durable)
    if hit and (point, status) == ("before-dot", sendlog.SENDING):
        die()


sendlog.SendLog.append = killing_append

from scripts.newsletter import cli  # noqa: E402

cli(arguments)
