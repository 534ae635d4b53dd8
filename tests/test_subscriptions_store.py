"""The subscriber store and the coach's commands, on a real SQLite file (no web server here)."""

from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner

from coachsite.newsletter.subscribers import Subscriber
from coachsite.subscriptions import actions, coach
from coachsite.subscriptions.recipients import DatabaseRecipients
from coachsite.subscriptions.store import SCHEMA_VERSION, Store, StoreError
from coachsite.subscriptions.tokens import ConfirmTokenError, ExpiredToken, make_confirm_token, verify_confirm_token

NOW = 1_795_600_000.0  # 2026-11-24
DAY = 86400
SECRET = b"test-secret-0123456789abcdef"


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "abonnees.sqlite3")


def sign_up(store, email="anna@example.nl", name="Anna", now=NOW, allowed=lambda: True):
    return actions.signup(store, email, name, "toestemming", "https://site/", now, allowed)


def status(store, email):
    row = store.find(email)
    return row.status if row else None


def test_new_database_is_wal_with_schema_version(store):
    conn = store.conn()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000


def test_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "nieuw.sqlite3"
    sqlite3.connect(path).execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match="gemaakt door een nieuwere versie van het programma"):
        Store(path).conn()


def test_a_file_that_is_no_database_is_one_dutch_line(tmp_path):
    from coachsite.subscriptions.cli import subscribers

    path = tmp_path / "abonnees.sqlite3"
    path.write_text("email,name,status\n" * 200, encoding="utf-8")  # a CSV saved under the database's name
    result = CliRunner().invoke(subscribers, ["--db", str(path), "stats"])
    assert result.exit_code == 1 and result.output.startswith(
        f"Fout: De abonneedatabase kan niet worden geopend: {path}: dit is geen bruikbare SQLite-database (")
    assert result.output.count(str(path)) == 1 and len(result.output.splitlines()) == 1


def test_signup_waits_confirm_activates_and_unsubscribe_is_idempotent(store):
    assert sign_up(store) is not None
    assert status(store, "ANNA@example.nl") == "wachtend"  # case-insensitive
    assert actions.confirm(store, "anna@example.nl", int(NOW), NOW + 60) is actions.Confirmed.ACTIVATED
    assert actions.confirm(store, "anna@example.nl", int(NOW), NOW + 61) is actions.Confirmed.ALREADY
    assert sign_up(store, name="Iemand anders") is None  # active: no mail, no change
    assert store.find("anna@example.nl").name == "Anna"
    assert actions.unsubscribe(store, "anna@example.nl", NOW + 120) is True
    assert actions.unsubscribe(store, "anna@example.nl", NOW + 121) is False
    assert status(store, "anna@example.nl") == "afgemeld"


def test_returning_reader_must_confirm_again_and_old_links_are_stale(store):
    sign_up(store)
    actions.confirm(store, "anna@example.nl", int(NOW), NOW + 1)
    actions.unsubscribe(store, "anna@example.nl", NOW + 10)
    assert actions.confirm(store, "anna@example.nl", int(NOW), NOW + 11) is actions.Confirmed.STALE
    sign_up(store, now=NOW + 20)
    assert status(store, "anna@example.nl") == "wachtend"
    assert actions.confirm(store, "anna@example.nl", int(NOW), NOW + 21) is actions.Confirmed.STALE  # link from before
    assert actions.confirm(store, "anna@example.nl", int(NOW + 20), NOW + 22) is actions.Confirmed.ACTIVATED


def test_confirmation_mails_per_address_per_day_are_limited_in_memory(store):
    from coachsite.subscriptions.limits import AddressLimiter

    clock = [NOW]
    quota = AddressLimiter(3, clock=lambda: clock[0])
    queued = [sign_up(store, email="Veel@example.nl" if i % 2 else "veel@example.nl", now=NOW + i, allowed=lambda: quota.allow("veel@example.nl")) for i in range(5)]
    assert sum(q is not None for q in queued) == 3
    clock[0] += 86400  # a new day
    assert sign_up(store, email="veel@example.nl", allowed=lambda: quota.allow("veel@example.nl")) is not None
    assert "veel" not in repr(quota._counts)  # only keyed hashes, never the address


def test_unknown_address_unsubscribing_is_blocked_for_imports(store, tmp_path):
    actions.unsubscribe(store, "oud@example.nl", NOW)
    csv_file = tmp_path / "oud.csv"
    csv_file.write_text("email,name,status\noud@example.nl,Oud,actief\n", encoding="utf-8")
    result = coach.import_csv(store, csv_file, NOW)
    assert result.kept_unsubscribed == ["oud@example.nl"] and status(store, "oud@example.nl") == "afgemeld"


def test_confirm_tokens_expire_and_cannot_be_forged():
    token = make_confirm_token("Anna@example.nl", int(NOW), SECRET)
    assert verify_confirm_token(token, SECRET, NOW + 60, 7 * DAY) == ("anna@example.nl", int(NOW))
    with pytest.raises(ExpiredToken) as expired:
        verify_confirm_token(token, SECRET, NOW + 8 * DAY, 7 * DAY)
    assert expired.value.email == "anna@example.nl"
    for forged in (make_confirm_token("anna@example.nl", int(NOW), b"another-secret-0123456789"), token[:-2] + "AA",
                   token.replace(".", "", 1), "", "a.b.c"):
        with pytest.raises(ConfirmTokenError):
            verify_confirm_token(forged, SECRET, NOW + 60, 7 * DAY)


def test_database_recipients_has_the_recipient_source_shape(store):
    for email in ("a@example.nl", "b@example.nl", "c@example.nl"):
        sign_up(store, email=email, name=email[0].upper())
        actions.confirm(store, email, int(NOW), NOW + 1)
    sign_up(store, email="wacht@example.nl")
    actions.unsubscribe(store, "b@example.nl", NOW + 2)
    source = DatabaseRecipients(store.path)
    assert str(store.path) in source.describe()
    assert source.problems() == []
    people = list(source.recipients())
    assert [p.email for p in people] == ["a@example.nl", "c@example.nl"]
    assert all(isinstance(p, Subscriber) for p in people)
    assert people[0] == Subscriber(line=store.find("a@example.nl").id, email="a@example.nl", name="A")


def test_import_dutch_excel_reports_every_bad_line_and_imports_nothing(store, tmp_path):
    bad = tmp_path / "lijst.csv"
    bad.write_text("E-mail;Naam;Status\nanna@example.nl;Anna;actief\ngeen-adres;X;actief\nzoe@example.nl;Zoë;misschien\n", encoding="utf-8")
    result = coach.import_csv(store, bad, NOW)
    assert [p.line for p in result.problems] == [3, 4]
    assert store.find("anna@example.nl") is None
    good = tmp_path / "goed.csv"
    good.write_bytes("\ufeffE-mail;Naam;Status\r\nanna@example.nl;Anna;actief\r\nZoe@example.nl;Zoë;afgemeld\r\n".encode())
    result = coach.import_csv(store, good, NOW)
    assert (result.added, result.problems) == (2, [])
    assert status(store, "anna@example.nl") == "actief" and status(store, "zoe@example.nl") == "afgemeld"


def test_purge_erases_old_unsubscribes_and_unconfirmed_and_forget_erases_at_once(store):
    sign_up(store)
    actions.confirm(store, "anna@example.nl", int(NOW), NOW)
    actions.unsubscribe(store, "anna@example.nl", NOW)
    sign_up(store, email="nooit@example.nl")
    sign_up(store, email="blijft@example.nl")
    actions.confirm(store, "blijft@example.nl", int(NOW), NOW)
    assert coach.purge(store, 30, NOW + 29 * DAY).unsubscribed == 0
    assert store.find("anna@example.nl") is not None  # within the 30 days: a mistake can be undone
    result = coach.purge(store, 30, NOW + 31 * DAY)
    assert (result.unsubscribed, result.unconfirmed) == (1, 1)
    assert store.find("anna@example.nl") is None and store.find("nooit@example.nl") is None  # no block list
    assert store.conn().execute("SELECT count(*) FROM outbox").fetchone()[0] == 1  # blijft's sent-or-not row only
    assert coach.forget(store, "BLIJFT@example.nl") is True
    assert store.conn().execute("SELECT count(*) FROM subscribers").fetchone()[0] == 0
    assert store.conn().execute("SELECT count(*) FROM outbox").fetchone()[0] == 0  # its queued email went with it


def test_cli_add_stats_export_remove_forget(store, tmp_path):
    from coachsite.subscriptions.cli import subscribers

    runner = CliRunner()
    db = ["--db", str(store.path)]
    result = runner.invoke(subscribers, [*db, "add", "Piet@Example.nl", "--name", "Piet", "--note", "op papier, beurs 2026"])
    assert result.exit_code == 0 and "toegevoegd als actief" in result.output
    result = runner.invoke(subscribers, [*db, "stats"])
    assert "actief: 1" in result.output and "+1" in result.output  # growth per month
    result = runner.invoke(subscribers, [*db, "export"])
    assert result.output.splitlines()[0].startswith("email,name,status")
    assert "piet@example.nl,Piet,actief" in result.output
    assert runner.invoke(subscribers, [*db, "remove", "piet@example.nl"]).exit_code == 0
    result = runner.invoke(subscribers, [*db, "add", "piet@example.nl", "--note", "x"])
    assert result.exit_code == 1 and "afgemeld" in result.output and "Traceback" not in result.output
    result = runner.invoke(subscribers, [*db, "forget", "onbekend@example.nl"])
    assert result.exit_code == 1 and "staat niet in de database" in result.output
    assert runner.invoke(subscribers, [*db, "forget", "piet@example.nl"]).exit_code == 0
    result = runner.invoke(subscribers, [*db, "purge", "--days", "30"])
    assert result.exit_code == 0 and "afgemeld, gewist: 0" in result.output


def test_cli_import_lists_all_bad_lines_in_dutch(store, tmp_path):
    from coachsite.subscriptions.cli import subscribers

    bad = tmp_path / "lijst.csv"
    bad.write_text("email,name,status\ngeen-adres,X,actief\nb@example.nl,B,ja\n", encoding="utf-8")
    result = CliRunner().invoke(subscribers, ["--db", str(store.path), "import", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:2:" in result.output and f"{bad}:3:" in result.output and "niets geïmporteerd" in result.output


def test_import_todays_csv_with_extra_columns_quotes_and_duplicates(store, tmp_path):
    from send_helpers import SUBSCRIBERS_CSV

    today = tmp_path / "abonnees.csv"
    today.write_text("".join(line for line in SUBSCRIBERS_CSV.splitlines(True) if "geen-adres" not in line), encoding="utf-8")
    result = coach.import_csv(store, today, NOW)
    assert result.problems == []
    assert [r.email for r in store.rows(("actief",))] == ["anna@example.nl", "zoe@example.nl", "piet@example.nl", "jan@example.nl"]
    assert store.find("jan@example.nl").name == "Jan, de Vries"
    assert status(store, "later-weg@example.nl") == "afgemeld" and status(store, "weg@example.nl") == "afgemeld"


def test_health_is_false_when_the_database_cannot_be_opened(tmp_path):
    (tmp_path / "map.sqlite3").mkdir()  # a folder where the file should be
    assert Store(tmp_path / "map.sqlite3").healthy() is False
    assert Store(tmp_path / "goed.sqlite3").healthy() is True


def test_every_subscribers_command_and_option_has_dutch_help():
    from help_helpers import english_help

    from coachsite.subscriptions.cli import subscribers

    assert english_help(subscribers, "subscribers") == []


def test_list_says_when_there_is_nobody_and_never_creates_a_database(store, tmp_path):
    from coachsite.subscriptions.cli import subscribers

    missing = tmp_path / "elders" / "abonnees.sqlite3"
    result = CliRunner().invoke(subscribers, ["--db", str(missing), "list"])
    assert result.exit_code == 0 and result.output == f"Er staan nog geen abonnees in {missing}.\n"
    result = CliRunner().invoke(subscribers, ["--db", str(missing), "stats"])
    assert result.exit_code == 0 and result.output == f"Er staan nog geen abonnees in {missing}.\n"
    assert not missing.parent.exists()
    coach.add(store, "anna@example.nl", "Anna", NOW, "beurs")
    result = CliRunner().invoke(subscribers, ["--db", str(store.path), "list", "--status", "afgemeld"])
    assert result.output == f"Er staan geen abonnees met status afgemeld in {store.path}.\n"
    assert "anna@example.nl\tactief" in CliRunner().invoke(subscribers, ["--db", str(store.path), "list"]).output


@pytest.mark.parametrize("lines, counted", [(1, "1 foute regel;"), (2, "2 foute regels;")])
def test_import_counts_bad_lines_in_dutch_plurals(store, tmp_path, lines, counted):
    from coachsite.subscriptions.cli import subscribers

    bad = tmp_path / "lijst.csv"
    bad.write_text("email,name,status\n" + "geen-adres,X,actief\n" * lines, encoding="utf-8")
    result = CliRunner().invoke(subscribers, ["--db", str(store.path), "import", str(bad)])
    assert result.exit_code == 1 and f"{bad}: {counted} er is niets geïmporteerd" in result.output


@pytest.mark.parametrize("setting, raw, message", [
    ("SUBSCRIBER_RETENTION_DAYS", "dertig", "SUBSCRIBER_RETENTION_DAYS is 'dertig'; gebruik een heel getal"),
    ("SUBSCRIBER_RETENTION_DAYS", "-1", "SUBSCRIBER_RETENTION_DAYS is '-1'; gebruik een heel getal van 0 of meer"),
    ("NEWSLETTER_SERVICE_URL", "nieuwsbrief", "NEWSLETTER_SERVICE_URL is 'nieuwsbrief'; gebruik een adres zoals"),
])
def test_setting_mistakes_are_dutch(setting, raw, message):
    from coachsite.subscriptions.config import ConfigError, service_settings

    with pytest.raises(ConfigError) as error:
        service_settings({}, {setting: raw})
    assert str(error.value).startswith(message)


def test_purge_with_a_bad_retention_setting_is_one_dutch_line(store, monkeypatch):
    from coachsite.subscriptions.cli import subscribers

    monkeypatch.setenv("SUBSCRIBER_RETENTION_DAYS", "dertig")
    result = CliRunner().invoke(subscribers, ["--db", str(store.path), "purge"])
    assert result.exit_code == 1
    assert result.output == "Fout: SUBSCRIBER_RETENTION_DAYS is 'dertig'; gebruik een heel getal\n"


@pytest.mark.parametrize("command", [["remove", "anna@example.nl"], ["forget", "anna@example.nl"], ["export"], ["purge"]])
def test_commands_on_existing_data_refuse_a_missing_database_and_create_nothing(tmp_path, command):
    from coachsite.subscriptions.cli import subscribers

    missing = tmp_path / "elders" / "abonees.sqlite3"  # a typo of the real path
    result = CliRunner().invoke(subscribers, ["--db", str(missing), *command])
    assert result.exit_code == 1
    assert result.output == (f"Fout: {missing}: hier staat geen abonneedatabase; controleer --db of NEWSLETTER_DB "
                             "(alleen add en import maken er een aan)\n")
    assert not missing.parent.exists()


def test_add_and_import_create_the_database(tmp_path):
    from coachsite.subscriptions.cli import subscribers

    first, second = tmp_path / "nieuw" / "a.sqlite3", tmp_path / "nieuw" / "b.sqlite3"
    assert CliRunner().invoke(subscribers, ["--db", str(first), "add", "anna@example.nl", "--note", "beurs"]).exit_code == 0
    csv_file = tmp_path / "lijst.csv"
    csv_file.write_text("email,name,status\nbo@example.nl,Bo,actief\n", encoding="utf-8")
    assert CliRunner().invoke(subscribers, ["--db", str(second), "import", str(csv_file)]).exit_code == 0
    assert Store(first).find("anna@example.nl").status == "actief" and Store(second).find("bo@example.nl").status == "actief"


def test_import_reports_every_bad_line_where_it_starts_like_send_does(store, tmp_path):
    """One reader for send and import: an unclosed quote is reported on the line it opens, and a
    line that is not UTF-8 does not hide the bad lines after it."""
    from coachsite.subscriptions.cli import subscribers

    bad = tmp_path / "lijst.csv"
    bad.write_bytes(b"E-mail;Naam;Status\nanna@example.nl;Anna;actief\nbo@example.nl;Ren\xe9;actief\n"
                    b"cas@example.nl;Cas;ja\ndirk@example.nl;\"Dirk;actief\neva@example.nl;Eva;actief\n")
    result = coach.import_csv(store, bad, NOW)
    assert [p.line for p in result.problems] == [3, 4, 5]
    assert result.problems[0].message.startswith("geen geldige UTF-8 bij byte")
    assert result.problems[1].message == "veld 'status': 'ja' is niet een van actief, afgemeld"
    assert "niet als CSV te lezen" in result.problems[2].message
    output = CliRunner().invoke(subscribers, ["--db", str(store.path), "import", str(bad)]).output
    assert [line.split(": ", 1)[0] for line in output.splitlines()[:3]] == [f"{bad}:3", f"{bad}:4", f"{bad}:5"]
    assert output.splitlines()[3] == f"Fout: {bad}: 3 foute regels; er is niets geïmporteerd"
    assert not store.path.exists() or store.find("anna@example.nl") is None


def test_import_without_a_name_column_and_a_bad_header_is_one_dutch_line(store, tmp_path):
    from coachsite.subscriptions.cli import subscribers

    plain = tmp_path / "kaal.csv"
    plain.write_text("email,status\nAnna@example.nl,Actief\n", encoding="utf-8")
    assert coach.import_csv(store, plain, NOW).added == 1 and store.find("anna@example.nl").name == ""
    bad = tmp_path / "kop.csv"
    bad.write_text("adres,status\nbo@example.nl,actief\n", encoding="utf-8")
    result = CliRunner().invoke(subscribers, ["--db", str(store.path), "import", str(bad)])
    assert result.exit_code == 1 and len(result.output.splitlines()) == 1
    assert result.output.startswith(f"Fout: {bad}, regel 1: kolom 'email' ontbreekt")


def test_every_function_and_method_of_the_subscriptions_package_is_used_somewhere():
    """Dead helpers hide what the service really does: each def is named outside its own line
    (Click commands are called by name on the command line, dunders by Python)."""
    import ast
    import re
    from collections import Counter
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    package = root / "coachsite" / "subscriptions"
    words = Counter(word for folder in ("coachsite", "scripts", "tests", "bench") for p in (root / folder).rglob("*.py")
                    for word in re.findall(r"\w+", p.read_text(encoding="utf-8")))
    unused = []
    for module in sorted(package.glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or node.name.startswith("__"):
                continue
            if any("command" in ast.unparse(d) for d in node.decorator_list):
                continue
            if words[node.name] < 2:
                unused.append(f"{module.name}:{node.lineno} {node.name}")
    assert unused == []
