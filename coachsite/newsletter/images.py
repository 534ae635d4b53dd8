"""The email's pictures, made when an issue is built and kept with it: ``DATE/images/<slug>.png``.

Gmail and Outlook show no SVG, so a post's SVG image is rendered to a PNG (resvg, imported only
here: the site build never renders) for the posts the issue carries, and only for those; a raster
image (PNG, JPEG, GIF, WebP) is copied as it is. Kept in the issue folder, an archived email keeps
the picture it was sent with even when the post's image changes later. ``plugins/newsletter_archive.py``
copies them into the site at ``/nieuwsbrief/DATE/images/``, and the email links them there
(absolute, on ``PUBLIC_SITEURL``).

A test copy carries the pictures inside the message instead (:func:`inline_pictures`): it often
goes out before the site that publishes them is deployed (``auto`` sends it two days before).

Settings: ``EMAIL_IMAGE_WIDTH`` (default 1200 px: sharp at the email's 600 px).
"""

from __future__ import annotations

import dataclasses
import email
import os
from email import policy
from pathlib import Path

from coachsite.i18n import _

IMAGES_DIR = "images"
RASTER = {".png", ".jpg", ".jpeg", ".gif", ".webp"}


class ImageError(Exception):
    """A post's image cannot be made into the email's picture; the message names the file."""


def image_name(slug: str, source: Path) -> str:
    suffix = source.suffix.lower()
    return f"{slug}.png" if suffix == ".svg" else f"{slug}{suffix}"


def render_png(svg: Path, width: int) -> bytes:
    import resvg_py  # a Rust renderer in the wheel; only the newsletter needs it

    try:
        return bytes(resvg_py.svg_to_bytes(svg_path=str(svg), width=width, background="#ffffff"))
    except Exception as error:  # resvg raises its own error types for broken SVG
        raise ImageError(_("{path}: this SVG cannot be turned into a PNG for the email ({error})").format(path=svg, error=error)) from error


def picture(source: Path, width: int) -> bytes:
    """The bytes the email shows for ``source``: a PNG of an SVG, a raster image as it is."""
    suffix = source.suffix.lower()
    if suffix == ".svg":
        return render_png(source, width)
    if suffix in RASTER:
        return source.read_bytes()
    raise ImageError(_("{path}: mail programs cannot show this kind of image; use SVG, PNG or JPEG").format(path=source))


def issue_images(posts, settings: dict, issue_date: str) -> tuple[list, dict[str, bytes]]:
    """The posts with ``image_url`` on the issue's own copy, and ``{file name: bytes}`` to keep.

    A post whose image file is missing gets no picture; a post without ``image_source`` (made
    elsewhere, e.g. a benchmark) keeps the ``image_url`` it has.
    """
    width = settings.get("EMAIL_IMAGE_WIDTH", 1200)
    site = settings["PUBLIC_SITEURL"]
    chosen, images = [], {}
    for post in posts:
        if post.image_source:
            source = Path(post.image_source)
            url = None
            if source.is_file():
                name = image_name(post.slug, source)
                images[name] = picture(source, width)
                url = image_url(site, issue_date, name)
            post = dataclasses.replace(post, image_url=url)
        chosen.append(post)
    return chosen, images


def image_url(site_url: str, issue_date: str, name: str) -> str:
    """Where the site publishes an issue's picture (``plugins/newsletter_archive.py`` copies it there)."""
    return f"{site_url.rstrip('/')}/nieuwsbrief/{issue_date}/{IMAGES_DIR}/{name}"


def write_images(folder: Path, images: dict[str, bytes]) -> None:
    """Put the issue's pictures in place, each atomically (before ``issue.json`` names them)."""
    if not images:
        return
    target = folder / IMAGES_DIR
    target.mkdir(parents=True, exist_ok=True)
    for name, data in images.items():
        tmp = target / f".{name}.tmp"
        tmp.write_bytes(data)
        os.replace(tmp, target / name)


def prune_images(folder: Path, keep) -> None:
    """Remove pictures of posts the issue no longer carries (after ``issue.json`` stopped naming them)."""
    target = folder / IMAGES_DIR
    if not target.is_dir():
        return
    for old in target.iterdir():
        if old.name not in keep:
            old.unlink()
    if not any(target.iterdir()):
        target.rmdir()


def published_images(folder: Path) -> list[Path]:
    """The picture files of an issue folder, for the site build to copy (never made there)."""
    target = folder / IMAGES_DIR
    return sorted(p for p in target.iterdir() if p.is_file() and not p.name.startswith(".")) if target.is_dir() else []


# Headers made by message.py are written back exactly as they were (no refolding, no RFC 2047).
_AS_MADE = policy.SMTP.clone(refold_source="none")
_SUBTYPES = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".gif": "gif", ".webp": "webp"}


def inline_pictures(data: bytes, issue) -> bytes:
    """The message ``data`` with the issue's pictures inside it (``cid:``), for a test copy.

    The HTML part becomes ``multipart/related`` (HTML + pictures); headers, text part and links
    stay as they are. A picture the issue folder lacks stays linked.
    """
    prefix = f"{issue.data.get('web_url', '')}{IMAGES_DIR}/"  # web_url: .../nieuwsbrief/DATE/, as image_url
    files = [issue.folder / IMAGES_DIR / p["image_url"][len(prefix):] for p in issue.data.get("posts", [])
             if str(p.get("image_url") or "").startswith(prefix)]
    files = [path for path in files if path.is_file() and path.suffix.lower() in _SUBTYPES]
    if not files:
        return data
    msg = email.message_from_bytes(data, policy=_AS_MADE)
    part = msg.get_body(("html",))
    html = part.get_content()
    for path in files:
        html = html.replace(f'src="{prefix}{path.name}"', f'src="cid:{path.name}@nieuwsbrief"')
    part.set_content(html, subtype="html", cte="quoted-printable")
    for path in files:
        part.add_related(path.read_bytes(), "image", _SUBTYPES[path.suffix.lower()], cid=f"<{path.name}@nieuwsbrief>",
                         disposition="inline", filename=path.name)
    return msg.as_bytes(policy=_AS_MADE)
