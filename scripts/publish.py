"""``make publish`` and ``make deploy``: the production site into PUBLISH_DIR, and its upload.

Thin Click commands over ``coachsite.month.deploy``; ``newsletter.py auto`` calls the same
functions on the issue day, so a manual deploy and the unattended one never differ.
"""

from __future__ import annotations

from pathlib import Path

import click

from coachsite import click_nl
from coachsite.clitools import CoachError, CoachGroup, config_option, read_config
from coachsite.i18n import _
from coachsite.month.deploy import DeployError, production_build, upload
from coachsite.month.settings import month_settings

click_nl.install()


@click.group(cls=CoachGroup, context_settings={"help_option_names": ["-h", "--help"]},
             help=_("Build the production site and upload it to the live server."))
@config_option(_("Settings file with PUBLISH_DIR and DEPLOY_RSYNC_TARGET (the build itself uses publishconf.py)."))
@click.pass_context
def cli(ctx, config: Path):
    ctx.obj = month_settings(read_config(config))


@cli.command(help=_("Check and build the production site into PUBLISH_DIR (default publish/); a failure changes nothing."))
@click.pass_obj
def build(month):
    try:
        result = production_build(month.publish_dir)
    except DeployError as error:
        raise CoachError(str(error)) from error
    click.echo(_("Production site built into {folder} in {seconds} s.").format(folder=result.output, seconds=f"{result.seconds:.1f}".replace(".", ",")))


@cli.command(name="upload", help=_("Upload PUBLISH_DIR with rsync: changed files only, new files first, old ones deleted last."))
@click.option("--target", metavar=_("TARGET"),
              help=_("rsync destination (default: DEPLOY_RSYNC_TARGET), e.g. user@host:/var/www/site/."))
@click.pass_obj
def upload_(month, target):
    target = target or month.deploy_target
    try:
        stats = upload(month.publish_dir, target)
    except DeployError as error:
        raise CoachError(str(error)) from error
    click.echo(stats.strip())
    click.echo(_("Uploaded {folder} to {target}.").format(folder=month.publish_dir, target=target))


if __name__ == "__main__":
    cli()
