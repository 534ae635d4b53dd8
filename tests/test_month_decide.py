"""The daily decision as a pure function: every day of many months, without files or servers."""

from __future__ import annotations

import calendar
import datetime as dt
from pathlib import Path

import pytest

from coachsite.month.auto import NOTHING, REMIND, SEND, TEST, decide, target_issue
from coachsite.month.settings import MonthSettings, month_settings
from coachsite.month.state import MonthState, load_state, save_state
from coachsite.newsletter.schedule import last_wednesday, next_issue_date

MONTH = MonthSettings(
    test_to=("coach@example.nl",), test_days_before=2, reminder_days_before=7,
    deploy_target="/tmp/x/", publish_dir=Path("/tmp/publish"), subscribers="abonnees.csv", site_url="https://example.nl",
)
STAMP = {REMIND: "reminder_checked", TEST: "test_sent", SEND: "sent"}


def walk(year: int, month: int, settings: MonthSettings = MONTH, held_from: int | None = None) -> dict[str, list[int]]:
    """Decide every day of a month twice, doing what was decided; the days of each action."""
    states: dict[dt.date, MonthState] = {}
    done: dict[str, list[int]] = {REMIND: [], TEST: [], SEND: []}
    for day in range(1, calendar.monthrange(year, month)[1] + 1):
        today = dt.date(year, month, day)
        for _run in range(2):
            issue = next_issue_date(today)
            state = states.setdefault(issue, MonthState())
            state.held = held_from is not None and day >= held_from
            decision = decide(today, issue, state, settings)
            assert decision.issue_date == issue
            if decision.action != NOTHING:
                setattr(state, STAMP[decision.action], f"{today}")
                done[decision.action].append(day)
    return done


@pytest.mark.parametrize("year, month", [(2026, m) for m in range(1, 13)] + [(2020, 12), (2024, 2), (2027, 2)])
def test_every_month_has_one_reminder_check_one_test_copy_and_one_send(year, month):
    issue = last_wednesday(year, month).day
    assert walk(year, month) == {REMIND: [issue - 7], TEST: [issue - 2], SEND: [issue]}


def test_december_2026_sends_on_the_30th_and_february_2026_on_the_25th():
    assert walk(2026, 12)[SEND] == [30]
    assert walk(2026, 2)[SEND] == [25]
    assert walk(2026, 7)[SEND] == [29]  # July 2026 has five Wednesdays: the last one


def test_a_hold_stops_test_copy_and_send():
    assert walk(2026, 11, held_from=20) == {REMIND: [18], TEST: [], SEND: []}
    assert walk(2026, 11, held_from=24) == {REMIND: [18], TEST: [23], SEND: []}


def test_a_missed_day_is_caught_up_before_the_issue_date():
    state = MonthState()
    issue = dt.date(2026, 11, 25)
    assert decide(dt.date(2026, 11, 24), issue, state, MONTH).action == TEST  # Monday's run never happened
    assert decide(dt.date(2026, 11, 20), issue, state, MONTH).action == REMIND
    assert decide(dt.date(2026, 11, 17), issue, state, MONTH).action == NOTHING


def test_after_the_issue_date_only_a_started_send_continues():
    issue = dt.date(2026, 11, 25)
    today = dt.date(2026, 11, 26)
    assert decide(today, issue, MonthState(), MONTH).action == NOTHING
    assert decide(today, issue, MonthState(send_started="x"), MONTH).action == SEND
    assert decide(today, issue, MonthState(send_started="x", sent="y"), MONTH).action == NOTHING
    assert decide(today, issue, MonthState(send_started="x", held=True), MONTH).action == NOTHING


def test_other_settings_move_the_days():
    settings = MonthSettings(**{**MONTH.__dict__, "test_days_before": 1, "reminder_days_before": 3})
    assert walk(2026, 11, settings) == {REMIND: [22], TEST: [24], SEND: [25]}


def test_target_issue_continues_an_unfinished_send(tmp_path):
    assert target_issue(dt.date(2026, 11, 26), tmp_path) == dt.date(2026, 12, 30)
    save_state(tmp_path, dt.date(2026, 11, 25), MonthState(send_started="2026-11-25T07:00:00+01:00"))
    assert target_issue(dt.date(2026, 11, 26), tmp_path) == dt.date(2026, 11, 25)
    assert load_state(tmp_path, dt.date(2026, 11, 25)).send_started.startswith("2026-11-25")


def test_settings_come_from_the_environment_first():
    month = month_settings(
        {"NEWSLETTER_TEST_TO": "a@example.nl", "NEWSLETTER_TEST_DAYS_BEFORE": 2, "PUBLIC_SITEURL": "https://example.nl/"},
        {"NEWSLETTER_TEST_TO": "b@example.nl, c@example.nl", "NEWSLETTER_TEST_DAYS_BEFORE": "3", "PUBLISH_DIR": "/srv/site"},
    )
    assert month.test_to == ("b@example.nl", "c@example.nl")
    assert month.test_days_before == 3 and month.reminder_days_before == 7
    assert month.publish_dir == Path("/srv/site") and month.site_url == "https://example.nl"


def test_a_bad_number_of_days_is_a_clear_error():
    from coachsite.clitools import CoachError

    with pytest.raises(CoachError, match="NEWSLETTER_TEST_DAYS_BEFORE is 'maandag'"):
        month_settings({}, {"NEWSLETTER_TEST_DAYS_BEFORE": "maandag"})


def test_a_broken_state_file_names_the_file(tmp_path):
    from coachsite.clitools import CoachError

    folder = tmp_path / "2026-11-25"
    folder.mkdir()
    (folder / "month.json").write_text("{kapot", encoding="utf-8")
    with pytest.raises(CoachError, match="2026-11-25/month.json"):
        load_state(tmp_path, dt.date(2026, 11, 25))
