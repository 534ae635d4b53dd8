"""The subscriber CSV: streaming, validation with line numbers, de-duplication, atomic unsubscribe;
and the unsubscribe tokens that identify a subscriber in links."""

from __future__ import annotations

import inspect
import os
import stat
import tracemalloc

import pytest

from coachsite.newsletter import unsubscribe as unsub
from coachsite.newsletter.subscribers import (
    FATAL,
    NOTE,
    SKIPPED,
    CsvRecipients,
    RecipientSource,
    SubscriberError,
    address_problem,
    recipients,
    scan,
)
from coachsite.newsletter.tokens import TokenError, address_from_request, make_token, secret_from_env, verify_token
from coachsite.newsletter.unsubscribe import read_request_file, unsubscribe
from send_helpers import SECRET, SUBSCRIBERS_CSV, subscribers, write_csv  # noqa: F401 (fixture)


def write(tmp_path, text: str | bytes, name="lijst.csv"):
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8", newline="")
    else:
        path.write_bytes(text)
    return path


# --- Reading -----------------------------------------------------------------------------


def test_scan_counts_invalid_duplicates_and_unsubscribed_with_line_numbers(subscribers):
    result = scan(subscribers)
    assert result.rows == 9
    assert result.recipients == 4
    assert [(p.line, p.message) for p in result.invalid] == [(7, "'geen-adres' is geen geldig e-mailadres")]
    assert [(p.line, p.message) for p in result.duplicates] == [
        (6, "ANNA@example.nl staat al op regel 2; krijgt de nieuwsbrief één keer")]
    assert result.fatal == []
    # weg@ and Later-Weg@ are afgemeld; later-weg@ (actief on line 9) is overruled by line 10.
    assert result.unsubscribed == 3


def test_recipients_active_unique_valid_in_file_order(subscribers):
    checked = scan(subscribers)
    people = recipients(subscribers, checked.unsubscribed_keys)
    assert inspect.isgenerator(people)  # streamed, never a list of all rows
    assert [(p.line, p.email, p.name) for p in people] == [
        (2, "anna@example.nl", "Anna"),
        (3, "zoe@example.nl", "Zoë"),
        (4, "piet@example.nl", ""),
        (8, "jan@example.nl", "Jan, de Vries"),
    ]


def test_unsubscribed_anywhere_wins_over_actief_earlier(tmp_path):
    path = write(tmp_path, "email,name,status\nx@example.nl,X,actief\ny@example.nl,Y,actief\nX@EXAMPLE.NL,X,afgemeld\n")
    checked = scan(path)
    assert [p.email for p in recipients(path, checked.unsubscribed_keys)] == ["y@example.nl"]


def test_line_numbers_count_physical_lines_after_a_multiline_field(tmp_path):
    text = 'email,name,status,notitie\na@example.nl,A,actief,"regel een\nregel twee"\nkapot,B,actief,\n'
    result = scan(write(tmp_path, text))
    assert [p.line for p in result.invalid] == [4]


def test_columns_in_any_order_with_extra_columns_and_header_case(tmp_path):
    path = write(tmp_path, "Status,bron,E-mail-oud,Email,Name\nactief,web,x,a@example.nl,Anna\n")
    assert [(p.email, p.name) for p in recipients(path, set())] == [("a@example.nl", "Anna")]


def test_excel_semicolons_bom_and_crlf_are_read(tmp_path):
    path = write(tmp_path, "\ufeffemail;name;status\r\na@example.nl;Zoë;actief\r\n")
    assert [(p.email, p.name) for p in recipients(path, set())] == [("a@example.nl", "Zoë")]


def test_blank_lines_are_ignored(tmp_path):
    path = write(tmp_path, "email,name,status\n\na@example.nl,A,actief\n\n")
    assert scan(path).recipients == 1


@pytest.mark.parametrize(
    "text, expected",
    [
        ("email,name\na@example.nl,A\n", ["regel 1", "kolom 'status' ontbreekt", "email,name,status"]),
        ("mail,naam,status\n", ["regel 1", "'email'", "'name'"]),
        ("", ["regel 1", "leeg"]),
        ("email,name,status,status\n", ["regel 1", "'status' staat twee keer"]),
    ],
)
def test_a_bad_header_names_file_and_line(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(SubscriberError) as error:
        scan(path)
    message = str(error.value)
    assert message.startswith(f"{path}, regel 1: ")
    for part in expected:
        assert part in message


@pytest.mark.parametrize(
    "row, message",
    [
        ("a@example.nl,A,actve", "veld 'status': 'actve' is niet een van actief, afgemeld"),
        ("a@example.nl,A,", "veld 'status': '' is niet een van actief, afgemeld"),
        ("a@example.nl,A,actief,extra", "4 velden, maar de kop heeft er 3; zoek een ontbrekende of extra ','"),
        ("a@example.nl,actief", "2 velden, maar de kop heeft er 3"),
        ('a@example.nl,"A"x,actief', "deze rij is niet als CSV te lezen (',' expected after '\"')"),
    ],
)
def test_bad_rows_are_fatal_problems_with_their_line(tmp_path, row, message):
    path = write(tmp_path, f"email,name,status\nok@example.nl,O,actief\n{row}\nook@example.nl,O,actief\n")
    result = scan(path)
    assert [(p.line, p.kind) for p in result.fatal] == [(3, FATAL)]
    assert result.fatal[0].message.startswith(message)
    assert result.recipients == 2  # the rows after it were still read


def test_not_utf8_is_a_fatal_problem_with_line_and_byte_offset(tmp_path):
    data = "email,name,status\na@example.nl,Zoë,actief\n".encode() + b"b@example.nl,Ren\xe9,actief\nc@example.nl,C,actief\n"
    path = write(tmp_path, data)
    result = scan(path)
    offset = data.index(b"\xe9")
    assert [(p.line, p.message) for p in result.fatal] == [(3, (
        f"geen geldige UTF-8 bij byte {offset} van het bestand; sla het op als UTF-8 (in Excel: 'CSV UTF-8')"))]


def test_every_problem_of_a_10000_row_file_comes_in_one_run(tmp_path):
    path = tmp_path / "groot.csv"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("email,name,status\n")
        for i in range(10_000):
            status = "misschien" if i % 100 == 7 else "actief"
            fh.write(f"lezer{i}@example.nl,Lezer {i},{status}\n")
    source = CsvRecipients(path)
    assert isinstance(source, RecipientSource)
    fatal = [p for p in source.problems() if p.kind == FATAL]
    assert [p.line for p in fatal] == [i + 2 for i in range(10_000) if i % 100 == 7]
    with pytest.raises(SubscriberError) as error:
        source.recipients()
    lines = str(error.value).split("\n  ")
    assert len(lines) == 21
    assert lines[0] == f"{path}, regel 9: veld 'status': 'misschien' is niet een van actief, afgemeld"
    assert lines[19].startswith(f"{path}, regel 1909: ")
    assert lines[20] == "… en nog 80"


def test_a_cr_only_csv_from_old_mac_excel_is_read(tmp_path):
    path = write(tmp_path, b"email;name;status\ra@example.nl;Anna;actief\rb@example.nl;Bo;afgemeld\rc@example.nl;Cas;actief\r")
    result = scan(path)
    assert result.fatal == [] and result.rows == 3
    assert [(p.line, p.email, p.name) for p in recipients(path, result.unsubscribed_keys)] == [
        (2, "a@example.nl", "Anna"), (4, "c@example.nl", "Cas")]
    unsubscribe(path, ["c@example.nl"])
    assert path.read_bytes() == b"email;name;status\ra@example.nl;Anna;actief\rb@example.nl;Bo;afgemeld\rc@example.nl;Cas;afgemeld\r"


def test_csv_source_reports_all_problems_by_kind(subscribers):
    source = CsvRecipients(subscribers)
    assert source.describe() == str(subscribers)
    assert [(p.line, p.kind) for p in source.problems()] == [(7, SKIPPED), (6, NOTE)]
    assert [p.email for p in source.recipients()] == ["anna@example.nl", "zoe@example.nl", "piet@example.nl", "jan@example.nl"]
    assert source.unsubscribed == 3


def test_csv_source_with_a_missing_file_is_one_fatal_problem(tmp_path):
    source = CsvRecipients(tmp_path / "weg.csv")
    (problem,) = source.problems()
    assert problem.kind == FATAL and problem.line == 0
    assert problem.message.startswith(f"{tmp_path / 'weg.csv'}: kan het abonneebestand niet openen")


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(SubscriberError, match="kan het abonneebestand niet openen"):
        scan(tmp_path / "bestaat-niet.csv")


@pytest.mark.parametrize(
    "email",
    ["anna@example.nl", "a.b+nieuwsbrief@sub.example.co.uk", "o'brien@example.ie", "x@xn--caf-dma.nl", "A@EXAMPLE.NL"],
)
def test_valid_addresses(email):
    assert address_problem(email) is None


@pytest.mark.parametrize(
    "email",
    ["", "geen-adres", "a@b", "a@@example.nl", "a b@example.nl", "a@example.nl\r\nBcc: x@y.nl", ".a@example.nl",
     "a..b@example.nl", "a@-example.nl", "zoë@example.nl", "a@example.nl>", "<a@example.nl>", "a@example.123"],
)
def test_invalid_addresses(email):
    assert address_problem(email)


def test_memory_stays_flat_for_100000_rows(tmp_path):
    path = tmp_path / "groot.csv"
    write_csv(path, 100_000, unsubscribed_every=10)
    tracemalloc.start()
    try:
        checked = scan(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert sum(1 for _ in recipients(path, checked.unsubscribed_keys)) == 90_000 == checked.recipients
    # What is kept is one lower-cased address per subscriber for de-duplication (~16 MB here);
    # holding the rows themselves would add another ~25 MB.
    assert peak < 30 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"


# --- Unsubscribing ------------------------------------------------------------------------


def test_unsubscribe_by_email_changes_only_the_status_of_those_rows(subscribers):
    before = subscribers.read_bytes()
    result = unsubscribe(subscribers, ["ANNA@example.nl", "jan@example.nl"])
    assert [(c.line, c.message) for c in result.changed] == [
        (2, "anna@example.nl"),
        (6, "ANNA@example.nl"),
        (8, "jan@example.nl"),
    ]
    assert result.backup == subscribers.with_name("abonnees.csv.bak")
    assert result.backup.read_bytes() == before
    old, new = before.decode().splitlines(), subscribers.read_text(encoding="utf-8").splitlines()
    assert len(old) == len(new)
    changed = {1: "anna@example.nl,Anna,afgemeld,2026-01-05,website",
               5: "ANNA@example.nl,Anna dubbel,afgemeld,2026-04-01,import",
               7: 'jan@example.nl,"Jan, de Vries",afgemeld,2026-05-01,"website, pagina 2"'}
    for index, (a, b) in enumerate(zip(old, new)):
        assert b == changed.get(index, a)
    assert scan(subscribers).recipients == 2


def test_unsubscribe_reports_already_and_not_found_and_leaves_file_alone_when_nothing_changes(subscribers):
    inode = os.stat(subscribers).st_ino
    result = unsubscribe(subscribers, ["weg@example.nl", "onbekend@example.nl"])
    assert result.changed == [] and result.backup is None
    assert result.already == ["weg@example.nl"]
    assert result.not_found == ["onbekend@example.nl"]
    assert os.stat(subscribers).st_ino == inode
    assert subscribers.read_text(encoding="utf-8") == SUBSCRIBERS_CSV
    assert not subscribers.with_name("abonnees.csv.bak").exists()


def test_unsubscribe_keeps_bom_crlf_semicolons_quotes_and_multiline_fields(tmp_path):
    text = (
        '\ufeffemail;name;status;notitie\r\n'
        'a@example.nl;"Anna";actief;"twee\r\nregels"\r\n'
        'b@example.nl;Bert;actief;"met ""quotes"""\r\n'
        'c@example.nl;Cor;actief;x'
    )
    path = write(tmp_path, text)
    unsubscribe(path, ["b@example.nl", "c@example.nl"])
    assert path.read_bytes().decode("utf-8") == (
        '\ufeffemail;name;status;notitie\r\n'
        'a@example.nl;"Anna";actief;"twee\r\nregels"\r\n'
        'b@example.nl;Bert;afgemeld;"met ""quotes"""\r\n'
        'c@example.nl;Cor;afgemeld;x'
    )


def test_unsubscribe_keeps_file_permissions(subscribers):
    os.chmod(subscribers, 0o640)
    unsubscribe(subscribers, ["anna@example.nl"])
    assert stat.S_IMODE(os.stat(subscribers).st_mode) == 0o640


def test_unsubscribe_failure_before_rename_changes_nothing_and_leaves_no_temp_files(subscribers, monkeypatch):
    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(unsub.os, "replace", broken_replace)
    with pytest.raises(OSError):
        unsubscribe(subscribers, ["anna@example.nl"])
    assert subscribers.read_text(encoding="utf-8") == SUBSCRIBERS_CSV
    assert sorted(p.name for p in subscribers.parent.iterdir() if p.name.endswith(".tmp")) == []


def test_unsubscribe_refuses_a_broken_file_without_touching_it(tmp_path):
    text = "email,name,status\na@example.nl,A,actief\nb@example.nl,B,weet niet\n"
    path = write(tmp_path, text)
    with pytest.raises(SubscriberError) as error:
        unsubscribe(path, ["a@example.nl"])
    assert str(error.value) == (
        f"{path}: er is niets veranderd; herstel eerst deze regels:\n"
        f"  {path}, regel 3: veld 'status': 'weet niet' is niet een van actief, afgemeld")
    assert path.read_text(encoding="utf-8") == text
    assert [p.name for p in tmp_path.iterdir() if p.name != ".lijst.csv.lock"] == ["lijst.csv"]


def test_unsubscribe_of_100000_rows_keeps_every_row(tmp_path):
    path = tmp_path / "groot.csv"
    write_csv(path, 100_000)
    before = path.read_bytes()
    unsubscribe(path, ["lezer500@example.nl"])
    after = path.read_bytes()
    assert after == before.replace(b"lezer500@example.nl,Lezer 500,actief", b"lezer500@example.nl,Lezer 500,afgemeld")


# --- Tokens -------------------------------------------------------------------------------


def test_token_round_trip_is_url_safe_and_case_insensitive():
    secret = SECRET.encode()
    token = make_token("Zoe@Example.NL", secret)
    assert token == make_token("zoe@example.nl", secret)
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
    assert verify_token(token, secret) == "zoe@example.nl"


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # signature changed
    lambda t: make_token("ander@example.nl", b"x" * 32).split(".")[0] + "." + t.split(".")[1],  # address swapped
    lambda t: t.split(".")[0],  # no signature
    lambda t: "!!!.???",
    lambda t: "",
])
def test_tampered_or_foreign_tokens_are_refused(mangle):
    secret = SECRET.encode()
    with pytest.raises(TokenError):
        verify_token(mangle(make_token("zoe@example.nl", secret)), secret)


def test_token_from_another_secret_is_refused():
    with pytest.raises(TokenError, match="verkeerde handtekening"):
        verify_token(make_token("zoe@example.nl", b"another-secret-0123456789"), SECRET.encode())


def test_secret_only_from_environment_and_long_enough():
    with pytest.raises(TokenError, match="NEWSLETTER_UNSUBSCRIBE_SECRET is niet ingesteld"):
        secret_from_env({})
    with pytest.raises(TokenError, match="te kort"):
        secret_from_env({"NEWSLETTER_UNSUBSCRIBE_SECRET": "kort"})
    assert secret_from_env({"NEWSLETTER_UNSUBSCRIBE_SECRET": SECRET}) == SECRET.encode()


def test_requests_can_be_tokens_urls_or_mail_subjects_but_not_bare_addresses(tmp_path):
    secret = SECRET.encode()
    token = make_token("zoe@example.nl", secret)
    lines = [
        "# verzoeken van de website",
        "",
        "Anna@Example.nl",
        token,
        f"https://www.klantgerichtwerkt.nl/afmelden/?token={token}",
        f"https://nieuwsbrief.klantgerichtwerkt.nl/afmelden?token={token}&x=1",
        f"Afmelden {token}",
        "afmelden piet@example.nl",
    ]
    path = tmp_path / "verzoeken.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    found = read_request_file(path, lambda: secret)
    assert found.addresses == [(n, "zoe@example.nl") for n in (4, 5, 6, 7)]
    assert [(p.line, p.message) for p in found.refused] == [
        (3, "'Anna@Example.nl' is een adres zonder afmeldcode: iedereen kan dat sturen; controleer het zelf "
            "en gebruik --email als die persoon het echt vroeg"),
        (8, "'piet@example.nl' is een adres zonder afmeldcode: iedereen kan dat sturen; controleer het zelf "
            "en gebruik --email als die persoon het echt vroeg"),
    ]
    with pytest.raises(TokenError, match="adres zonder afmeldcode"):
        address_from_request("piet@example.nl", lambda: secret)


def test_a_request_line_that_is_not_utf8_is_refused_and_the_rest_read(tmp_path):
    token = make_token("zoe@example.nl", SECRET.encode())
    path = tmp_path / "verzoeken.txt"
    path.write_bytes(b"afmelden Ren\xe9\n" + f"afmelden {token}\n".encode())
    found = read_request_file(path, lambda: SECRET.encode())
    assert [(p.line, p.message) for p in found.refused] == [(1, "geen geldige UTF-8 bij byte 12 van deze regel")]
    assert found.addresses == [(2, "zoe@example.nl")]
