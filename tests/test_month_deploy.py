"""Publishing and deploying: the production build's own checks, rsync to a local folder, the live check."""

from __future__ import annotations

import os
import re

import pytest
from click.testing import CliRunner

from coachsite.month.deploy import DeployError, check_live, production_build, production_problems, rsync_command, upload
from month_helpers import ROOT, live_site

pytestmark = pytest.mark.usefixtures("business_details")


def files_transferred(stats: str) -> int:
    return int(re.search(r"Number of regular files transferred: (\d+)", stats).group(1))


def site(folder, pages: dict[str, str]):
    for name, text in pages.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_upload_sends_only_changes_puts_new_files_first_and_deletes_old_ones_last(tmp_path):
    source = site(tmp_path / "publish", {"index.html": "<h1>Home</h1>", "oud/index.html": "oud", "site.css": "body{}"})
    target = tmp_path / "www"
    assert files_transferred(upload(source, f"{target}/")) == 3
    # A rebuild rewrites every file (new mtimes); only the changed one travels.
    site(source, {"index.html": "<h1>Welkom</h1>", "site.css": "body{}", "nieuw/index.html": "nieuw"})
    (source / "oud" / "index.html").unlink()
    (source / "oud").rmdir()
    os.utime(source / "site.css")
    assert files_transferred(upload(source, f"{target}/")) == 2
    assert sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()) == [
        "index.html", "nieuw/index.html", "site.css"
    ]
    assert (target / "index.html").read_text(encoding="utf-8") == "<h1>Welkom</h1>"
    command = rsync_command(source, "user@host:/var/www/", environ={})
    assert {"--delay-updates", "--delete-after", "--checksum", "--rsh=ssh -o BatchMode=yes"} <= set(command)
    assert "--rsh=ssh -o BatchMode=yes" not in rsync_command(source, "x:/y/", environ={"RSYNC_RSH": "ssh -p 2222"})
    assert command[-2:] == [f"{source}/", "user@host:/var/www/"]


def test_upload_problems_are_clear_and_leave_the_target_alone(tmp_path):
    source = site(tmp_path / "publish", {"index.html": "nieuw"})
    blocker = tmp_path / "bestand"
    blocker.write_text("geen map", encoding="utf-8")
    with pytest.raises(DeployError, match=r"uploaden naar .*bestand/www/ mislukte: .*"):
        upload(source, f"{blocker}/www/")
    with pytest.raises(DeployError, match="DEPLOY_RSYNC_TARGET is niet ingesteld"):
        upload(source, "")
    with pytest.raises(DeployError, match="staat geen gebouwde site"):
        upload(tmp_path / "leeg", f"{tmp_path}/www/")
    assert blocker.read_text(encoding="utf-8") == "geen map"


def test_check_live_wants_200_and_the_title(tmp_path):
    folder = site(tmp_path / "www", {"nieuwsbrief/2026-11-25/index.html": "<h1>Tips van november: &#34;ja&#34; &amp; nee</h1>"})
    with live_site(folder) as url:
        check_live(f"{url}/nieuwsbrief/2026-11-25/", 'Tips van november: "ja" & nee')
        with pytest.raises(DeployError, match="antwoordt 404 in plaats van 200"):
            check_live(f"{url}/nieuwsbrief/2026-12-30/", "Tips")
        with pytest.raises(DeployError, match="toont 'Tips van december' niet"):
            check_live(f"{url}/nieuwsbrief/2026-11-25/", "Tips van december")
    with pytest.raises(DeployError, match="is niet bereikbaar"):
        check_live(url + "/", "Tips", timeout=5)  # the server is gone


@pytest.mark.parametrize(
    "siteurl, problem",
    [("", "volledig adres"), ("http://www.example.nl", "gebruik https://"), ("https://www.example.nl", None), ("http://127.0.0.1:8000", None)],
)
def test_production_checks_siteurl(siteurl, problem):
    problems = production_problems({"SITEURL": siteurl})
    assert (problem in problems[0]) if problem else problems == []


def test_a_failed_production_build_leaves_the_published_site_as_it_was(tmp_path):
    from month_helpers import untagged_content

    content = untagged_content(tmp_path / "content")
    (content / "klantbeleving" / "kapot.md").write_text("Title: Kapot\nDate: 2026-02-31 09:00\n\nTekst.\n", encoding="utf-8")
    published = site(tmp_path / "publish", {"index.html": "de vorige site"})
    with pytest.raises(DeployError, match="het bouwen van de productiesite mislukte") as error:
        production_build(published, PATH=str(content))
    assert "kapot.md" in str(error.value)
    assert (published / "index.html").read_text(encoding="utf-8") == "de vorige site"


def test_make_publish_and_deploy_commands(tmp_path, monkeypatch):
    from scripts.publish import cli

    source = site(tmp_path / "publish", {"index.html": "site"})
    monkeypatch.setenv("PUBLISH_DIR", str(source))
    monkeypatch.setenv("DEPLOY_RSYNC_TARGET", f"{tmp_path}/www/")
    result = CliRunner().invoke(cli, ["upload"])
    assert result.exit_code == 0, result.output
    assert f"{source} geüpload naar {tmp_path}/www/" in result.output
    assert (tmp_path / "www" / "index.html").exists()
    monkeypatch.setenv("DEPLOY_RSYNC_TARGET", "")
    result = CliRunner().invoke(cli, ["upload"])
    assert result.exit_code == 1 and "Fout: DEPLOY_RSYNC_TARGET is niet ingesteld" in result.output


def test_every_page_the_email_links_to_must_be_live(tmp_path):
    from coachsite.month.deploy import check_issue_live

    folder = site(tmp_path / "www", {"nieuwsbrief/2026-11-25/index.html": "<h1>Tips van november</h1>", "eerste/index.html": "<h1>Eerste tip</h1>"})
    with live_site(folder) as url:
        data = {
            "date": "2026-11-25",
            "subject": "Tips van november",
            "web_url": f"{url}/nieuwsbrief/2026-11-25/",
            "posts": [{"url": f"{url}/eerste/", "title": "Eerste tip"}],
        }
        assert check_issue_live(data, url) == f"{url}/nieuwsbrief/2026-11-25/"
        data["posts"].append({"url": f"{url}/vanmiddag/", "title": "Een tip van vanmiddag"})
        with pytest.raises(DeployError, match="/vanmiddag/ antwoordt 404"):
            check_issue_live(data, url)
        data["posts"] = [{"url": f"{url}/eerste/", "title": "Eerste tip", "image_url": f"{url}/nieuwsbrief/2026-11-25/images/eerste.png"}]
        with pytest.raises(DeployError, match="/images/eerste.png antwoordt 404"):
            check_issue_live(data, url)  # the picture the email shows is part of the issue too
        (folder / "nieuwsbrief" / "2026-11-25" / "images").mkdir()
        (folder / "nieuwsbrief" / "2026-11-25" / "images" / "eerste.png").write_bytes(b"\x89PNG\r\n\x1a\n")
        assert check_issue_live(data, url) == f"{url}/nieuwsbrief/2026-11-25/"
