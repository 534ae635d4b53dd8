"""See the email as a subscriber would: personalised HTML plus PNG screenshots at 600 and 375 px.

Uses headless Debian Chromium (see ``coachsite.browser``). The screenshots are full-page: the
window is resized to the document's height before the capture.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from coachsite.i18n import _

from .images import IMAGES_DIR, image_url
from .render import GREETING, UNSUBSCRIBE_URL

WIDTHS = {"desktop": 600, "mobile": 375}


class PreviewError(Exception):
    pass


@dataclass
class Preview:
    html: Path
    screenshots: list[Path]


def personalise(html: str, name: str | None, unsubscribe_url: str) -> str:
    """Fill the per-subscriber placeholders (also used by ``send``)."""
    greeting = f"Beste {name}," if name else "Hallo,"
    return html.replace(GREETING, greeting).replace(UNSUBSCRIBE_URL, unsubscribe_url)


def make_previews(folder: Path, widths: dict[str, int] = WIDTHS, site_url: str | None = None) -> Preview:
    """Write preview.html and one full-page PNG per width into the issue folder.

    With ``site_url``, the pictures are taken from the issue folder itself, where ``build`` made
    them: the preview shows them before the site is built or published.
    """
    source = folder / "email.html"
    if not source.exists():
        raise PreviewError(
            _("{path} does not exist: build the issue first (make newsletter DATE={date})").format(path=source, date=folder.name)
        )
    html = personalise(source.read_text(encoding="utf-8"), "Anna", "#afmelden")
    pictures = folder / IMAGES_DIR
    if site_url and pictures.is_dir():
        published = image_url(site_url, folder.name, "")
        html = html.replace(f'src="{published}', f'src="{pictures.resolve().as_uri()}/')
    html_path = folder / "preview.html"
    html_path.write_text(html, encoding="utf-8")

    from coachsite.browser import chromium

    shots = []
    try:
        for label, width in widths.items():
            with chromium(width=width, height=900) as driver:
                driver.get(html_path.resolve().as_uri())
                for _attempt in range(3):  # the viewport is a little smaller than the window: converge
                    missing = driver.execute_script(
                        "return document.documentElement.scrollHeight - window.innerHeight"
                    )
                    if missing <= 0:
                        break
                    size = driver.get_window_size()
                    driver.set_window_size(width, min(size["height"] + missing, 16000))
                png = folder / f"preview-{label}.png"
                driver.save_screenshot(str(png))
                shots.append(png)
    except Exception as error:  # chromium missing or failing: say so plainly
        raise PreviewError(
            _("headless Chromium failed ({error}); install Debian's chromium and chromium-driver").format(error=error)
        ) from error
    return Preview(html=html_path, screenshots=shots)
