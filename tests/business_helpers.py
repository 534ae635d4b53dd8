"""Filled-in business details for tests of production builds (placeholders are refused there)."""
BUSINESS_DETAILS = {
    "BUSINESS_NAME": "Klantgericht Werkt",
    "BUSINESS_KVK": "87654321",
    "BUSINESS_BTW": "NL001234567B01",
    "BUSINESS_ADDRESS": "Voorbeeldstraat 1, 3511 AA Utrecht",
    "BUSINESS_PHONE": "030 123 45 67",
    "BUSINESS_EMAIL": "marieke@klantgerichtwerkt.nl",
    "PRIVACY_HOSTING_PROVIDER": "Voorbeeldhosting B.V.",
    "PRIVACY_MAIL_PROVIDER": "Voorbeeldmail B.V.",
}
