"""Shared code of the coaching site: Dutch dates, content checks, atomic builds and the newsletter.

The Pelican plugins in ``plugins/`` and the scripts in ``scripts/`` are thin layers over this package.
"""
