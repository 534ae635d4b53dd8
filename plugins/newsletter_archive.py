"""Web copies of the built newsletter issues, in the site's own theme.

Reads every ``NEWSLETTER_DIR/YYYY-MM-DD/issue.json`` (written by ``scripts/newsletter.py build``),
writes ``nieuwsbrief/YYYY-MM-DD/index.html`` with the template ``newsletter_issue.html``, copies the
email's pictures that ``build`` made and kept in the issue folder (``images/``) to
``nieuwsbrief/YYYY-MM-DD/images/`` (a copy only: the site build never renders an image), and puts
``NEWSLETTER_ISSUES`` (newest first, each with ``url``) in the context for the Nieuwsbrief page.

Settings: ``NEWSLETTER_DIR`` (default ``newsletters`` next to the content folder).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from markupsafe import Markup
from pelican import signals
from pelican.generators import Generator

from coachsite.newsletter.archive import list_issues
from coachsite.newsletter.images import IMAGES_DIR, published_images


class NewsletterArchiveGenerator(Generator):
    def generate_context(self):
        root = Path(self.settings.get("NEWSLETTER_DIR") or Path(self.settings["PATH"]).parent / "newsletters")
        issues = []
        self.pictures = []  # (file in the issue folder, path in the site); kept out of the context
        for record in reversed(list_issues(root)):
            data = dict(record.data)
            data["date"] = record.date
            data["url"] = f"nieuwsbrief/{record.date.isoformat()}/"
            data.update(record.web_fields())  # "sent", "sent_on": unsent issues are not listed
            data["intro_html"] = Markup(data.get("intro_html", ""))  # the coach's own Markdown, rendered at build
            data["posts"] = [
                {**post, "date": dt.datetime.fromisoformat(post["date"])} for post in data.get("posts", [])
            ]
            issues.append(data)
            self.pictures += [(path, f"{data['url']}{IMAGES_DIR}/{path.name}") for path in published_images(record.folder)]
        self.context["NEWSLETTER_ISSUES"] = issues

    def generate_output(self, writer):
        template = self.get_template("newsletter_issue")
        for issue in self.context["NEWSLETTER_ISSUES"]:
            writer.write_file(
                issue["url"] + "index.html",
                template,
                self.context,
                issue=issue,
                relative_urls=self.settings["RELATIVE_URLS"],
                url=issue["url"],
            )
        for source, target in self.pictures:
            path = Path(self.output_path) / target
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, path)


def get_generators(pelican):
    return NewsletterArchiveGenerator


def register():
    signals.get_generators.connect(get_generators)
