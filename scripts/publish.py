"""``make publish`` and ``make deploy``: the production site into PUBLISH_DIR, and its upload.

Thin Click commands over ``coachsite.month.deploy``; ``newsletter.py auto`` calls the same
functions on the issue day, so a manual deploy and the unattended one never differ.
"""

from __future__ import annotations

from pathlib import Path

import click

from coachsite.clitools import CoachError, config_option
from coachsite.i18n import _
from coachsite.month.deploy import DeployError, production_build, upload
from coachsite.month.settings import month_settings
from coachsite.site import load_settings



@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@config_option("Settings file with PUBLISH_DIR and DEPLOY_RSYNC_TARGET (the build itself uses publishconf.py).")
@click.pass_context
def cli(ctx, config: Path):
    """Build the production site and upload it to the live server."""
    ctx.obj = month_settings(load_settings(config))


@cli.command()
@click.pass_obj
def build(month):
    """Check and build the production site into PUBLISH_DIR (default publish/); a failure changes nothing."""
    try:
        result = production_build(month.publish_dir)
    except DeployError as error:
        raise CoachError(str(error)) from error
    click.echo(_("Production site built into {folder} in {seconds} s.").format(folder=result.output, seconds=f"{result.seconds:.1f}"))


@cli.command(name="upload")
@click.option("--target", help="rsync destination (default: DEPLOY_RSYNC_TARGET), e.g. user@host:/var/www/site/.")
@click.pass_obj
def upload_(month, target):
    """Upload PUBLISH_DIR with rsync: changed files only, new files first, old ones deleted last."""
    target = target or month.deploy_target
    try:
        stats = upload(month.publish_dir, target)
    except DeployError as error:
        raise CoachError(str(error)) from error
    click.echo(stats.strip())
    click.echo(_("Uploaded {folder} to {target}.").format(folder=month.publish_dir, target=target))


if __name__ == "__main__":
    cli()
