"""``auto``, ``status``, ``hold`` and ``release`` through Click, with the project's own settings."""

from __future__ import annotations

import re
import shutil

import pytest
from click.testing import CliRunner

from month_helpers import COACH, ROOT, kind
from send_helpers import smtp  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("business_details")


def run(root, *args, env=None):
    from scripts.newsletter import cli

    return CliRunner().invoke(cli, ["--root", str(root), *args], env=env, catch_exceptions=False)


@pytest.fixture
def root(tmp_path):
    root = tmp_path / "newsletters"
    shutil.copytree(ROOT / "newsletters" / "templates", root / "templates")
    return root


def test_a_quiet_day_does_nothing_and_writes_nothing(root):
    result = run(root, "auto", "--today", "2026-11-02")
    assert result.exit_code == 0, result.output
    assert "2026-11-02: nieuwsbrief van 2026-11-25: niets te doen tot een week voor de verzenddag" in result.output
    assert sorted(p.name for p in root.iterdir()) == [".auto.lock", "templates"]  # no issue folder, no state


def test_a_failed_issue_day_exits_non_zero_and_mails_the_coach(root, smtp, tmp_path):
    (tmp_path / "abonnees.csv").write_text("email,name,status\nanna@example.nl,Anna,actief\n", encoding="utf-8")
    env = {
        **smtp.env(), "NEWSLETTER_TEST_TO": COACH, "PUBLISH_DIR": str(tmp_path / "publish"), "DEPLOY_RSYNC_TARGET": "",
        "NEWSLETTER_SUBSCRIBERS": str(tmp_path / "abonnees.csv"),
    }
    result = run(root, "auto", "--today", "2026-11-25", env=env)
    assert result.exit_code == 1
    assert "Fout: DEPLOY_RSYNC_TARGET is niet ingesteld" in result.output
    assert "de coach is per e-mail op de hoogte gebracht" in result.output
    assert [kind(rcpts, "Let op:" if b"Let op" in data else "?") for _, rcpts, data in smtp.handler.messages] == ["failure"]
    assert (tmp_path / "publish" / "nieuwsbrief" / "2026-11-25" / "index.html").exists()  # built, not uploaded

    status = run(root, "status", "--today", "2026-11-25")
    assert "laatste probleem (2026-11-25, de site uploaden): DEPLOY_RSYNC_TARGET is niet ingesteld" in status.output
    assert "verstuurd: nee" in status.output and "volgende ronde: vandaag is de verzenddag" in status.output

    again = run(root, "auto", "--today", "2026-11-25", env=env)
    assert again.exit_code == 1 and "vandaag al over gemaild" in again.output
    assert len(smtp.handler.messages) == 1


def test_hold_and_release(root):
    assert "wordt tegengehouden" in run(root, "hold", "--date", "2026-12-30").output
    status = run(root, "status", "--today", "2026-12-28")
    assert re.search(r"tegengehouden: \d{1,2} [a-z]+ \d{4} om \d\d:\d\d\n", status.output) and "volgende ronde: de nieuwsbrief wordt tegengehouden" in status.output
    assert "mag weer verstuurd worden" in run(root, "release", "--date", "2026-12-30").output
    assert "werd niet tegengehouden" in run(root, "release", "--date", "2026-12-30").output
    wrong = run(root, "hold", "--date", "2026-12-29")
    assert wrong.exit_code == 1 and "Fout: 2026-12-29 is niet de laatste woensdag van de maand" in wrong.output


def test_a_sent_issue_cannot_be_held(root):
    folder = root / "2026-11-25"
    folder.mkdir()
    (folder / "issue.json").write_text('{"date": "2026-11-25", "posts": []}', encoding="utf-8")
    (folder / "sent.json").write_text('{"finished_at": "2026-11-25T08:00:00+01:00"}', encoding="utf-8")
    result = run(root, "hold", "--date", "2026-11-25")
    assert result.exit_code == 1 and "al verstuurd" in result.output
    assert "volgende ronde: de nieuwsbrief is verstuurd" in run(root, "status", "--today", "2026-11-25").output


def test_a_second_auto_while_one_runs_stops_quietly_and_hold_says_why(root):
    from coachsite.month.auto import _RunLock

    with _RunLock(root):
        result = run(root, "auto", "--today", "2026-11-25")
        assert result.exit_code == 0 and "er loopt al een andere auto-ronde" in result.output
        held = run(root, "hold", "--date", "2026-11-25")
        assert held.exit_code == 1 and "Fout: er loopt al een andere auto-ronde" in held.output
    assert not (root / "2026-11-25").exists()


@pytest.mark.parametrize("name", ["auto", "status", "hold", "release"])
def test_every_month_command_and_option_has_dutch_help(name):
    from help_helpers import english_help
    from scripts.newsletter import cli

    assert english_help(cli.commands[name], name) == []


@pytest.mark.parametrize("today, heading", [
    ("2026-11-20", "Nieuwsbrief van 25 november 2026 (over 5 dagen, gerekend vanaf 20 november 2026)"),
    ("2026-11-24", "Nieuwsbrief van 25 november 2026 (over 1 dag, gerekend vanaf 24 november 2026)"),
    ("2026-11-25", "Nieuwsbrief van 25 november 2026 (vandaag)"),
])
def test_status_counts_the_days_in_plain_dutch(root, today, heading):
    assert run(root, "status", "--today", today).output.splitlines()[0] == heading


def test_list_shows_when_an_issue_was_sent_as_a_dutch_date(root):
    """``newsletter.py list``: the sent time as the coach reads it, columns still aligned."""
    sent, waiting = root / "2026-09-30", root / "2026-10-28"
    for folder, slugs in ((sent, ["een"]), (waiting, ["een", "twee"])):
        folder.mkdir()
        posts = ", ".join(f'{{"slug": "{slug}", "title": "{slug}"}}' for slug in slugs)
        (folder / "issue.json").write_text(f'{{"date": "{folder.name}", "posts": [{posts}], "subject": "Tips"}}',
                                           encoding="utf-8")
    (sent / "sent.json").write_text('{"finished_at": "2026-09-30T19:22:00+00:00"}', encoding="utf-8")
    lines = [line for line in run(root, "list").output.splitlines() if line.startswith("2026")]
    assert lines[0] == "2026-09-30  verstuurd 30 september 2026 om 21:22  1 artikel  Tips"
    assert lines[1].startswith("2026-10-28  niet verstuurd  ") and lines[1].endswith("2 artikelen  Tips")
    assert lines[0].index("1 artikel") == lines[1].index("2 artikelen")
