"""Production settings (``make publish``): everything from pelicanconf.py, plus absolute URLs.

``SITEURL`` comes from the environment variable of the same name (see pelicanconf.py).
"""

import os
import sys

sys.path.append(os.path.dirname(os.path.abspath(__file__)))

from pelicanconf import *  # noqa: E402,F403

SITEURL = PUBLIC_SITEURL  # noqa: F405
RELATIVE_URLS = False
DELETE_OUTPUT_DIRECTORY = True
# Refuse to build while a business detail (BUSINESS_REQUIRED) still holds a placeholder.
REQUIRE_BUSINESS_DETAILS = True
