"""The VPS units in deploy/: one service user owns the data folders, and every unit may write
exactly what its command writes (a purge that cannot delete the send logs breaks a promise)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
CHECKOUT = "/srv/klantgericht-werkt"
UNITS = ("nieuwsbrief.service", "nieuwsbrief-purge.service")


def unit(name: str) -> dict[str, list[str]]:
    """The [Service] settings of a unit file; a key may repeat (systemd joins list values)."""
    values: dict[str, list[str]] = {}
    section = ""
    for line in (DEPLOY / name).read_text(encoding="utf-8").splitlines():
        if line.startswith("["):
            section = line.strip("[]")
        elif section == "Service" and "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values.setdefault(key, []).append(value)
    return values


def writable(settings: dict[str, list[str]]) -> set[str]:
    return {path.lstrip("-") for value in settings.get("ReadWritePaths", []) for path in value.split()}


def test_both_vps_units_run_as_the_one_service_user_with_the_same_hardening():
    service, purge = (unit(name) for name in UNITS)
    for key in ("User", "Group", "WorkingDirectory", "EnvironmentFile", "ProtectSystem", "ProtectHome", "NoNewPrivileges"):
        assert service[key] == purge[key], key
    assert service["User"] == ["nieuwsbrief"] and service["WorkingDirectory"] == [CHECKOUT]
    assert service["ProtectSystem"] == ["strict"]


def test_each_unit_may_write_the_folders_its_command_writes():
    env = (DEPLOY / "nieuwsbrief.env.example").read_text(encoding="utf-8")
    database_folder = str(Path(re.search(r"(?m)^NEWSLETTER_DB=(.+)$", env)[1]).parent)
    locale = f"{CHECKOUT}/coachsite/locale"  # the Dutch messages are compiled there on first use
    service, purge = (unit(name) for name in UNITS)
    assert "-m coachsite.subscriptions.server" in service["ExecStart"][0]
    assert writable(service) == {database_folder, locale}
    assert "subscribers purge" in purge["ExecStart"][0]
    assert writable(purge) == {database_folder, f"{CHECKOUT}/newsletters", locale}  # newsletters/: the send logs


def test_the_install_steps_give_the_checkout_and_its_data_folders_to_that_user():
    steps = (DEPLOY / "README.md").read_text(encoding="utf-8")
    assert f"sudo install -d -o nieuwsbrief -g nieuwsbrief {CHECKOUT}" in steps
    assert "sudo -u nieuwsbrief git clone" in steps and "sudo -u nieuwsbrief make install" in steps
    assert "deploy/README.md" in (ROOT / "README.md").read_text(encoding="utf-8")
    for name in UNITS:
        assert "deploy/README.md" in (DEPLOY / name).read_text(encoding="utf-8")
