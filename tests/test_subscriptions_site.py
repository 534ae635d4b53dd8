"""The site's side of the subscriber service: forms post to it, the CSP allows only its origin."""

from __future__ import annotations


def test_forms_post_to_the_service_and_consent_matches_what_is_stored(soup_of, settings):
    service = settings["NEWSLETTER_SERVICE_URL"]
    form = soup_of("index.html").select_one(".signup form")
    assert form["action"] == f"{service}/aanmelden"
    assert form.select_one(".consent").get_text(" ", strip=True).replace(" .", ".") == settings["NEWSLETTER_CONSENT_TEXT"]
    assert soup_of("afmelden").select_one("form.unsubscribe-form")["action"] == f"{service}/afmelden"
    assert settings["NEWSLETTER_UNSUBSCRIBE_URL"] == f"{service}/afmelden?token={{token}}"


def test_csp_form_action_is_self_and_exactly_the_service_origin(soup_of, settings):
    csp = soup_of("index.html").find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"]
    form_action = next(part.split()[1:] for part in csp.split(";") if part.split()[0] == "form-action")
    assert form_action == ["'self'", "https://nieuwsbrief.klantgerichtwerkt.nl"]
    assert "https:" not in form_action
