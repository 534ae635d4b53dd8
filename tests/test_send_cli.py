"""The ``send`` and ``unsubscribe`` commands through Click (``CliRunner``), against a real SMTP server."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from coachsite.newsletter.archive import SENT_FILE
from coachsite.newsletter.tokens import make_token
from send_helpers import ACTIVE, DATE, SECRET, SUBSCRIBERS_CSV, built_issue, issue_root, smtp, subscribers  # noqa: F401


def run(root, *args, env=None):
    from scripts.newsletter import cli

    return CliRunner().invoke(cli, ["--root", str(root), *args], env=env, catch_exceptions=False)


@pytest.fixture
def env(smtp, monkeypatch):
    for name in ("NEWSLETTER_SMTP_PASSWORD", "NEWSLETTER_FROM", "NEWSLETTER_REPLY_TO"):
        monkeypatch.delenv(name, raising=False)
    return smtp.env()


def test_send_prints_summary_problems_and_marks_the_issue(smtp, env, issue_root, subscribers):
    result = run(issue_root, "send", "--date", DATE, "--subscribers", str(subscribers), env=env)
    assert result.exit_code == 0, result.output
    assert smtp.handler.counts() == {a: 1 for a in ACTIVE}
    assert "Sent 4, already sent earlier 0, failed 0, not sent yet 0; skipped: invalid 1, unsubscribed 3, duplicates 1." in result.output
    assert f"{subscribers}, line 7: 'geen-adres' is not a valid e-mail address" in result.output
    assert f"{subscribers}, line 6: ANNA@example.nl is already on line 2" in result.output
    assert "Done: every active subscriber has the issue" in result.output
    assert (issue_root / DATE / SENT_FILE).exists()

    again = run(issue_root, "send", "--date", DATE, "--subscribers", str(subscribers), env=env)
    assert again.exit_code == 0 and "already sent" in again.output and "nothing to do" in again.output
    assert len(smtp.handler.messages) == 4


def test_send_exits_non_zero_when_someone_failed(smtp, env, issue_root, subscribers):
    smtp.handler.faults = {"zoe@example.nl": ["550 5.1.1 no such user"]}
    result = run(issue_root, "send", "--date", DATE, "--subscribers", str(subscribers), env=env)
    assert result.exit_code == 1
    assert "failed: zoe@example.nl (line 3): 5.1.1 no such user" in result.output
    assert "run the same command again" in result.output
    assert not (issue_root / DATE / SENT_FILE).exists()


def test_send_limit_and_rate_options(smtp, env, issue_root, subscribers):
    result = run(issue_root, "send", "--date", DATE, "--subscribers", str(subscribers), "--limit", "3", "--rate", "1000", env=env)
    assert result.exit_code == 0, result.output
    assert "Sent 3," in result.output and "not sent yet 1" in result.output
    assert len(smtp.handler.messages) == 3


def test_send_dry_run(smtp, env, issue_root, subscribers):
    result = run(issue_root, "send", "--date", DATE, "--subscribers", str(subscribers), "--dry-run", env=env)
    assert result.exit_code == 0, result.output
    assert "Dry run: would send 4" in result.output and "nothing was sent" in result.output
    assert "dry-run/01-anna@example.nl.eml" in result.output
    assert smtp.handler.messages == []


@pytest.mark.parametrize(
    "args, env_change, message",
    [
        ([], {"NEWSLETTER_UNSUBSCRIBE_SECRET": ""}, "NEWSLETTER_UNSUBSCRIBE_SECRET is not set"),
        ([], {"NEWSLETTER_SMTP_SECURITY": "ssl"}, "use one of none, starttls, tls"),
        (["--date", "2026-10-28"], {}, "deze nieuwsbrief is niet te lezen"),
        (["--subscribers", "bestaat-niet.csv"], {}, "cannot open the subscriber file"),
        (["--limit", "-1"], {}, "-1"),
        (["--rate", "0"], {}, "0"),
    ],
)
def test_send_bad_input_is_a_clear_error(env, issue_root, subscribers, args, env_change, message):
    base = {"--date": DATE, "--subscribers": str(subscribers)}
    options = [a for k, v in base.items() if k not in args for a in (k, v)] + args
    result = run(issue_root, "send", *options, env={**env, **env_change})
    assert result.exit_code != 0
    assert message in result.output


def test_unsubscribe_by_email_token_and_file(env, issue_root, subscribers, tmp_path):
    result = run(issue_root, "unsubscribe", "--subscribers", str(subscribers), "--email", "Anna@Example.nl", env=env)
    assert result.exit_code == 0, result.output
    assert "Unsubscribed: anna@example.nl (line 2)" in result.output
    assert "Unsubscribed: ANNA@example.nl (line 6)" in result.output
    assert "abonnees.csv.bak" in result.output

    token = make_token("zoe@example.nl", SECRET.encode())
    result = run(issue_root, "unsubscribe", "--subscribers", str(subscribers), "--token", token, env=env)
    assert result.exit_code == 0 and "Unsubscribed: zoe@example.nl (line 3)" in result.output

    requests = tmp_path / "verzoeken.txt"
    requests.write_text(
        f"# export van het afmeldformulier\nhttps://nieuwsbrief.klantgerichtwerkt.nl/afmelden?token={make_token('jan@example.nl', SECRET.encode())}\n"
        "weg@example.nl\n",
        encoding="utf-8",
    )
    result = run(issue_root, "unsubscribe", "--subscribers", str(subscribers), "--from-file", str(requests), env=env)
    assert result.exit_code == 0, result.output
    assert "Unsubscribed: jan@example.nl (line 8)" in result.output
    assert "Already unsubscribed: weg@example.nl" in result.output

    lines = subscribers.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "email,name,status,subscribed_at,bron"
    assert lines[1] == "anna@example.nl,Anna,afgemeld,2026-01-05,website"
    assert lines[7] == 'jan@example.nl,"Jan, de Vries",afgemeld,2026-05-01,"website, pagina 2"'
    assert lines[3] == SUBSCRIBERS_CSV.splitlines()[3]  # piet untouched
    assert len(lines) == len(SUBSCRIBERS_CSV.splitlines())


def test_unsubscribe_with_a_bad_token_changes_nothing(env, issue_root, subscribers, tmp_path):
    requests = tmp_path / "verzoeken.txt"
    requests.write_text("anna@example.nl\nvervalst.token\n", encoding="utf-8")
    result = run(issue_root, "unsubscribe", "--subscribers", str(subscribers), "--from-file", str(requests), env=env)
    assert result.exit_code == 1
    assert f"{requests}, line 2:" in result.output and "nothing was changed" in result.output
    assert subscribers.read_text(encoding="utf-8") == SUBSCRIBERS_CSV


def test_unsubscribe_unknown_address_is_reported_and_exit_code_is_1(env, issue_root, subscribers):
    result = run(issue_root, "unsubscribe", "--subscribers", str(subscribers),
                 "--email", "onbekend@example.nl", "--email", "piet@example.nl", env=env)
    assert result.exit_code == 1
    assert "Unsubscribed: piet@example.nl (line 4)" in result.output
    assert "not in" in result.output and "onbekend@example.nl" in result.output


def test_unsubscribe_needs_something_to_do(env, issue_root, subscribers):
    result = run(issue_root, "unsubscribe", "--subscribers", str(subscribers), env=env)
    assert result.exit_code == 1 and "give --email, --token or --from-file" in result.output


def test_token_without_secret_is_a_clear_error(issue_root, subscribers, monkeypatch):
    monkeypatch.delenv("NEWSLETTER_UNSUBSCRIBE_SECRET", raising=False)
    result = run(issue_root, "unsubscribe", "--subscribers", str(subscribers), "--token", "abc.def")
    assert result.exit_code == 1 and "NEWSLETTER_UNSUBSCRIBE_SECRET is not set" in result.output


@pytest.mark.parametrize("command", ["send", "unsubscribe"])
def test_every_option_has_help(command):
    from scripts.newsletter import cli

    for param in cli.commands[command].params:
        assert getattr(param, "help", None), f"{command} {param.name}"
