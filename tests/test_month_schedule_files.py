"""The ready-made schedules in deploy/: they run the real command, daily, in Amsterdam time."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from month_helpers import ROOT

DEPLOY = ROOT / "deploy"


def test_the_timer_runs_daily_in_amsterdam_time():
    timer = (DEPLOY / "klantgerichtwerkt-auto.timer").read_text(encoding="utf-8")
    calendars = re.findall(r"(?m)^OnCalendar=(.+)$", timer)
    assert calendars and all(c.startswith("*-*-* ") and c.endswith(" Europe/Amsterdam") for c in calendars)
    assert "Persistent=true" in timer
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed: the expressions were checked by pattern only")
    for expression in calendars:
        done = subprocess.run(["systemd-analyze", "calendar", expression], capture_output=True, text=True)
        assert done.returncode == 0 and "Next elapse" in done.stdout, done.stderr


def test_service_workflow_and_example_run_the_auto_command_with_secrets_from_the_environment():
    from scripts.newsletter import cli

    service = (DEPLOY / "klantgerichtwerkt-auto.service").read_text(encoding="utf-8")
    workflow = (DEPLOY / "github-actions-nieuwsbrief.yml").read_text(encoding="utf-8")
    example = (DEPLOY / "auto.env.example").read_text(encoding="utf-8")
    assert "ExecStart=%h/klantgerichtwerkt/.venv/bin/python scripts/newsletter.py auto" in service
    assert "EnvironmentFile=" in service
    assert ".venv/bin/python scripts/newsletter.py auto" in workflow and "schedule:" in workflow
    for secret in ("NEWSLETTER_SMTP_PASSWORD", "NEWSLETTER_UNSUBSCRIBE_SECRET"):
        assert f"{secret}: ${{{{ secrets.{secret} }}}}" in workflow
        assert f"{secret}=change-me" in example
    assert CliRunner().invoke(cli, ["auto", "--help"]).exit_code == 0
