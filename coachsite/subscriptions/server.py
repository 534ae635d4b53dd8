"""Run the service: ``python -m coachsite.subscriptions.server --port 8001`` (``make listserver``).

One process: uvicorn serves the Starlette app and the outbox worker runs beside it as a thread.
No access log: it would write every reader's IP address to disk, which the store never does.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from coachsite.clitools import CoachCommand, CoachError, config_option, number_range
from coachsite.i18n import _
from coachsite.newsletter.send import SendError, effective, smtp_settings
from coachsite.newsletter.tokens import TokenError, secret_from_env
from coachsite.site import load_settings

from .config import ConfigError, service_settings
from .outbox import MailSettings
from .web import Service, create_app


def make_service(config: Path, environ=None, poll: float = 5.0) -> Service:
    """The service from a settings file and the environment; CoachError names what is missing."""
    environ = os.environ if environ is None else environ
    settings = load_settings(config)
    try:
        service = service_settings(settings, environ)
        secret = secret_from_env(environ)
        values = effective(settings, environ)
        mail = MailSettings(
            smtp=smtp_settings(settings, environ),
            sender=values["NEWSLETTER_FROM"],
            secret=secret,
            service_url=service.service_url,
            sitename=settings.get("SITENAME", ""),
            confirm_days=service.confirm_days,
            retry_seconds=service.retry_seconds,
        )
    except (ConfigError, TokenError, SendError) as error:
        raise CoachError(_("The subscriber service cannot start: {problem}").format(problem=error)) from error
    return Service(service, secret, mail, settings.get("SITENAME", ""), poll=poll)


@click.command(cls=CoachCommand, context_settings={"help_option_names": ["-h", "--help"]},
               help=_("Run the subscriber service (sign-up, confirmation, unsubscribe) in the foreground."))
@click.option("--host", default="127.0.0.1", show_default=True, help=_("Address to listen on (keep 127.0.0.1 behind a proxy)."))
@click.option("--port", type=number_range(int, min=0, max=65535), default=8001, show_default=True, metavar=_("NUMBER"), help=_("Port to listen on."))
@config_option(_("Settings file (NEWSLETTER_SERVICE_URL, NEWSLETTER_DB, SMTP settings)."))
@click.option("--poll", type=number_range(float, min=0.1), default=5.0, metavar=_("SECONDS"), show_default=True, help=_("Seconds between outbox checks when idle."))
def main(host: str, port: int, config: Path, poll: float) -> None:
    import uvicorn

    service = make_service(config, poll=poll)
    click.echo(_("Subscriber service on http://{host}:{port} (database {db})").format(host=host, port=port, db=service.config.db))
    uvicorn.run(
        create_app(service), host=host, port=port, proxy_headers=True, forwarded_allow_ips="127.0.0.1",
        access_log=False, log_level="warning", server_header=False,
    )


if __name__ == "__main__":
    from coachsite import click_nl

    click_nl.install()
    main()
