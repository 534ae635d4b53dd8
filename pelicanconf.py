"""Pelican settings for the development build (``make html`` / ``make serve``).

Plain Python, read by Pelican and by the newsletter scripts alike, so there is one
source of truth. ``publishconf.py`` imports everything from here and overrides what
differs in production.
"""

import datetime
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent

# --- The site -------------------------------------------------------------------
AUTHOR = "Marieke Jansen"
SITENAME = "Klantgericht Werkt"
SITESUBTITLE = "Praktische tips voor klantgerichte teams"
SITEURL = ""  # empty for local previews: links stay relative to http://localhost:8000
# The address of the live site. Canonical links, feeds, share links and newsletter links always
# point here, also in a local preview. Override with the environment variable SITEURL.
PUBLIC_SITEURL = os.environ.get("SITEURL", "https://www.klantgerichtwerkt.nl").rstrip("/")
SITELOGO = "images/logo.svg"
PATH = "content"
THEME = str(ROOT / "theme")
OUTPUT_PATH = "output"
TIMEZONE = "Europe/Amsterdam"
DEFAULT_LANG = "nl"
DEFAULT_DATE_FORMAT = "%Y-%m-%d"  # not shown to readers: templates use the |nl_date filter
DEFAULT_PAGINATION = 12
PAGINATION_PATTERNS = (
    (1, "{url}", "{save_as}"),
    (2, "{base_name}/pagina/{number}/", "{base_name}/pagina/{number}/index.html"),
)
SUMMARY_MAX_LENGTH = 40
WITH_FUTURE_DATES = False  # a post dated in the future waits (as a draft) until a build on or after that day
TYPOGRIFY = False

HOME_INTRO = (
    "Tips die je morgen kunt gebruiken: over hybride werken, regelruimte en vertrouwen, "
    "eerlijk verwachtingsmanagement en klantbeleving. Voor iedereen die klanten elke dag een beetje beter helpt."
)
MENU_PAGES = ["over", "nieuwsbrief", "contact"]
FOOTER_PAGES = ["over", "nieuwsbrief", "contact", "privacy"]
PRIVACY_URL = "privacy/"

# The subscriber service (coachsite/subscriptions, `make listserver`): its public base URL. The sign-up
# and unsubscribe forms post to it, and the emails' links point at it. Override with the environment.
NEWSLETTER_SERVICE_URL = os.environ.get("NEWSLETTER_SERVICE_URL", "https://nieuwsbrief.klantgerichtwerkt.nl").rstrip("/")
_SERVICE_ORIGIN = "/".join(NEWSLETTER_SERVICE_URL.split("/", 3)[:3])
# The subscriber database (SQLite; git ignores data/). Keep it out of any public folder.
NEWSLETTER_DB = os.environ.get("NEWSLETTER_DB", str(ROOT / "data" / "subscribers.sqlite3"))
# Stored with every sign-up as the consent given; the sign-up form shows the same sentence.
NEWSLETTER_CONSENT_TEXT = "Door je in te schrijven ga je akkoord met de privacyvoorwaarden."

# No inline scripts, nothing from other hosts; forms go to this site or to the subscriber service only.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    f"connect-src 'self'; form-action 'self' {_SERVICE_ORIGIN}; base-uri 'self'; object-src 'none'"
)
# Set by `make serve` (scripts/serve.py): pages then load /livereload.js to reload on rebuild.
LIVERELOAD_PORT = os.environ.get("LIVERELOAD_PORT")
# auto_reload off: every build makes new Jinja environments anyway, so re-checking each template's
# mtime on every include (~18,000 times for 1,000 articles) only costs time. coachsite.site adds a
# bytecode cache in the build's cache folder, so templates are compiled once, not on every build.
JINJA_ENVIRONMENT = {"trim_blocks": True, "lstrip_blocks": True, "autoescape": True, "auto_reload": False}

# --- Themes (Pelican categories) ----------------------------------------------------
# The four themes of the site, in the order they are shown. Each post's `Category:` must
# be one of these names; `intro` is shown at the top of the theme hub page.
THEMES = [
    {
        "name": "Hybride werken",
        "description": "Thuis, op kantoor of allebei: zo houd je je team verbonden en je klanten goed geholpen.",
        "intro": (
            "Na jaren thuiswerken wil niet iedereen zomaar terug naar kantoor. Dat hoeft ook niet "
            "altijd, zolang je klant er niets van merkt. In deze artikelen lees je hoe je het "
            "gesprek aangaat met medewerkers die liever thuisblijven, hoe je live klantcontact en "
            "rustig denkwerk slim verdeelt, en hoe je het teamgevoel levend houdt als je elkaar "
            "minder ziet. Met voorbeelden uit teams die er een werkbare vorm voor vonden."
        ),
    },
    {
        "name": "Regelruimte en vertrouwen",
        "description": "Minder regels, meer vertrouwen: geef je mensen de ruimte om klanten echt te helpen.",
        "intro": (
            "Elke regel had ooit een goede reden, maar samen zorgen ze er vaak voor dat "
            "medewerkers niet meer zelf durven beslissen. Dat kost klanten geduld en kost je team "
            "plezier. Hier lees je hoe je stuurt op gedeelde waarden in plaats van op "
            "protocollen, hoe klanteigenaarschap werkt zonder eindeloos doorverbinden en wat een "
            "klein klantbudget kan doen. Praktische stappen voor leidinggevenden die hun mensen "
            "meer mandaat willen geven."
        ),
    },
    {
        "name": "Verwachtingsmanagement",
        # Shown in narrow theme cards: a soft hyphen (U+00AD) where the word may break, for
        # browsers without a Dutch hyphenation dictionary (CSS `hyphens: auto` needs one).
        "hyphenated": "Verwachtings\u00admanagement",
        "description": "Durf te zeggen wat wel en niet kan. Zo voorkom je klachten en bouw je aan vertrouwen.",
        "intro": (
            "\"Dat regelen we wel\" klinkt vriendelijk, maar leidt vaak tot teleurstelling. Een "
            "klant waardeert eerlijkheid meer dan een belofte die je niet waarmaakt. In deze "
            "artikelen lees je hoe je op tijd aankaart dat iets anders loopt, hoe je een klant "
            "laat meekiezen en hoe je nee zegt zonder de relatie te beschadigen. Zo voorkom je "
            "klachten, onzekerheid in je team en verloop dat je geld en goede naam kost."
        ),
    },
    {
        "name": "Klantbeleving",
        "description": "Elk contactmoment telt. Over de mensen die je merk dragen en klanten fan maken.",
        "intro": (
            "Klanten onthouden niet je folder, maar hoe ze geholpen werden. Daarom draait "
            "klantbeleving om je medewerkers: zij bepalen bij elk contact of een klant tevreden "
            "weggaat of fan wordt. Hier lees je hoe je eerste lijn meedenkt over beleid, hoe je "
            "mensen mandaat geeft om een slechte ervaring direct om te buigen en waarom "
            "persoonlijke aandacht soms belangrijker is dan een korte gespreksduur. Met "
            "herkenbare voorbeelden uit de dagelijkse praktijk."
        ),
    },
]

# Short bios shown on author pages and under articles.
AUTHOR_BIOS = {
    "Marieke Jansen": (
        "Coach en trainer voor dienstverlenende teams. Werkte jarenlang in klantcontact en als teamleider, en helpt nu teams door heel Nederland klantgerichter te werken."
    ),
    "Ruben Bakker": (
        "Organisatieadviseur die bedrijven helpt een vorm van hybride werken te vinden die werkt voor medewerkers én klanten."
    ),
    "Samira El Amrani": (
        "Onderzoeker klantbeleving. Ze brengt in kaart wat klanten echt belangrijk vinden en vertaalt dat naar de werkvloer."
    ),
}

# Tags must come from this file (one per line); `make check` enforces it.
TAG_VOCABULARY_FILE = str(ROOT / "tags.txt")

# --- URLs: Dutch, readable, stable (slug = file name) -----------------------------------
SLUGIFY_SOURCE = "basename"
ARTICLE_URL = "{slug}/"
ARTICLE_SAVE_AS = "{slug}/index.html"
DRAFT_URL = ""  # drafts are never published, not even at a hidden URL
DRAFT_SAVE_AS = ""
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = "{slug}/index.html"
CATEGORY_URL = "thema/{slug}/"
CATEGORY_SAVE_AS = "thema/{slug}/index.html"
CATEGORIES_URL = "themas/"
CATEGORIES_SAVE_AS = "themas/index.html"
TAG_URL = "tag/{slug}/"
TAG_SAVE_AS = "tag/{slug}/index.html"
TAGS_URL = "tags/"
TAGS_SAVE_AS = "tags/index.html"
AUTHOR_URL = "auteur/{slug}/"
AUTHOR_SAVE_AS = "auteur/{slug}/index.html"
AUTHORS_URL = "auteurs/"
AUTHORS_SAVE_AS = "auteurs/index.html"
ARCHIVES_URL = "archief/"
ARCHIVES_SAVE_AS = "archief/index.html"
YEAR_ARCHIVE_SAVE_AS = ""
MONTH_ARCHIVE_SAVE_AS = ""
DAY_ARCHIVE_SAVE_AS = ""
DIRECT_TEMPLATES = ["index", "categories", "tags", "authors", "archives", "tips"]
TIPS_URL = "tips/"
TIPS_SAVE_AS = "tips/index.html"
SEARCH_URL = "zoeken/"
# Synonym groups for the site search (one group per line); see the file itself.
SEARCH_SYNONYMS_FILE = str(ROOT / "synonyms.txt")
# The domain thesaurus (same format; equivalents ; related terms), applied at query time.
SEARCH_THESAURUS_FILE = str(ROOT / "thesaurus.txt")

# --- Feeds ---------------------------------------------------------------------------
FEED_DOMAIN = PUBLIC_SITEURL
FEED_ALL_ATOM = "feeds/alles.atom.xml"
CATEGORY_FEED_ATOM = "feeds/thema-{slug}.atom.xml"
FEED_ALL_RSS = None
CATEGORY_FEED_RSS = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
TRANSLATION_FEED_ATOM = None
FEED_MAX_ITEMS = 50
RSS_FEED_SUMMARY_ONLY = False

# --- Static files ------------------------------------------------------------------------
STATIC_PATHS = ["images"]
TEMPLATE_PAGES = {"extra/robots.txt": "robots.txt"}  # a template, so it names PUBLIC_SITEURL
ARTICLE_EXCLUDES = ["pages", "images", "extra"]

# --- Markdown --------------------------------------------------------------------------
MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.extra": {},
        "markdown.extensions.toc": {"permalink": False},
        "markdown.extensions.meta": {},
        # (no "smarty": it doubled the Markdown time per post; the coach types real quotes anyway)
    },
    "output_format": "html5",
}

# --- Plugins ----------------------------------------------------------------------------
PLUGIN_PATHS = [str(ROOT / "plugins")]
PLUGINS = [
    "sitemap_xml",  # sitemap.xml, listings dated by their newest post
    "pelican.plugins.neighbors",  # previous/next article links
    "markdown_reuse",  # one Markdown converter per reader, reset between posts (not one per post)
    "dutch_dates",  # |nl_date filter with Babel, never the system locale
    "article_extras",  # reading time, tip anchors, share links, related posts
    "newsletter_archive",  # web copies of built issues at /nieuwsbrief/YYYY-MM-DD/
    "search_index",  # the site search: stems, scores, typo vocabulary, term groups
    "render_cache",  # a rebuild renders only pages whose inputs changed (coachsite.build sets it up)
    "head_start",  # a cold build compiles the templates on the idle core while the posts are read (before parallel_read: it forks first)
    "parallel_read",  # a cold build reads the posts on two cores (a forked child reads from the last one)
]

SITEMAP = {
    "format": "xml",
    "priorities": {"articles": 0.8, "indexes": 0.5, "pages": 0.5},
    "changefreqs": {"articles": "monthly", "indexes": "weekly", "pages": "monthly"},
    "exclude": ["tag/", "tags/", "archief/", "auteurs/", "themas/", "404"],
}

RELATED_POSTS_MAX = 3
READING_WORDS_PER_MINUTE = 200

# --- Newsletter ----------------------------------------------------------------------
NEWSLETTER_TAG = "nieuwsbrief"
# Internal tags: they select posts (the newsletter) but readers never see them on pages, feeds or search.
HIDDEN_TAGS = [NEWSLETTER_TAG]
NEWSLETTER_MAX_POSTS = 5
# Where the sign-up form posts to: the subscriber service.
NEWSLETTER_SIGNUP_ACTION = NEWSLETTER_SERVICE_URL + "/aanmelden"
CONTACT_EMAIL = os.environ.get("BUSINESS_EMAIL", "marieke@klantgerichtwerkt.nl")

# --- Business details (art. 3:15d BW) and privacy ------------------------------------
# Shown in the footer, on the contact page and in the privacy statement. Each can be overridden
# by an environment variable of the same name. A value in square brackets is a placeholder:
# `make publish` (and the monthly automatic run) refuses to build while one is left, and names it.
BUSINESS_NAME = os.environ.get("BUSINESS_NAME", "Klantgericht Werkt")
BUSINESS_OWNER = os.environ.get("BUSINESS_OWNER", AUTHOR)
BUSINESS_KVK = os.environ.get("BUSINESS_KVK", "[KvK-nummer]")
BUSINESS_BTW = os.environ.get("BUSINESS_BTW", "[btw-identificatienummer]")
BUSINESS_ADDRESS = os.environ.get("BUSINESS_ADDRESS", "[straat en huisnummer, postcode en plaats]")
BUSINESS_PHONE = os.environ.get("BUSINESS_PHONE", "[telefoonnummer]")
BUSINESS_EMAIL = CONTACT_EMAIL
# The companies that process subscribers' data for you (named on the privacy page).
PRIVACY_HOSTING_PROVIDER = os.environ.get("PRIVACY_HOSTING_PROVIDER", "[naam van je hostingbedrijf]")
PRIVACY_MAIL_PROVIDER = os.environ.get("PRIVACY_MAIL_PROVIDER", "[naam van je e-mailprovider]")
# The date of the last change to the privacy statement (change it with every change in what you do).
PRIVACY_UPDATED = datetime.date(2026, 11, 25)
# Days after an unsubscribe (or an unconfirmed sign-up) before the data is erased for good.
SUBSCRIBER_RETENTION_DAYS = 30
# Settings that must be filled in before publishing; checked by coachsite/business.py.
BUSINESS_REQUIRED = [
    "BUSINESS_NAME", "BUSINESS_KVK", "BUSINESS_BTW", "BUSINESS_ADDRESS", "BUSINESS_PHONE", "BUSINESS_EMAIL",
    "PRIVACY_HOSTING_PROVIDER", "PRIVACY_MAIL_PROVIDER",
]

# Mail clients show no SVG: `newsletter.py build` renders a PNG of each SVG image of the posts
# at this width, into newsletters/DATE/images/ (coachsite/newsletter/images.py; never in the site build).
EMAIL_IMAGE_WIDTH = 1200
NEWSLETTER_DIR = str(ROOT / "newsletters")

# Sending (`scripts/newsletter.py send`). Each setting below can be overridden by an environment
# variable of the same name. The SMTP password (NEWSLETTER_SMTP_PASSWORD) and the secret that signs
# unsubscribe links (NEWSLETTER_UNSUBSCRIBE_SECRET) are read from the environment only: never put them here.
NEWSLETTER_FROM = "Marieke Jansen <nieuwsbrief@klantgerichtwerkt.nl>"
NEWSLETTER_REPLY_TO = "Marieke Jansen <marieke@klantgerichtwerkt.nl>"
NEWSLETTER_SMTP_HOST = "smtp.klantgerichtwerkt.nl"  # your mail provider's SMTP server
NEWSLETTER_SMTP_PORT = 587
NEWSLETTER_SMTP_USER = "nieuwsbrief@klantgerichtwerkt.nl"  # login only when NEWSLETTER_SMTP_PASSWORD is set
NEWSLETTER_SMTP_SECURITY = "starttls"  # none, starttls (usually port 587) or tls (usually port 465)
# The footer link: the service's confirmation page with one button ({token} is filled in per subscriber).
NEWSLETTER_UNSUBSCRIBE_URL = NEWSLETTER_SERVICE_URL + "/afmelden?token={token}"
# Where unsubscribe requests are POSTed: the confirmation pages' forms and mail providers' one-click
# button (List-Unsubscribe, RFC 8058): the subscriber service.
NEWSLETTER_UNSUBSCRIBE_ACTION = NEWSLETTER_SERVICE_URL + "/afmelden"
NEWSLETTER_UNSUBSCRIBE_MAILTO = "afmelden@klantgerichtwerkt.nl"  # List-Unsubscribe by e-mail

# --- The unattended month (`newsletter.py auto`, `make publish`, `make deploy`) ------------
# Each can be overridden by an environment variable of the same name (cron, systemd, CI).
NEWSLETTER_TEST_TO = CONTACT_EMAIL  # test copies (`send --test-copy`), reminders, reports; comma-separated
NEWSLETTER_TEST_DAYS_BEFORE = 2  # the test copy: Monday before the last Wednesday
NEWSLETTER_REMINDER_DAYS_BEFORE = 7  # "no post tagged yet" reminder
NEWSLETTER_SUBSCRIBERS = ""  # the list auto sends to: empty = the subscriber database (NEWSLETTER_DB), or a CSV path
DEPLOY_RSYNC_TARGET = ""  # user@host:/var/www/site/ or a local folder
PUBLISH_DIR = "publish"  # the production build (never output/, which `make serve` uses)

# --- Caching: a rebuild re-reads only the posts that changed -------------------------
# coachsite.site puts the cache in cache/pelican-<hash of the settings>, so a changed setting
# never serves stale HTML; `make clean` removes it.
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
CONTENT_CACHING_LAYER = "reader"
CHECK_MODIFIED_METHOD = "mtime"
GZIP_CACHE = False  # compressing the reader cache cost ~1 s per build at 1,000 posts, to save disk space
DELETE_OUTPUT_DIRECTORY = True
