"""Whole months of ``auto`` on real parts: aiosmtpd, rsync to a local folder, an HTTP server as the
live site. Each day runs twice (cron at 7:00 and 19:00): the second run must do nothing new."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import socket
from collections import Counter

import pytest
from click.testing import CliRunner

from coachsite.month.state import load_state
from month_helpers import ACTIVE, COACH, ROOT, SUBSCRIBERS, Month, add_post, kind, live_site, untagged_content
from send_helpers import smtp  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("business_details")


@pytest.fixture(scope="module")
def content(tmp_path_factory):
    return untagged_content(tmp_path_factory.mktemp("month") / "content")


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """(rsync target, its URL): the folder the deploy writes and the server in front of it."""
    target = tmp_path_factory.mktemp("live") / "www"
    with live_site(target) as url, pytest.MonkeyPatch.context() as patch:
        patch.setenv("SITEURL", url)
        yield target, url


def make_month(content, smtp, tmp_path, target, **env) -> Month:
    root = tmp_path / "newsletters"
    shutil.copytree(ROOT / "newsletters" / "templates", root / "templates")
    subscribers = tmp_path / "abonnees.csv"
    subscribers.write_text(SUBSCRIBERS, encoding="utf-8")
    environ = {
        **smtp.env(),
        "NEWSLETTER_TEST_TO": COACH,
        "DEPLOY_RSYNC_TARGET": f"{target}/",
        "PUBLISH_DIR": str(tmp_path / "publish"),
        "NEWSLETTER_SUBSCRIBERS": str(subscribers),
        **env,
    }
    return Month(content=content, root=root, environ=environ, smtp=smtp)


def kinds_by_day(month: Month) -> dict[dt.date, Counter]:
    return {day: Counter(kind(rcpts, subject) for rcpts, subject in mails) for day, mails in month.mail_days().items()}


@pytest.mark.parametrize(
    "year, month_, issue, tagged_on",
    [
        (2026, 7, 29, 24),  # five Wednesdays (1, 8, 15, 22, 29); no post until the 24th: one reminder on the 22nd
        (2020, 12, 30, 1),  # December, issue on the 30th; a post from the 1st: no reminder
        (2026, 2, 25, 20),  # February (28 days); post on the 20th, after the reminder on the 18th
    ],
)
def test_a_whole_month_reminds_tests_and_sends_exactly_once(content, live, smtp, tmp_path, year, month_, issue, tagged_on):
    target, url = live
    month = make_month(content, smtp, tmp_path, target)
    issue_date = dt.date(year, month_, issue)
    title = f"Tip van de maand {issue_date.isoformat()}: vraag één keer meer door"

    def tag_post(today):
        if today.day == tagged_on:
            add_post(content, today, title)

    month.walk(year, month_, before_day=tag_post)

    reminder_day = issue_date - dt.timedelta(days=7)
    expected = {
        issue_date - dt.timedelta(days=2): Counter({"test copy": 1, "test announcement": 1}),
        issue_date: Counter({"issue": len(ACTIVE), "report": 1}),
    }
    if tagged_on > reminder_day.day:
        expected[reminder_day] = Counter({"reminder": 1})
    assert kinds_by_day(month) == expected
    assert all(smtp.handler.counts()[a] == 1 for a in ACTIVE)
    assert "weg@example.nl" not in smtp.handler.counts()
    errors = [(day, error) for day, _action, error, _mails in month.log if error]
    assert errors == []
    # Both runs of the issue day: the first sends, the second finds it sent.
    actions = [action for day, action, _e, _m in month.log if day == issue_date]
    assert actions == ["send", "nothing"]

    test_copy = smtp.handler.received(COACH)
    subjects = [m["Subject"] for m in test_copy]
    assert any(s.startswith("[TEST] ") and title in s for s in subjects)
    page = (target / "nieuwsbrief" / issue_date.isoformat() / "index.html").read_text(encoding="utf-8")
    assert title in page
    state = load_state(month.root, issue_date)
    assert state.sent and state.deployed and state.live_checked and state.test_sent and not state.held
    assert (month.root / issue_date.isoformat() / "sent.json").exists()


def test_hold_after_the_test_copy_stops_the_send_until_release(content, live, smtp, tmp_path):
    from scripts.newsletter import cli

    target, url = live
    month = make_month(content, smtp, tmp_path, target)
    issue_date = dt.date(2026, 3, 25)
    add_post(content, dt.date(2026, 3, 4), "Tip van maart: eerst luisteren, dan oplossen")
    runner = CliRunner()

    def hold_on_the_24th(today):
        if today.day == 24:
            result = runner.invoke(cli, ["--root", str(month.root), "hold", "--date", "2026-03-25"])
            assert result.exit_code == 0 and "tegengehouden" in result.output

    month.walk(2026, 3, before_day=hold_on_the_24th)
    assert kinds_by_day(month) == {dt.date(2026, 3, 23): Counter({"test copy": 1, "test announcement": 1})}
    assert not (tmp_path / "publish").exists()  # nothing was even built for the live site
    assert not (month.root / "2026-03-25" / "send-log.jsonl").exists()  # the test copy is never logged as sent
    test_copy = smtp.handler.received(COACH)[0]
    assert test_copy["Subject"].startswith("[TEST] Tips van maart – ") and test_copy["To"] == COACH
    status = runner.invoke(cli, ["--root", str(month.root), "status", "--today", "2026-03-25"])
    assert re.search(r"tegengehouden: \d{1,2} [a-z]+ \d{4} om \d\d:\d\d", status.output) and "verstuurd: nee" in status.output

    result = runner.invoke(cli, ["--root", str(month.root), "release", "--date", "2026-03-25"])
    assert result.exit_code == 0 and "mag weer verstuurd worden" in result.output
    outcome = month.auto(issue_date, hour=20)  # the evening run of the issue day
    assert outcome.error is None
    assert all(smtp.handler.counts()[a] == 1 for a in ACTIVE)


def test_unwritable_deploy_target_sends_nothing_and_tells_the_coach(content, live, smtp, tmp_path):
    blocker = tmp_path / "geen-map"
    blocker.write_text("a file where the site's folder should be\n", encoding="utf-8")
    month = make_month(content, smtp, tmp_path, blocker / "www")
    issue_date = dt.date(2026, 4, 29)
    add_post(content, dt.date(2026, 4, 8), "Tip van april: zeg wat je gaat doen, en doe het")
    month.walk(2026, 4, days=range(27, 31))

    mails = kinds_by_day(month)
    assert mails[issue_date] == Counter({"failure": 1})  # told once, though auto ran twice that day
    assert all(smtp.handler.counts()[a] == 0 for a in ACTIVE)
    errors = [(day, error) for day, _a, error, _m in month.log if error]
    assert [day for day, _ in errors] == [issue_date, issue_date]  # the day after: nothing started, nothing late
    assert "geen-map" in errors[0][1]
    failure = smtp.handler.received(COACH)[-1]
    assert failure["Subject"] == "Let op: probleem met de nieuwsbrief van 29 april 2026"
    assert "de site uploaden" in failure.get_body(("plain",)).get_content()
    state = load_state(month.root, issue_date)
    assert state.deployed is None and state.send_started is None and state.sent is None


def test_web_copy_missing_from_the_live_site_sends_nothing(content, smtp, tmp_path):
    deployed_to = tmp_path / "upload"  # the upload works, but the live site serves another folder
    with live_site(tmp_path / "oude-site") as url, pytest.MonkeyPatch.context() as patch:
        patch.setenv("SITEURL", url)
        month = make_month(content, smtp, tmp_path, deployed_to)
        issue_date = dt.date(2026, 5, 27)
        add_post(content, dt.date(2026, 5, 13), "Tip van mei: laat de klant kiezen")
        month.walk(2026, 5, runs_per_day=1, days=[25, 27])
    assert (deployed_to / "nieuwsbrief" / "2026-05-27" / "index.html").exists()
    assert all(smtp.handler.counts()[a] == 0 for a in ACTIVE)
    _day, action, error, mails = month.log[-1]
    assert action == "send" and "404" in error and "/nieuwsbrief/2026-05-27/" in error
    assert [kind(r, s) for r, s in mails] == ["failure"]
    assert load_state(month.root, issue_date).send_started is None


def test_smtp_down_on_the_issue_day_the_next_run_continues_without_doubles(content, live, smtp, tmp_path):
    target, url = live
    month = make_month(content, smtp, tmp_path, target)
    issue_date = dt.date(2026, 6, 24)
    add_post(content, dt.date(2026, 6, 3), "Tip van juni: bel terug voordat de klant belt")
    month.walk(2026, 6, runs_per_day=1, days=[22])  # the test copy went out on Monday
    working_port = month.environ["NEWSLETTER_SMTP_PORT"]
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))  # a port nobody listens on
        month.environ["NEWSLETTER_SMTP_PORT"] = str(closed.getsockname()[1])
        morning = month.auto(issue_date, hour=7)
    assert morning.error and "127.0.0.1" in morning.error
    assert any("kon niet gemaild worden" in line for line in morning.done)  # she hears it from the exit status
    state = load_state(month.root, issue_date)
    assert state.live_checked and state.send_started and not state.sent

    month.environ["NEWSLETTER_SMTP_PORT"] = working_port
    evening = month.auto(issue_date, hour=19)
    assert evening.error is None
    assert [smtp.handler.counts()[a] for a in ACTIVE] == [1, 1]
    assert [kind(r, s) for r, s in month.log[-1][3]] == ["issue", "issue", "report"]
    assert load_state(month.root, issue_date).sent


def test_a_month_without_posts_reminds_then_warns_each_day_and_sends_nothing(content, live, smtp, tmp_path):
    target, url = live
    month = make_month(content, smtp, tmp_path, target)
    month.walk(2026, 8)  # nobody tags a post for 26 August
    assert kinds_by_day(month) == {
        dt.date(2026, 8, 19): Counter({"reminder": 1}),
        dt.date(2026, 8, 24): Counter({"failure": 1}),  # the test copy cannot be built
        dt.date(2026, 8, 25): Counter({"failure": 1}),
        dt.date(2026, 8, 26): Counter({"failure": 1}),
    }
    failure = smtp.handler.received(COACH)[-1].get_body(("plain",)).get_content()
    assert "bij de stap 'de nieuwsbrief maken'" in failure and "Geen artikelen voor de nieuwsbrief van 26 augustus 2026" in failure
    assert not (tmp_path / "publish").exists() and not list(target.glob("nieuwsbrief/2026-08-26"))
