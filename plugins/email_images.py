"""PNG copies of SVG article images, for the newsletter (Gmail and Outlook do not show SVG).

For every article whose ``Image:`` is an SVG, writes ``images/email/<name>.png`` into the output
(rendered with resvg, cached by content hash so rebuilds are cheap) and sets
``article.email_image_url`` (absolute, on ``PUBLIC_SITEURL``). Raster images are used as they are.

Settings: ``SITE_BUILD`` (default True; False, when posts are only read, computes the URLs only),
``EMAIL_IMAGE_WIDTH`` (default 1200 px, sharp at the email's 600 px),
``EMAIL_IMAGE_CACHE`` (default ``cache/email-images`` next to the config).
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from pelican import signals

from coachsite.content import resolve_image


def render_png(svg: Path, png: Path, width: int, cache: Path) -> None:
    import resvg_py

    digest = hashlib.sha256(svg.read_bytes() + str(width).encode()).hexdigest()[:20]
    cached = cache / f"{digest}.png"
    if not cached.exists():
        cache.mkdir(parents=True, exist_ok=True)
        data = resvg_py.svg_to_bytes(svg_path=str(svg), width=width, background="#ffffff")
        tmp = cached.with_suffix(".tmp")
        tmp.write_bytes(bytes(data))
        tmp.replace(cached)
    png.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(cached, png)


def add_email_images(generator):
    settings = generator.settings
    site = settings.get("PUBLIC_SITEURL", "").rstrip("/")
    width = settings.get("EMAIL_IMAGE_WIDTH", 1200)
    cache = Path(settings.get("EMAIL_IMAGE_CACHE") or Path(settings["PATH"]).parent / "cache" / "email-images")
    output = Path(settings["OUTPUT_PATH"])
    write = settings.get("SITE_BUILD", True)
    for article in generator.articles:
        path = resolve_image(article.metadata.get("image"))
        if not path:
            article.email_image_url = None
            continue
        if not path.lower().endswith(".svg"):
            article.email_image_url = f"{site}/{path}"
            continue
        source = Path(settings["PATH"]) / path
        if not source.is_file():
            article.email_image_url = None
            continue
        target = f"images/email/{Path(path).stem}.png"
        if write:
            render_png(source, output / target, width, cache)
        article.email_image_url = f"{site}/{target}"


def register():
    signals.article_generator_finalized.connect(add_email_images)
