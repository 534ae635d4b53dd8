"""Business details and the privacy statement: shown from the settings, never published as placeholders."""

from __future__ import annotations

import sys
from pathlib import Path

from click.testing import CliRunner

from coachsite.business import is_placeholder, placeholder_problems
from coachsite.site import load_settings

ROOT = Path(__file__).resolve().parent.parent

from business_helpers import BUSINESS_DETAILS as FILLED


def test_placeholders_are_recognised():
    assert is_placeholder("[KvK-nummer]") and is_placeholder("") and is_placeholder("  ")
    assert not is_placeholder("87654321") and not is_placeholder("Straat [achterom] 2")


def test_footer_and_contact_page_show_the_business_details(soup_of, settings):
    footer = soup_of("index.html").select_one("footer .copyright").get_text(" ", strip=True)
    for name in ("BUSINESS_NAME", "BUSINESS_KVK", "BUSINESS_BTW", "BUSINESS_ADDRESS", "BUSINESS_EMAIL"):
        assert settings[name] in footer, name
    details = soup_of("contact").select_one(".business-details").get_text(" ", strip=True)
    assert settings["BUSINESS_PHONE"] in details and settings["BUSINESS_KVK"] in details
    assert "06 12 34 56 78" not in soup_of("contact").get_text()


def test_privacy_page_names_processors_retention_basis_rights_and_date(soup_of, settings):
    text = soup_of("privacy").select_one("main").get_text(" ", strip=True)
    for expected in (
        settings["PRIVACY_HOSTING_PROVIDER"],
        settings["PRIVACY_MAIL_PROVIDER"],
        f"{settings['SUBSCRIBER_RETENTION_DAYS']} dagen",
        "toestemming",
        "bevestigingsmail",
        "Autoriteit Persoonsgegevens",
        "Laatst bijgewerkt: 25 november 2026",
    ):
        assert expected in text, expected
    assert "blokkeerlijst" not in text  # no list kept without a legal basis


def _environment(monkeypatch, **values):
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    # publishconf.py imports pelicanconf.py, which reads the environment once per import
    monkeypatch.delitem(sys.modules, "pelicanconf", raising=False)


def test_env_overrides_each_business_setting(monkeypatch):
    _environment(monkeypatch, **FILLED)
    settings = load_settings(ROOT / "publishconf.py")
    assert {name: settings[name] for name in FILLED} == FILLED
    assert placeholder_problems(ROOT / "publishconf.py", settings) == []


def test_publish_refuses_placeholders_naming_setting_and_line(tmp_path, monkeypatch):
    from scripts.build import main

    _environment(monkeypatch, **{k: v for k, v in FILLED.items() if k != "BUSINESS_KVK"})
    monkeypatch.delenv("BUSINESS_KVK", raising=False)
    output = tmp_path / "published"
    output.mkdir()
    (output / "keep.html").write_text("live site", encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", str(ROOT / "publishconf.py"), "--output", str(output)])
    assert result.exit_code == 1
    line = next(
        number
        for number, text in enumerate((ROOT / "pelicanconf.py").read_text().splitlines(), start=1)
        if text.startswith("BUSINESS_KVK =")
    )
    assert f"pelicanconf.py:{line}: BUSINESS_KVK is nog een voorbeeldwaarde ([KvK-nummer])" in result.output
    assert "BUSINESS_BTW" not in result.output
    assert [p.name for p in output.iterdir()] == ["keep.html"]


def test_development_build_allows_placeholders(settings):
    assert not settings.get("REQUIRE_BUSINESS_DETAILS")
