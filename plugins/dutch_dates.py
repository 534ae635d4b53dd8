"""Dutch dates in templates, formatted with Babel instead of the system locale.

Adds Jinja filters to every generator's environment:

- ``nl_date``: ``{{ article.date|nl_date }}`` -> "25 november 2026"
- ``nl_month``: ``{{ period|nl_month }}`` -> "november 2026"
- ``iso_date``: ``{{ article.date|iso_date }}`` -> "2026-11-25T09:00:00+01:00" (for ``<time datetime>``)

Settings: none. (Leave Pelican's ``LOCALE`` unset: it would call ``setlocale``.)
"""

from pelican import signals

from coachsite.dates import nl_date, nl_month


def iso_date(value):
    return value.isoformat()


def add_filters(generator):
    generator.env.filters.update(nl_date=nl_date, nl_month=nl_month, iso_date=iso_date)


def register():
    signals.generator_init.connect(add_filters)
