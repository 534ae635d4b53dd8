"""Production settings (``make publish``, ``newsletter.py auto``): everything from pelicanconf.py,
plus absolute URLs, written into ``PUBLISH_DIR`` (``publish/``), never ``output/`` (``make serve``'s).

``SITEURL`` comes from the environment variable of the same name (see pelicanconf.py). Always build
through ``coachsite.month.deploy.production_build``: it runs the production-only checks first.
"""

import os
import sys

sys.path.append(os.path.dirname(os.path.abspath(__file__)))

from pelicanconf import *  # noqa: E402,F403

SITEURL = PUBLIC_SITEURL  # noqa: F405
RELATIVE_URLS = False
OUTPUT_PATH = os.environ.get("PUBLISH_DIR", PUBLISH_DIR)  # noqa: F405
DELETE_OUTPUT_DIRECTORY = True
# Refuse to build while a business detail (BUSINESS_REQUIRED) still holds a placeholder.
REQUIRE_BUSINESS_DETAILS = True
