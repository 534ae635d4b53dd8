"""The unattended month: publish the site and send the issue on the last Wednesday by itself.

``settings`` (what the month needs from pelicanconf.py + environment), ``state`` (what happened
per issue, on disk), ``auto`` (the daily decision and its steps), ``deploy`` (production build +
rsync), ``mailer`` (adapters over the sending code), ``notify`` (Dutch emails to the coach),
``cli`` (the Click commands).
"""
