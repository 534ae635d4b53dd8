"""The coach's side of the newsletter (issue #15): what she is told, in Dutch, before anything goes out."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from newsletter_helpers import posts, root  # noqa: F401  (fixtures)

from coachsite.newsletter.issue import build_issue, default_issue_date, newsletter_posts
from coachsite.newsletter.render import RenderError, markdown_to_text
from coachsite.site import build_site

ROOT = Path(__file__).resolve().parent.parent
NOW = dt.datetime(2026, 11, 25, 8, 0, tzinfo=dt.timezone.utc)
NOVEMBER = dt.date(2026, 11, 25)
DUTCH_NUMBERS = {2: "twee", 3: "drie", 4: "vier", 5: "vijf", 6: "zes", 7: "zeven", 8: "acht"}


def build(settings, root, posts, date=NOVEMBER, **kw):
    return build_issue(date, settings, root, root / "templates", posts=posts, now=NOW, **kw)


def run(root, *args):
    from scripts.newsletter import cli

    return CliRunner().invoke(cli, ["--root", str(root), *args])


def mark_sent(root, date="2026-11-25"):
    (root / date / "sent.json").write_text(json.dumps({"finished_at": f"{date}T10:00:00+01:00", "sent": 3}), encoding="utf-8")


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("subject", "Tips\tvan november", "--subject bevat een regeleinde, tab of ander stuurteken"),
        ("preheader", "Lees\x07dit", "--preheader bevat een regeleinde, tab of ander stuurteken"),
        ("subject", "x" * 121, "--subject is 121 tekens; houd hem onder de 120"),
        ("subject", "   ", "--subject is leeg"),
    ],
)
def test_subject_and_preheader_are_checked_at_build(settings, root, posts, field, value, message):
    with pytest.raises(RenderError, match=message):
        build(settings, root, posts, **{field: value})
    assert not (root / "2026-11-25" / "issue.json").exists()  # nothing published that send would refuse
    result = run(root, "build", "--date", "2026-11-25", f"--{field}", value)
    assert result.exit_code == 1 and result.output.startswith("Fout: " + message), result.output


def test_default_subject_has_one_colon(settings, root, posts):
    from newsletter_helpers import post

    built = build(settings, root, posts)
    assert built.data["subject"] == "Tips van november – Van klacht naar vertrouwen: eerlijk zijn over wat kan"
    plain = post("nee-zeggen", "2026-10-20", title="Nee zeggen zonder de klant kwijt te raken")
    october = build(settings, root, [plain], date=dt.date(2026, 10, 28))
    assert october.data["subject"] == "Tips van oktober: Nee zeggen zonder de klant kwijt te raken"


def test_intro_warns_when_the_posts_under_it_change(settings, root, posts):
    folder = root / "2026-11-25"
    folder.mkdir()
    (folder / "intro.md").write_text("Het eerste artikel gaat over **eerlijk** zijn.\n", encoding="utf-8")
    first = [p for p in posts if p.slug != "van-klacht-naar-vertrouwen"]
    assert build(settings, root, first).warnings == []
    stored = json.loads((folder / "issue.json").read_text(encoding="utf-8"))["intro_lineup"]
    assert stored["posts"] == ["dienend-leiderschap-het-antwoord-is-ja"]
    changed = build(settings, root, posts)
    assert changed.warnings == [
        f"{folder / 'intro.md'} is geschreven voor de artikelen dienend-leiderschap-het-antwoord-is-ja; de nieuwsbrief "
        "heeft nu van-klacht-naar-vertrouwen, dienend-leiderschap-het-antwoord-is-ja. Lees de inleiding opnieuw "
        "(klopt 'het eerste artikel' nog?) en sla hem op om de nieuwe volgorde te accepteren."
    ]
    assert build(settings, root, posts).warnings == changed.warnings  # still true on the next rebuild
    (folder / "intro.md").write_text("Het eerste artikel gaat over een klacht.\n", encoding="utf-8")
    assert build(settings, root, posts).warnings == []  # the coach reread and saved it


def test_intro_markdown_is_plain_text_in_email_txt(settings, root, posts):
    folder = root / "2026-11-25"
    folder.mkdir()
    (folder / "intro.md").write_text(
        "Zeg vaker **ja** en _luister_.\n\n- Lees [de tips](https://www.klantgerichtwerkt.nl/tips/)\n- Bel me\n",
        encoding="utf-8",
    )
    build(settings, root, posts)
    text = (folder / "email.txt").read_text(encoding="utf-8")
    assert "Zeg vaker ja en luister.\n\n- Lees de tips (https://www.klantgerichtwerkt.nl/tips/)\n- Bel me\n" in text
    assert not any(mark in text for mark in ("**", "_luister_", "]("))
    assert markdown_to_text("") == ""


def test_without_date_after_the_issue_was_sent_the_next_one_is_built(settings, root, posts):
    build(settings, root, posts)
    assert default_issue_date(root, NOVEMBER) == NOVEMBER
    mark_sent(root)
    assert default_issue_date(root, NOVEMBER) == dt.date(2026, 12, 30)
    result = run(root, "build", "--today", "2026-11-25")
    # The next issue is attempted (December has no posts yet), not "already sent, build the next one".
    assert "Geen artikelen voor de nieuwsbrief van 30 december 2026" in result.output
    assert "al verstuurd" not in result.output


def test_web_copy_says_sent_and_is_listed_only_once_sent(settings, root, posts, tmp_path):
    build(settings, root, posts)

    def site():
        out = tmp_path / f"site-{len(list(tmp_path.glob('site-*')))}"
        build_site(ROOT / "pelicanconf.py", out, NEWSLETTER_DIR=str(root))
        read = lambda rel: BeautifulSoup((out / rel / "index.html").read_text(encoding="utf-8"), "html.parser")  # noqa: E731
        return read("nieuwsbrief/2026-11-25"), read("nieuwsbrief")

    issue, page = site()
    assert issue.find("p", class_="meta").get_text(" ", strip=True) == "Verschijnt op 25 november 2026"
    assert "Verstuurd op" not in issue.get_text()
    assert issue.find("meta", attrs={"name": "robots", "content": "noindex"})
    assert not page.find(id="issues-title") and not issue.find(id="issues-title")

    mark_sent(root)
    issue, page = site()
    assert issue.find("p", class_="meta").get_text(" ", strip=True) == "Verstuurd op 25 november 2026"
    assert not issue.find("meta", attrs={"name": "robots"})
    assert not issue.find(id="issues-title")  # an issue is not "earlier" than itself
    listed = [a["href"] for a in page.find(id="issues-title").find_next("ul").find_all("a")]
    assert listed == ["/nieuwsbrief/2026-11-25/"]


def test_newsletter_page_promises_what_the_tool_does(settings):
    text = (ROOT / "content" / "pages" / "nieuwsbrief.md").read_text(encoding="utf-8")
    assert f"hooguit {DUTCH_NUMBERS[settings['NEWSLETTER_MAX_POSTS']]}" in text
    assert "Drie tot vijf" not in text  # an issue with one or two new posts is normal


def test_template_mistakes_are_one_clear_line(root):
    (root / "templates" / "email.txt.j2").write_text("Hallo {{ greeting }\n", encoding="utf-8")
    broken = run(root, "build", "--date", "2026-11-25")
    assert broken.exit_code == 1 and "Traceback" not in broken.output
    assert broken.output.startswith(f"Fout: {root / 'templates' / 'email.txt.j2'}, regel 1: ")
    (root / "templates" / "email.mjml.j2").unlink()
    missing = run(root, "build", "--date", "2026-11-25")
    assert missing.output == f"Fout: sjabloon {root / 'templates' / 'email.mjml.j2'} bestaat niet\n"
    assert not (root / "2026-11-25" / "issue.json").exists()


def test_malformed_issue_files_are_one_clear_line(root):
    folder = root / "2026-11-25"
    folder.mkdir()
    (folder / "issue.json").write_text('{"date": "2026-11-25", "posts": []}', encoding="utf-8")
    (folder / "sent.json").write_text("{niet af", encoding="utf-8")
    listing = run(root, "list")
    assert listing.exit_code == 1 and listing.output.startswith(f"Fout: {folder / 'sent.json'}: dit bestand is niet te lezen")
    (folder / "issue.json").write_text("[", encoding="utf-8")
    assert run(root, "list").output.startswith(f"Fout: {folder / 'issue.json'}: deze nieuwsbrief is niet te lezen")


def test_click_speaks_dutch_too(root):
    helped = run(root, "--help")
    assert "Gebruik:" in helped.output and "Maak, bekijk en verstuur de maandelijkse nieuwsbrief" in helped.output
    assert "Opties:" in helped.output and "Toon deze uitleg en stop." in helped.output
    year = run(root, "schedule", "--year", "0")
    assert year.exit_code == 2 and "Fout: Ongeldige waarde voor '--year': 0 valt buiten het bereik" in year.output
    missing = run(root, "preview")
    assert missing.exit_code == 2 and "Fout: Ontbrekende optie '--date'" in missing.output
    assert "Typ 'cli preview --help' voor uitleg." in missing.output or "voor uitleg." in missing.output


def test_no_issue_from_content_with_mistakes(settings, root, tmp_path):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    shutil.copytree(ROOT / "tests" / "fixtures" / "bad" / "day-first-date", content, dirs_exist_ok=True)
    local = {**settings, "PATH": str(content)}
    with pytest.raises(Exception) as error:
        build_issue(NOVEMBER, local, root, root / "templates", now=NOW)
    message = str(error.value)
    assert message.startswith("content/ bevat fouten, dus er is geen nieuwsbrief gemaakt")
    assert "day-first-date.md:2: Date '05-11-2026 09:00' begint met de dag" in message
    assert not (root / "2026-11-25").exists()


@pytest.mark.parametrize(
    "config, problem",
    [
        ('SITENAME = "Klantgericht Werkt\n', "unterminated string literal (detected at line 2)"),
        ("SITENAME = KLANTGERICHT\n", "NameError: name 'KLANTGERICHT' is not defined"),
        ("import pelicanconf_extra\n", "ModuleNotFoundError: No module named 'pelicanconf_extra'"),
    ],
)
@pytest.mark.parametrize("command", [["build", "--date", "2026-11-25"], ["send", "--date", "2026-11-25", "--test", "a@example.nl"]])
def test_a_broken_settings_file_is_one_dutch_line(root, tmp_path, config, problem, command):
    from scripts.newsletter import cli

    settings_file = tmp_path / "pelicanconf.py"
    settings_file.write_text('AUTHOR = "Marieke Jansen"\n' + config, encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(settings_file), "--root", str(root), *command])
    assert result.exit_code == 1 and result.exception.__class__ is SystemExit
    assert result.output == (f"Fout: {settings_file}, regel 2: er zit een fout in het instellingenbestand ({problem}); "
                             "herstel die en probeer het opnieuw\n")
    assert not (root / "2026-11-25").exists()


def test_commands_made_elsewhere_get_dutch_usage_lines_when_added():
    import click

    from coachsite.clitools import CoachGroup

    @click.group(cls=CoachGroup)
    def top():
        pass

    @click.group()
    def other():
        pass

    @other.command()
    def inner():
        pass

    @top.group()
    def made_here():
        pass

    @made_here.command()
    def later():
        pass

    top.add_command(other)
    assert " ".join(CliRunner().invoke(top, ["--help"]).output.split()).startswith("Gebruik: top [OPTIES] OPDRACHT [ARGUMENTEN]...")
    assert "Gebruik: top other inner [OPTIES]" in CliRunner().invoke(top, ["other", "inner", "--help"]).output
    assert "Gebruik: top made-here later [OPTIES]" in CliRunner().invoke(top, ["made-here", "later", "--help"]).output
