"""The privacy page's promises about the send logs: deleted after the retention, and ``forget`` at once."""

from __future__ import annotations

import datetime as dt
import json

from click.testing import CliRunner

from coachsite.dates import AMSTERDAM
from coachsite.newsletter.retention import forget_in_send_logs, purge_send_logs

NOW = dt.datetime(2026, 11, 25, 12, tzinfo=AMSTERDAM)


def _issue(root, date: str, sent_days_ago: int | None, emails=("anna@example.nl", "piet@example.nl")):
    folder = root / date
    (folder / "dry-run").mkdir(parents=True)
    lines = [{"event": "started", "hash": "x"}]
    for email in emails:
        lines += [{"event": "sending", "email": email}, {"event": "sent", "email": email}]
    (folder / "send-log.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    (folder / "dry-run" / "1.eml").write_text(f"To: {emails[0]}\n\nHallo", encoding="utf-8")
    if sent_days_ago is not None:
        finished = (NOW - dt.timedelta(days=sent_days_ago)).isoformat()
        (folder / "sent.json").write_text(json.dumps({"finished_at": finished, "sent": len(emails)}), encoding="utf-8")
    return folder


def _database(path):
    """An existing (empty) subscriber database: forget and purge refuse a path without one."""
    from coachsite.subscriptions.store import Store

    Store(path).conn()
    return path


def test_purge_deletes_logs_of_issues_sent_longer_ago_than_the_retention(tmp_path):
    old = _issue(tmp_path, "2026-09-30", sent_days_ago=56)
    recent = _issue(tmp_path, "2026-10-28", sent_days_ago=28)
    sending = _issue(tmp_path, "2026-11-25", sent_days_ago=None)  # a send in progress keeps its log
    result = purge_send_logs(tmp_path, 30, NOW)
    assert (result.logs, result.dry_runs) == (1, 1)
    assert not (old / "send-log.jsonl").exists() and not (old / "dry-run").exists() and (old / "sent.json").exists()
    assert (recent / "send-log.jsonl").exists() and (sending / "send-log.jsonl").exists()


def test_forget_removes_one_address_from_every_log_and_dry_run(tmp_path):
    first = _issue(tmp_path, "2026-09-30", sent_days_ago=5)
    second = _issue(tmp_path, "2026-10-28", sent_days_ago=None)
    assert forget_in_send_logs(tmp_path, "ANNA@example.nl") == 4
    for folder in (first, second):
        text = (folder / "send-log.jsonl").read_text(encoding="utf-8")
        assert "anna@" not in text and text.count("piet@example.nl") == 2 and '"started"' in text
        assert not (folder / "dry-run" / "1.eml").exists()
    assert forget_in_send_logs(tmp_path, "anna@example.nl") == 0


def test_cli_forget_and_purge_reach_the_issue_folders(tmp_path):
    from scripts.newsletter import cli

    root = tmp_path / "newsletters"
    _issue(root, "2026-09-30", sent_days_ago=400)
    recent = _issue(root, "2026-10-28", sent_days_ago=2)
    db = ["--db", str(_database(tmp_path / "abonnees.sqlite3"))]
    runner = CliRunner()
    forgot = runner.invoke(cli, ["--root", str(root), "subscribers", *db, "forget", "piet@example.nl"])
    assert forgot.exit_code == 0, forgot.output
    assert "Regels over piet@example.nl uit de verzendlogboeken gehaald: 4" in forgot.output
    assert "piet@" not in (recent / "send-log.jsonl").read_text(encoding="utf-8")
    purged = runner.invoke(cli, ["--root", str(root), "subscribers", *db, "purge", "--days", "30"])
    assert purged.exit_code == 0, purged.output
    assert "meer dan 30 dagen geleden zijn verstuurd, verwijderd: 1" in purged.output
    assert not (root / "2026-09-30" / "send-log.jsonl").exists() and (recent / "send-log.jsonl").exists()


def test_purge_reads_a_hand_written_time_without_zone_as_amsterdam(tmp_path):
    folder = _issue(tmp_path, "2026-09-30", sent_days_ago=None)
    (folder / "sent.json").write_text(json.dumps({"finished_at": "2026-09-30T10:00:00"}), encoding="utf-8")
    assert purge_send_logs(tmp_path, 30, NOW).logs == 1


def test_forget_waits_for_no_send_and_says_so_in_dutch(tmp_path):
    from coachsite.newsletter.sendlog import SendLock
    from scripts.newsletter import cli

    root = tmp_path / "newsletters"
    folder = _issue(root, "2026-11-25", sent_days_ago=None)
    with SendLock(folder):  # a send of this issue is running
        result = CliRunner().invoke(
            cli, ["--root", str(root), "subscribers", "--db", str(_database(tmp_path / "a.sqlite3")), "forget", "anna@example.nl"]
        )
    assert result.exit_code == 1 and "Fout:" in result.output and "Traceback" not in result.output
    assert "anna@example.nl" in (folder / "send-log.jsonl").read_text(encoding="utf-8")  # nothing half-done


def test_a_coach_on_a_csv_list_can_still_forget_and_purge_in_the_send_logs(tmp_path, monkeypatch):
    """Without --db and without a database the list is a CSV: the send logs are cleaned all the
    same and nothing is created; a --db that names no database is a typo and changes nothing."""
    from scripts.newsletter import cli

    root = tmp_path / "newsletters"
    old = _issue(root, "2026-09-30", sent_days_ago=400)
    recent = _issue(root, "2026-10-28", sent_days_ago=2)
    missing = tmp_path / "abonnees.sqlite3"
    monkeypatch.setenv("NEWSLETTER_DB", str(missing))
    runner = CliRunner()
    typo = runner.invoke(cli, ["--root", str(root), "subscribers", "--db", str(tmp_path / "abonees.sqlite3"), "forget", "piet@example.nl"])
    assert typo.exit_code == 1 and "hier staat geen abonneedatabase" in typo.output
    assert "piet@" in (recent / "send-log.jsonl").read_text(encoding="utf-8")
    forgot = runner.invoke(cli, ["--root", str(root), "subscribers", "forget", "piet@example.nl"])
    assert forgot.exit_code == 0, forgot.output
    assert "alleen de verzendlogboeken zijn doorzocht" in forgot.output
    assert "piet@" not in (recent / "send-log.jsonl").read_text(encoding="utf-8")
    nobody = runner.invoke(cli, ["--root", str(root), "subscribers", "forget", "kees@example.nl"])
    assert nobody.exit_code == 1 and "kees@example.nl" in nobody.output and "Traceback" not in nobody.output
    purged = runner.invoke(cli, ["--root", str(root), "subscribers", "purge", "--days", "30"])
    assert purged.exit_code == 0, purged.output
    assert not (old / "send-log.jsonl").exists() and (recent / "send-log.jsonl").exists()
    assert not missing.exists() and not (tmp_path / "abonees.sqlite3").exists()
