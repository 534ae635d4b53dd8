"""The ``send`` and ``unsubscribe`` commands through Click (``CliRunner``), against a real SMTP server."""

from __future__ import annotations

import re

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
    assert ("Verstuurd 4, al eerder verstuurd 0, mislukt 0, onzeker 0, nog niet verstuurd 0; overgeslagen: "
            "ongeldig 1, afgemeld 3, dubbel 1.") in result.output
    assert f"Overgeslagen, geen geldig adres (1):\n  {subscribers}, regel 7: 'geen-adres' is geen geldig e-mailadres\n" in result.output
    assert f"{subscribers}, regel 6: ANNA@example.nl staat al op regel 2" in result.output
    assert "Klaar: elke actieve abonnee heeft de nieuwsbrief" in result.output
    assert (issue_root / DATE / SENT_FILE).exists()

    again = run(issue_root, "send", "--date", DATE, "--subscribers", str(subscribers), env=env)
    assert again.exit_code == 0
    assert re.search(r"^De nieuwsbrief van 25 november 2026 is al verstuurd \(\d+ \w+ \d{4} om \d\d:\d\d, 4 abonnees uit "
                     rf"{re.escape(subscribers.name)}\); er is niets te doen\.$", again.output, re.M), again.output
    assert len(smtp.handler.messages) == 4


def test_send_exits_non_zero_when_someone_failed(smtp, env, issue_root, subscribers):
    smtp.handler.faults = {"zoe@example.nl": ["550 5.1.1 no such user"]}
    result = run(issue_root, "send", "--date", DATE, "--subscribers", str(subscribers), env=env)
    assert result.exit_code == 1
    assert "mislukt: zoe@example.nl (regel 3): 5.1.1 no such user" in result.output
    assert "Nog niet klaar: geef hetzelfde commando nog eens" in result.output
    assert not (issue_root / DATE / SENT_FILE).exists()


def test_send_limit_and_rate_options(smtp, env, issue_root, subscribers):
    result = run(issue_root, "send", "--date", DATE, "--subscribers", str(subscribers), "--limit", "3", "--rate", "1000", env=env)
    assert result.exit_code == 0, result.output
    assert "Verstuurd 3," in result.output and "nog niet verstuurd 1" in result.output
    assert len(smtp.handler.messages) == 3


def test_send_dry_run(smtp, env, issue_root, subscribers):
    result = run(issue_root, "send", "--date", DATE, "--subscribers", str(subscribers), "--dry-run", env=env)
    assert result.exit_code == 0, result.output
    assert "Proefrun: zou versturen 4" in result.output and "er is niets verstuurd" in result.output
    assert "dry-run/01-anna@example.nl.eml" in result.output
    assert smtp.handler.messages == []


@pytest.mark.parametrize(
    "args, env_change, message",
    [
        ([], {"NEWSLETTER_UNSUBSCRIBE_SECRET": ""}, "NEWSLETTER_UNSUBSCRIBE_SECRET is niet ingesteld"),
        ([], {"NEWSLETTER_SMTP_SECURITY": "ssl"}, "gebruik een van none, starttls, tls"),
        (["--date", "2026-10-28"], {}, "issue.json bestaat niet: maak eerst de nieuwsbrief (make newsletter DATE=2026-10-28)"),
        (["--subscribers", "bestaat-niet.csv"], {}, "kan het abonneebestand niet openen"),
        ([], {"NEWSLETTER_SMTP_HOST": "smtp.example.nl", "NEWSLETTER_SMTP_USER": "nb", "NEWSLETTER_SMTP_PASSWORD": "geheim-ww"},
         "het wachtwoord zou onversleuteld naar smtp.example.nl gaan"),
        (["--limit", "-1"], {}, "Fout: Ongeldige waarde voor '--limit': -1 valt buiten het bereik x>=0."),
        (["--limit", "veel"], {}, "'veel' is geen getal (geheel getal)."),
        (["--rate", "0"], {}, "Fout: Ongeldige waarde voor '--rate': 0.0 valt buiten het bereik x>0."),
        (["--rate", "0,5"], {}, "'0,5' is geen getal (getal met een punt als decimaalteken, bijvoorbeeld 0.5)."),
        (["--date", "25-11-2026"], {}, "Fout: Ongeldige waarde voor '--date': '25-11-2026' is geen datum zoals 2026-11-25"),
    ],
)
def test_send_bad_input_is_a_clear_error(env, issue_root, subscribers, args, env_change, message):
    base = {"--date": DATE, "--subscribers": str(subscribers)}
    options = [a for k, v in base.items() if k not in args for a in (k, v)] + args
    result = run(issue_root, "send", *options, env={**env, **env_change})
    assert result.exit_code != 0
    assert message in result.output
    assert "geheim-ww" not in result.output  # secrets never in a message


def test_unsubscribe_by_email_token_and_file(env, issue_root, subscribers, tmp_path):
    result = run(issue_root, "unsubscribe", "--subscribers", str(subscribers), "--email", "Anna@Example.nl", env=env)
    assert result.exit_code == 0, result.output
    assert "Afgemeld: anna@example.nl (regel 2)" in result.output
    assert "Afgemeld: ANNA@example.nl (regel 6)" in result.output
    assert "abonnees.csv.bak" in result.output

    token = make_token("zoe@example.nl", SECRET.encode())
    result = run(issue_root, "unsubscribe", "--subscribers", str(subscribers), "--token", token, env=env)
    assert result.exit_code == 0 and "Afgemeld: zoe@example.nl (regel 3)" in result.output

    requests = tmp_path / "verzoeken.txt"
    requests.write_text(
        f"# export van het afmeldformulier\nhttps://nieuwsbrief.klantgerichtwerkt.nl/afmelden?token={make_token('jan@example.nl', SECRET.encode())}\n"
        f"afmelden {make_token('weg@example.nl', SECRET.encode())}\n",
        encoding="utf-8",
    )
    result = run(issue_root, "unsubscribe", "--subscribers", str(subscribers), "--from-file", str(requests), env=env)
    assert result.exit_code == 0, result.output
    assert "Afgemeld: jan@example.nl (regel 8)" in result.output
    assert "Was al afgemeld: weg@example.nl" in result.output

    lines = subscribers.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "email,name,status,subscribed_at,bron"
    assert lines[1] == "anna@example.nl,Anna,afgemeld,2026-01-05,website"
    assert lines[7] == 'jan@example.nl,"Jan, de Vries",afgemeld,2026-05-01,"website, pagina 2"'
    assert lines[3] == SUBSCRIBERS_CSV.splitlines()[3]  # piet untouched
    assert len(lines) == len(SUBSCRIBERS_CSV.splitlines())


def test_forged_and_bad_request_lines_are_refused_and_the_rest_processed(env, issue_root, subscribers, tmp_path):
    requests = tmp_path / "verzoeken.txt"
    requests.write_bytes(
        b"afmelden anna@example.nl\n"  # forged: anyone can write this
        b"vervalst.token\n"
        + f"afmelden {make_token('piet@example.nl', SECRET.encode())}\n".encode()
        + b"afmelden Ren\xe9\n"
    )
    result = run(issue_root, "unsubscribe", "--subscribers", str(subscribers), "--from-file", str(requests), env=env)
    assert result.exit_code == 1
    assert "Afgemeld: piet@example.nl (regel 4)" in result.output
    assert (
        f"Geweigerd, niets gedaan voor deze regels (3):\n"
        f"  {requests}, regel 1: 'anna@example.nl' is een adres zonder afmeldcode: iedereen kan dat sturen; "
        "controleer het zelf en gebruik --email als die persoon het echt vroeg\n"
        f"  {requests}, regel 2: 'vervalst.token' is geen afmeldcode (niet te ontcijferen)\n"
        f"  {requests}, regel 4: geen geldige UTF-8 bij byte 12 van deze regel\n"
    ) in result.output
    assert "Fout: 3 verzoeken geweigerd (zie hierboven); de andere zijn verwerkt" in result.output
    expected = SUBSCRIBERS_CSV.replace("piet@example.nl,,actief", "piet@example.nl,,afgemeld")
    assert subscribers.read_text(encoding="utf-8") == expected  # only piet changed


def test_unsubscribe_unknown_address_is_reported_and_exit_code_is_1(env, issue_root, subscribers):
    result = run(issue_root, "unsubscribe", "--subscribers", str(subscribers),
                 "--email", "onbekend@example.nl", "--email", "piet@example.nl", env=env)
    assert result.exit_code == 1
    assert "Afgemeld: piet@example.nl (regel 4)" in result.output
    assert f"niet in {subscribers}: onbekend@example.nl (de andere zijn verwerkt)" in result.output


def test_unsubscribe_needs_something_to_do(env, issue_root, subscribers):
    result = run(issue_root, "unsubscribe", "--subscribers", str(subscribers), env=env)
    assert result.exit_code == 1 and "Fout: geef --email, --token of --from-file" in result.output


def test_token_without_secret_is_a_clear_error(issue_root, subscribers, monkeypatch):
    monkeypatch.delenv("NEWSLETTER_UNSUBSCRIBE_SECRET", raising=False)
    result = run(issue_root, "unsubscribe", "--subscribers", str(subscribers), "--token", "abc.def")
    assert result.exit_code == 1 and "NEWSLETTER_UNSUBSCRIBE_SECRET is niet ingesteld" in result.output


def test_send_test_copy_to_given_addresses_or_the_setting(smtp, env, issue_root, subscribers):
    result = run(issue_root, "send", "--date", DATE, "--test", "marieke@example.nl", "--test", "ruben@example.nl", env=env)
    assert result.exit_code == 0, result.output
    assert "Testversie: verstuurd 2, mislukt 0; niets gelogd" in result.output
    assert smtp.handler.counts() == {"marieke@example.nl": 1, "ruben@example.nl": 1}
    (msg,) = smtp.handler.received("marieke@example.nl")
    assert msg["Subject"].startswith("[TEST] ")

    result = run(issue_root, "send", "--date", DATE, "--test-copy",
                 env={**env, "NEWSLETTER_TEST_TO": "Coach <coach@example.nl>, assistent@example.nl"})
    assert result.exit_code == 0, result.output
    assert smtp.handler.counts()["coach@example.nl"] == 1 and smtp.handler.counts()["assistent@example.nl"] == 1
    assert not (issue_root / DATE / "send-log.jsonl").exists()

    result = run(issue_root, "send", "--date", DATE, "--test-copy", env={**env, "NEWSLETTER_TEST_TO": ""})
    assert result.exit_code == 1 and "geen adres voor de testversie" in result.output


def test_send_without_subscribers_reads_the_database_and_refuses_a_missing_one(env, issue_root, tmp_path):
    database = tmp_path / "geen" / "abonnees.sqlite3"
    result = run(issue_root, "send", "--date", DATE, env={**env, "NEWSLETTER_DB": str(database)})
    assert result.exit_code == 1
    assert f"\n  {database} (database): hier staat geen abonneedatabase; verstuur op" in result.output
    assert result.output.count(str(database)) == 2  # the heading and the problem, never twice in one line
    assert not database.exists() and not list((issue_root / DATE).glob("send-log*"))


def _dutch_texts() -> set[str]:
    from babel.messages.pofile import read_po

    from coachsite import i18n

    texts = set()
    for source in i18n.catalog_sources("nl"):
        with source.open("rb") as handle:
            texts |= {m.string for m in read_po(handle, locale="nl") if m.id and isinstance(m.string, str)}
    return texts


@pytest.mark.parametrize("name", ["schedule", "build", "preview", "list", "send", "unsubscribe"])
def test_every_command_and_option_has_dutch_help(name):
    from scripts.newsletter import cli

    dutch = _dutch_texts()
    for command in [cli.commands[name]]:
        assert command.help in dutch, name
        for param in command.params:
            assert getattr(param, "help", None) in dutch, f"{name} {param.name}"


def test_send_and_unsubscribe_help_read_as_dutch(issue_root):
    sent = " ".join(run(issue_root, "send", "--help").output.split())
    assert sent.startswith("Gebruik: cli send [OPTIES] Verstuur een nieuwsbrief naar elke actieve abonnee, precies één keer.")
    for shown in ("--date JJJJ-MM-DD Datum van een gemaakte nieuwsbrief. [verplicht]", "--subscribers BESTAND Abonneelijst",
                  "--test ADRES Stuur een testversie", "--test-copy Stuur een testversie naar de adressen in de instelling",
                  "--resend-uncertain Verstuur ook naar abonnees van wie niet zeker is", "--limit AANTAL Verstuur deze keer",
                  "--rate AANTAL Hooguit AANTAL berichten per seconde", "--dry-run Verstuur niets;"):
        assert shown in sent
    unsubscribed = " ".join(run(issue_root, "unsubscribe", "--help").output.split())
    assert "Zet de status van deze abonnees op afgemeld" in unsubscribed
    for shown in ("--email ADRES Adres om af te melden", "--token CODE Afmeldcode uit een afmeldlink",
                  "--from-file BESTAND Bestand met één ondertekend verzoek per regel"):
        assert shown in unsubscribed
    assert "Gebruik: cli [OPTIES] OPDRACHT [ARGUMENTEN]..." in run(issue_root, "--help").output


def test_the_coachs_guide_names_only_real_send_options():
    """HANDLEIDING.md's sending part must stay true to the command it describes."""
    from pathlib import Path

    from scripts.newsletter import cli

    guide = (Path(__file__).resolve().parent.parent / "HANDLEIDING.md").read_text(encoding="utf-8")
    part = guide[guide.index("## 5. De nieuwsbrief versturen"):guide.index("## 6.")]
    real = {opt for param in cli.commands["send"].params for opt in param.opts}
    named = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", part)) - {"--help"}
    assert named <= real, named - real
    assert {"--test", "--test-copy", "--dry-run", "--resend-uncertain", "--subscribers", "--date"} <= named
    assert "**Onzeker**" in part and "Onzeker, niet opnieuw verstuurd" in part


def test_a_test_copy_refuses_dry_run_and_list_options(env, issue_root):
    for extra in (["--dry-run"], ["--limit", "3"], ["--subscribers", "x.csv"], ["--resend-uncertain"]):
        result = run(issue_root, "send", "--date", DATE, "--test", "coach@example.nl", *extra, env=env)
        assert result.exit_code == 2, extra
        assert "--test/--test-copy gaat niet samen met --dry-run" in result.output


def test_confirm_delivered_closes_an_uncertain_recipient_in_dutch(smtp, env, issue_root, subscribers):
    smtp.handler.faults = {"zoe@example.nl": ["drop-accepted"]}
    command = ["send", "--date", DATE, "--subscribers", str(subscribers)]
    first = run(issue_root, *command, env=env)
    assert first.exit_code == 1 and "--confirm-delivered ADRES" in first.output
    done = run(issue_root, *command, "--confirm-delivered", "zoe@example.nl", env=env)
    assert done.exit_code == 0, done.output
    assert "Na jouw controle genoteerd als ontvangen, zonder tweede mail (1):\n  zoe@example.nl\n" in done.output
    assert "Klaar: elke actieve abonnee heeft de nieuwsbrief" in done.output
    assert smtp.handler.counts() == {a: 1 for a in ACTIVE}
    mixed = run(issue_root, "send", "--date", DATE, "--dry-run", "--confirm-delivered", "zoe@example.nl", env=env)
    assert mixed.exit_code == 2 and "--confirm-delivered gaat niet samen met --test, --test-copy of --dry-run" in mixed.output
