"""The production site: build it into its own folder, upload it with rsync, check it is live.

Why here and not in ``make``: the unattended run (``auto``) and the coach's ``make publish`` /
``make deploy`` must do exactly the same thing, so both call these functions.

- :func:`production_build` is the ONE way to make the production site: content checks, the
  production-only checks of :func:`production_problems` (add new ones there), then the atomic
  build of ``coachsite.build`` into ``PUBLISH_DIR`` (never ``output/``, which ``make serve`` uses).
- :func:`upload` runs rsync the way Pelican's own Makefile does, plus: ``--checksum`` (Pelican
  rewrites every file, so size+mtime would send them all), ``--delay-updates`` and
  ``--delete-after`` (new files are put in place at the end, old ones removed last: a visitor
  never gets a page whose stylesheet is already gone).
- :func:`check_live` asks the live site over HTTP for a page and its expected text.
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from coachsite.build import BuildError, build
from coachsite.i18n import _
from coachsite.clitools import CoachError, read_config

ROOT = Path(__file__).resolve().parent.parent.parent
PUBLISH_CONFIG = ROOT / "publishconf.py"
RSYNC_OPTIONS = (
    "--recursive",
    "--links",
    "--times",
    "--omit-dir-times",
    "--checksum",
    "--delay-updates",
    "--delete-after",
    "--compress",
    "--human-readable",
    "--stats",
)
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class DeployError(Exception):
    """The site could not be built, uploaded or found live; the message says what to fix."""


def production_problems(settings: dict) -> list[str]:
    """Problems that only matter for the live site (the development build may have them)."""
    problems = []
    url = urlsplit(str(settings.get("SITEURL", "")))
    if url.scheme not in ("https", "http") or not url.netloc:
        problems.append(_("SITEURL is '{value}': the live site needs an absolute address such as https://www.example.nl").format(value=settings.get("SITEURL", "")))
    elif url.scheme == "http" and url.hostname not in LOOPBACK:
        problems.append(_("SITEURL is '{value}': use https:// for the live site").format(value=settings["SITEURL"]))
    return problems


def production_build(output: Path, config: Path = PUBLISH_CONFIG, **override):
    """Check and build the production site into ``output``; a failure leaves ``output`` as it was."""
    try:
        settings = read_config(config, **override)
    except CoachError as error:  # a broken settings file: the coach is told, as for any failed step
        raise DeployError(error.format_message()) from error
    problems = production_problems(settings)
    if problems:
        raise DeployError(_("the production build was refused: {problems}").format(problems="; ".join(problems)))
    try:
        return build(config, Path(output), **override)
    except BuildError as error:
        details = "".join(f"\n  {line}" for line in error.details[:20])
        raise DeployError(_("the production build failed: {error}").format(error=error) + details) from error


def rsync_command(source: Path, target: str, environ=None) -> list[str]:
    """rsync with our options; over SSH never a password prompt (an unattended run would hang)."""
    environ = os.environ if environ is None else environ
    rsh = [] if environ.get("RSYNC_RSH") else ["--rsh=ssh -o BatchMode=yes"]
    return ["rsync", *RSYNC_OPTIONS, *rsh, f"{Path(source)}/", target]


def upload(source: Path, target: str, *, timeout: float = 900) -> str:
    """Upload the built site to ``target`` with rsync; returns rsync's statistics."""
    if not target:
        raise DeployError(_("DEPLOY_RSYNC_TARGET is not set: where the live site lives, e.g. user@host:/var/www/site/"))
    if not (Path(source) / "index.html").is_file():
        raise DeployError(_("{folder} holds no built site: run make publish first").format(folder=source))
    if shutil.which("rsync") is None:
        raise DeployError(_("rsync is not installed: sudo apt-get install rsync"))
    try:
        done = subprocess.run(rsync_command(source, target), capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as error:
        raise DeployError(_("rsync to {target} took longer than {seconds} s and was stopped").format(target=target, seconds=int(timeout))) from error
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
        raise DeployError(_("uploading to {target} failed: {error}").format(target=target, error=last))
    return done.stdout


def check_live(url: str, expected: str, *, timeout: float = 30) -> None:
    """The page at ``url`` answers 200 and shows ``expected`` (compared after HTML unescaping)."""
    request = urllib.request.Request(url, headers={"User-Agent": "klantgerichtwerkt-auto", "Cache-Control": "no-cache"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, body = response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        raise DeployError(_("{url} answers {status} instead of 200: the web copy is not live").format(url=url, status=error.code)) from error
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise DeployError(_("{url} cannot be reached: {error}").format(url=url, error=reason)) from error
    if status != 200:
        raise DeployError(_("{url} answers {status} instead of 200: the web copy is not live").format(url=url, status=status))
    if expected not in html.unescape(body):
        raise DeployError(_("{url} does not show '{title}': the live site is not the one just built").format(url=url, title=expected))


def check_issue_live(data: dict, site_url: str) -> str:
    """Everything the email links to answers on the live site: the web copy, each post and its picture.

    A post dated later on the issue day is not on the site yet when the morning run builds it;
    the email would link to a missing page, so that counts as "not live" too.
    """
    web_url = data.get("web_url") or f"{site_url}/nieuwsbrief/{data['date']}/"
    check_live(web_url, str(data.get("subject", "")))
    for post in data.get("posts", []):
        check_live(post["url"], post["title"])
        if post.get("image_url"):
            check_live(post["image_url"], "")  # nieuwsbrief/DATE/images/: copied by the site build
    return web_url
