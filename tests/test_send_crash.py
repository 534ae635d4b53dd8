"""Kill ``send`` (SIGKILL, as a crash or a closed laptop would) again and again, run the same
command again each time, and check that every active subscriber ends up with exactly one copy.

The kills happen at points where the outcome is known, so the test is deterministic: while the
client waits for the server's reply to MAIL or RCPT (the server holds the reply until the test has
killed the client), and while the client waits out a backoff after a 4xx. The test polls the
server's state with a deadline; it never sleeps to let time pass.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from coachsite.newsletter.archive import SENT_FILE
from coachsite.newsletter.sendlog import LOG_FILE
from send_helpers import DATE, built_issue, issue_root, smtp, write_csv  # noqa: F401 (fixtures)

ROOT = Path(__file__).resolve().parent.parent
DEADLINE = 60  # seconds; only reached if something hangs


def start_send(root: Path, subscribers: Path, env: dict, tmp_path: Path, run: int) -> subprocess.Popen:
    out = open(tmp_path / f"run{run}.out", "w")
    return subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "newsletter.py"), "--root", str(root),
         "send", "--date", DATE, "--subscribers", str(subscribers)],
        env={**os.environ, **env},
        stdout=out,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
    )


def wait_for(condition, proc: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        if proc.poll() is not None:
            pytest.fail(f"send exited ({proc.returncode}) before {what}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.01)  # polling interval only


def kill(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=DEADLINE) == -signal.SIGKILL


def logged(root: Path) -> list[str]:
    path = root / DATE / LOG_FILE
    if not path.exists():
        return []
    return [e["email"] for e in map(json.loads, path.read_text(encoding="utf-8").splitlines()) if e["status"] == "sent"]


def uncertain(root: Path) -> set[str]:
    from coachsite.newsletter.sendlog import SendLog

    return set(SendLog(root / DATE).read(repair=False).uncertain)


def assert_consistent(smtp, root: Path, unsubscribed: set[str]) -> None:
    """Nobody twice, nobody unsubscribed, and the log says exactly who has it."""
    counts = smtp.handler.counts()
    assert all(n == 1 for n in counts.values()), counts
    assert not set(counts) & unsubscribed
    assert sorted(logged(root)) == sorted(counts)


def test_killed_again_and_again_then_everyone_has_exactly_one_copy(smtp, issue_root, tmp_path):
    subscribers = tmp_path / "abonnees.csv"
    active = write_csv(subscribers, 30, unsubscribed_every=7)  # 25 active, 5 afgemeld
    with open(subscribers, "a", encoding="utf-8") as fh:
        fh.write("LEZER3@example.nl,Lezer drie,actief\n")  # a duplicate
    unsubscribed = {f"lezer{i}@example.nl" for i in range(0, 30, 7)}
    env = {**smtp.env()}
    handler = smtp.handler

    # 1: killed while the server holds its reply to MAIL FROM of the 5th message.
    handler.hold(4, "mail")
    proc = start_send(issue_root, subscribers, env, tmp_path, 1)
    wait_for(handler.holding.is_set, proc, "the 5th message")
    kill(proc)
    handler.release()
    assert len(handler.messages) == 4
    assert_consistent(smtp, issue_root, unsubscribed)

    # 2: killed while the server holds its reply to RCPT TO of the 12th message.
    handler.hold(11, "rcpt")
    proc = start_send(issue_root, subscribers, env, tmp_path, 2)
    wait_for(handler.holding.is_set, proc, "the 12th message")
    kill(proc)
    handler.release()
    assert len(handler.messages) == 11
    assert_consistent(smtp, issue_root, unsubscribed)

    # 3: killed while waiting out the backoff after a 451 (the recipient stays greylisted).
    greylisted = active[14]
    handler.faults[greylisted] = ["451 4.7.1 greylisted"] * 100
    proc = start_send(issue_root, subscribers, env, tmp_path, 3)
    wait_for(lambda: handler.attempts[greylisted] >= 1, proc, f"the 451 for {greylisted}")
    kill(proc)
    handler.faults.clear()
    assert len(handler.messages) == 14
    assert_consistent(smtp, issue_root, unsubscribed)

    # 4: killed right after it started, before it sent anything.
    handler.hold(14, "mail")
    proc = start_send(issue_root, subscribers, env, tmp_path, 4)
    wait_for(handler.holding.is_set, proc, "the 15th message")
    kill(proc)
    handler.release()
    assert not (issue_root / DATE / SENT_FILE).exists()

    # The same command once more: it finishes, and the issue is marked sent.
    proc = start_send(issue_root, subscribers, env, tmp_path, 5)
    assert proc.wait(timeout=DEADLINE) == 0, (tmp_path / "run5.out").read_text()
    assert_consistent(smtp, issue_root, unsubscribed)
    assert handler.counts() == {address: 1 for address in active}
    assert json.loads((issue_root / DATE / SENT_FILE).read_text(encoding="utf-8"))["sent"] == 25
    output = (tmp_path / "run5.out").read_text()
    assert "Verstuurd 11, al eerder verstuurd 14, mislukt 0, onzeker 0" in output

    # And after that, running it again sends nothing.
    proc = start_send(issue_root, subscribers, env, tmp_path, 6)
    assert proc.wait(timeout=DEADLINE) == 0
    assert "is al verstuurd" in (tmp_path / "run6.out").read_text()
    assert handler.counts() == {address: 1 for address in active}


# --- The crash matrix: SIGKILL at each moment of one message, then the same command again ----


def start_driver(point: str, nth: int, root: Path, subscribers: Path, env: dict, tmp_path: Path) -> subprocess.Popen:
    out = open(tmp_path / f"{point}.out", "w")
    return subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("send_crash_driver.py")), point, str(nth), "--",
         "--root", str(root), "send", "--date", DATE, "--subscribers", str(subscribers)],
        env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT, cwd=tmp_path,
    )


def rerun(root: Path, subscribers: Path, env: dict, tmp_path: Path, *extra: str) -> tuple[int, str]:
    out = tmp_path / "rerun.out"
    with open(out, "w") as fh:
        code = subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "newsletter.py"), "--root", str(root),
             "send", "--date", DATE, "--subscribers", str(subscribers), *extra],
            env={**os.environ, **env}, stdout=fh, stderr=subprocess.STDOUT, cwd=tmp_path, timeout=DEADLINE,
        ).returncode
    return code, out.read_text()


# point -> (does the server have the 5th message after the kill, is it uncertain on the rerun)
MATRIX = {
    "intent-write": (False, False),  # half an intent: the dot was never sent; the rerun sends it
    "before-dot": (False, True),  # the intent is on disk: the rerun cannot know the dot was not sent
    "after-dot": (True, True),  # the server holds its reply; the client dies waiting
    "before-outcome": (True, True),  # 250 received, nothing written yet
    "outcome-write": (True, True),  # half an outcome line: the intent decides
}


@pytest.mark.parametrize("point", list(MATRIX))
def test_sigkill_at_any_moment_never_doubles_and_names_who_is_uncertain(smtp, issue_root, tmp_path, point):
    subscribers = tmp_path / "abonnees.csv"
    active = write_csv(subscribers, 12)
    fifth = active[4]
    env = smtp.env()
    if point == "after-dot":
        smtp.handler.hold_data(fifth)
        proc = start_send(issue_root, subscribers, env, tmp_path, 1)
        wait_for(smtp.handler.holding.is_set, proc, f"the final dot of {fifth}")
        kill(proc)
        smtp.handler.release()
    else:
        proc = start_driver(point, 5, issue_root, subscribers, env, tmp_path)
        assert proc.wait(timeout=DEADLINE) == -signal.SIGKILL, (tmp_path / f"{point}.out").read_text()
    server_has_it, is_uncertain = MATRIX[point]
    assert smtp.handler.counts() == {a: 1 for a in active[: 5 if server_has_it else 4]}

    code, output = rerun(issue_root, subscribers, env, tmp_path)
    counts = smtp.handler.counts()
    assert all(n == 1 for n in counts.values()), counts  # nobody twice
    reported = uncertain(issue_root)
    assert {a for a in active if counts[a] != 1} <= reported  # everyone not reached is named
    if is_uncertain:
        assert code == 1 and reported == {fifth}
        assert f"Onzeker, niet opnieuw verstuurd (1)" in output and f"  {fifth} (" in output
        assert counts[fifth] == (1 if server_has_it else 0)
        assert not (issue_root / DATE / SENT_FILE).exists()
    else:
        assert code == 0 and reported == set(), output
        assert counts == {a: 1 for a in active} and (issue_root / DATE / SENT_FILE).exists()

    again, _output = rerun(issue_root, subscribers, env, tmp_path)  # and again: still nobody twice
    assert smtp.handler.counts() == counts
    if point == "before-dot":  # the coach checks and decides: this one never got it
        code, output = rerun(issue_root, subscribers, env, tmp_path, "--resend-uncertain")
        assert code == 0, output
        assert smtp.handler.counts() == {a: 1 for a in active} and (issue_root / DATE / SENT_FILE).exists()


def test_list_names_the_uncertain_recipients(smtp, issue_root, tmp_path):
    subscribers = tmp_path / "abonnees.csv"
    active = write_csv(subscribers, 6)
    proc = start_driver("before-outcome", 2, issue_root, subscribers, smtp.env(), tmp_path)
    assert proc.wait(timeout=DEADLINE) == -signal.SIGKILL
    listing = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "newsletter.py"), "--root", str(issue_root), "list"],
        capture_output=True, text=True, timeout=DEADLINE, env=os.environ,
    )
    assert listing.returncode == 0, listing.stderr
    assert "    versturen begonnen: 1 verstuurd, 0 mislukt, 1 onzeker\n" in listing.stdout
    assert f"    onzeker: {active[1]}\n" in listing.stdout


def test_the_issue_report_400_subscribers_killed_four_times_as_the_server_takes_a_message(smtp, issue_root, tmp_path):
    """The measurement in issue #12 (two subscribers got a second copy): SIGKILL the moment the
    server has a message, before its 250 goes out, four times, rerunning each time."""
    subscribers = tmp_path / "abonnees.csv"
    active = write_csv(subscribers, 400)
    env = smtp.env()
    for run, at in enumerate((37, 120, 121, 333), start=1):
        proc = start_send(issue_root, subscribers, env, tmp_path, run)
        smtp.handler.on_accept = lambda count, at=at, proc=proc: count == at and os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=DEADLINE * 2) == -signal.SIGKILL, (tmp_path / f"run{run}.out").read_text()
        smtp.handler.on_accept = None
    code, output = rerun(issue_root, subscribers, env, tmp_path)
    counts = smtp.handler.counts()
    assert all(n == 1 for n in counts.values()), {a: n for a, n in counts.items() if n > 1}
    reported = uncertain(issue_root)
    assert len(reported) == 4 and all(f"  {address} (" in output for address in reported)
    assert {a for a in active if counts[a] != 1} <= reported and code == 1
    assert sum(counts.values()) == 400
