"""The staff tools speak German, French and Spanish (issue #17): reports, macros, saved
views, the knowledge base, automations, custom fields, records, resolutions, SLA, enrichment,
privacy and the staff pages of the email, phone, webhook and API channels. Every word of
their templates goes through the catalogues, each app's catalogue is complete, and a real
page of each app comes out in German.

Staff pages do not read the browser's language; until the staff member's own language
setting reaches this branch, the German pages are rendered inside
``translation.override("de")`` (the coordinator switches them to the user setting)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.template import Engine
from django.template.base import Template
from django.template.loader import render_to_string
from django.templatetags.i18n import BlockTranslateNode, TranslateNode
from django.test import Client
from django.utils import translation

from caredesk.accounts.models import Role, User
from caredesk.tickets import actions as ticket_actions
from caredesk.tickets.models import Channel
from tests.portal.test_languages import PLACEHOLDER, read_po, untranslated_text

ROOT = Path(settings.BASE_DIR)
APPS = [
    "reports",
    "macros",
    "savedviews",
    "kb",
    "automations",
    "customfields",
    "records",
    "resolutions",
    "sla",
    "enrichment",
    "privacy",
    "channels/email",
    "channels/phone",
    "channels/webhooks",
    "channels/api",
]
LOCALES = [code for code, _ in settings.LANGUAGES if code != "en"]


def _templates() -> list[tuple[str, Path]]:
    found = []
    for app in APPS:
        for path in sorted((ROOT / "caredesk" / app / "templates").rglob("*")):
            if path.suffix in (".html", ".txt"):
                found.append((app, path))
    return found


TEMPLATES = _templates()


def _is_customer_mail(path: Path) -> bool:
    """Customer mails (``.../mail/*.txt``) were translated with the customer side: their
    words live in the global catalogue (caredesk/locale) and tests/portal checks them."""
    return path.parent.name == "mail"


def _template_id(item: tuple[str, Path]) -> str:
    app, path = item
    return f"{app}:{path.relative_to(ROOT / 'caredesk' / app / 'templates')}"


def _catalogue_path(app: str, code: str) -> Path:
    return ROOT / "caredesk" / app / "locale" / code / "LC_MESSAGES" / "django.po"


@pytest.fixture
def german(desk):
    """German for the duration of a test: every staff member of the desk has chosen
    German (staff pages follow the signed-in person's language, ADR 0036), and German is
    active for what a test renders itself (panels, the API's docs page, which the staff
    language leaves alone)."""
    User.objects.exclude(role=Role.CUSTOMER).update(language="de")
    with translation.override("de"):
        yield


# --- (a) every word of every staff template through the catalogues -----------------------


def test_every_app_has_templates_here():
    assert {app for app, _ in TEMPLATES} == set(APPS)


@pytest.mark.parametrize("item", TEMPLATES, ids=_template_id)
def test_staff_templates_have_no_untranslated_text(item):
    _, path = item
    assert untranslated_text(path.read_text(encoding="utf-8")) == []


def test_the_checker_reads_comments_as_words_so_templates_use_hash_comments():
    # {% comment %} is a tag to the lexer: its text would count as words shown to users.
    assert untranslated_text("{% comment %}A note{% endcomment %}") == ["A note"]
    assert untranslated_text("{# A note #}<p>{{ x }}</p>") == []


# --- (b) complete catalogues --------------------------------------------------------------


def _used(app: str) -> set[tuple[str, str | None]]:
    engine = Engine.get_default()
    used: set[tuple[str, str | None]] = set()
    for owner, path in TEMPLATES:
        if owner != app or _is_customer_mail(path):
            continue
        template: Template = engine.from_string(path.read_text(encoding="utf-8"))
        for node in template.nodelist.get_nodes_by_type(TranslateNode):
            literal = node.filter_expression.var.literal
            if isinstance(literal, str):
                used.add((literal, None))
        for node in template.nodelist.get_nodes_by_type(BlockTranslateNode):
            singular, _ = node.render_token_list(node.singular)
            plural = node.render_token_list(node.plural)[0] if node.plural else None
            used.add((singular, plural))
    return used


@pytest.mark.parametrize("code", LOCALES)
@pytest.mark.parametrize("app", APPS)
def test_each_app_catalogue_is_complete_with_matching_placeholders(app, code):
    path = _catalogue_path(app, code)
    assert path.exists(), f"{path}: run makemessages in caredesk/{app}"
    entries = read_po(path)
    assert entries, path
    by_msgid: dict[str, list[dict]] = {}
    for entry in entries:
        by_msgid.setdefault(entry["msgid"], []).append(entry)
        msgid = entry["msgid"]
        assert "fuzzy" not in entry["flags"], (app, code, msgid)
        forms = entry["msgstr"]
        assert forms and all(text.strip() for text in forms.values()), (app, code, msgid)
        source = entry["msgid_plural"] or msgid
        expected = set(PLACEHOLDER.findall(source))
        if entry["msgid_plural"] is not None:
            assert len(forms) == 2, (app, code, msgid)
        for text in forms.values():
            assert set(PLACEHOLDER.findall(text)) == expected, (app, code, msgid, text)
            if "python-format" in entry["flags"]:
                assert text.count("%") == len(PLACEHOLDER.findall(text)), (app, code, text)
    for msgid, plural in _used(app):
        assert msgid in by_msgid, f"{app} {code}: {msgid!r} is not in the catalogue"
        assert any(e["msgid_plural"] == plural for e in by_msgid[msgid]), (app, code, msgid)


def test_the_catalogues_speak_formally():
    """Sie / vous / usted: no informal "du", "tu" or "tú" slipped into an instruction."""
    informal = {"de": (" du ", " dein", " dir "), "fr": (" tu ", " ton ", " tes "), "es": (" tú ",)}
    for app in APPS:
        for code in LOCALES:
            for entry in read_po(_catalogue_path(app, code)):
                for text in entry["msgstr"].values():
                    padded = f" {text.lower()} "
                    assert not any(word in padded for word in informal[code]), (app, text)


# --- (c) a real page of each app, in German -----------------------------------------------


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _case(desk, now):
    return ticket_actions.do_open_ticket(
        customer=desk.bob,
        subject="Invoice is wrong",
        body="I was charged twice.",
        channel=Channel.EMAIL,
        now=now,
        team=desk.billing,
    )


PAGES = [
    # (url, who, German words a staff member sees)
    ("/reports/", "lead", ["Servicebericht", "Lösung beim Erstkontakt", "Alle Teams"]),
    ("/reports/waiting/", "lead", ["Wartezeit nach Stufe", "Anzeigen"]),
    ("/reports/time/", "lead", ["Aufgewendete Zeit"]),
    ("/reports/fields/", "lead", ["Fälle nach Feld"]),
    ("/macros/", "agent", ["Makros", "Neues Makro", "Ihre Makros"]),
    ("/macros/new", "agent", ["Neues Makro", "Änderungen am Fall (optional)", "Platzhalter"]),
    (
        "/views/",
        "agent",
        ["Ansichten", "Neue Ansicht", "Nur ich", "Offene Fälle", "Zuletzt aktualisiert"],
    ),
    ("/kb/", "agent", ["Hilfeartikel", "Neuer Artikel", "Veröffentlichte Artikel durchsuchen"]),
    ("/kb/categories/", "lead", ["Kategorien", "Neue Kategorie"]),
    ("/automations/", "agent", ["Automatisierungen", "In Ausführungsreihenfolge"]),
    ("/fields/", "admin", ["Benutzerdefinierte Felder", "Neues Feld"]),
    ("/mail/quarantine/", "admin", ["Eingehende E-Mails", "Probleme im Postausgang"]),
    ("/mail/outbox/", "admin", ["Probleme im Postausgang", "Keine Zustellprobleme."]),
    ("/api/v1/docs", "admin", ["API-Dokumentation"]),
]


@pytest.mark.parametrize(("url", "who", "words"), PAGES, ids=[p[0] for p in PAGES])
def test_staff_page_in_german(desk, german, url, who, words):
    page = _client(getattr(desk, who)).get(url)
    assert page.status_code == 200, url
    text = page.content.decode()
    for word in words:
        assert word in text, (url, word)


def test_staff_page_stays_english_by_default(desk):
    text = _client(desk.lead).get("/reports/").content.decode()
    assert "Care report" in text and "Servicebericht" not in text


def test_record_form_in_german(desk, german):
    text = _client(desk.agent).get(f"/records/customers/{desk.bob.pk}/new").content.decode()
    assert "Neuer Datensatz für Bob Small" in text and "Datensatz speichern" in text


def test_phone_call_refused_in_german(desk, german, now):
    case = _case(desk, now)
    page = _client(desk.agent).post(f"/phone/cases/{case.pk}/calls", {"minutes": "-3"})
    assert "Anruf erfassen" in page.content.decode()


def test_case_panels_in_german(desk, german, now):
    """The panels these apps put on the case page: resolution, SLA, mood."""
    case = _case(desk, now)
    resolution = render_to_string("resolutions/_case_panel.html", {"ticket": case})
    assert "Lösung" in resolution and "Noch nicht gelöst" in resolution
    sla = render_to_string("sla/details.html", {"ticket": case, "has_policy": False})
    assert "Für diesen Fall gilt keine SLA-Richtlinie." in sla
    mood = render_to_string("enrichment/_mood_badge.html", {"ticket": case})
    assert "Stimmung: Negativ" in mood  # "I was charged twice." scored at intake
    calls = render_to_string("phone/_case_calls.html", {"ticket": case, "calls": []})
    assert "Zu diesem Fall wurden keine Anrufe erfasst." in calls


def test_admin_pages_in_german(desk, german):
    admin = _client(desk.admin)
    privacy = admin.get(f"/admin/privacy/customerprivacy/{desk.bob.pk}/change/")
    assert privacy.status_code == 200
    assert "Datenschutzanfragen" in privacy.content.decode()
    secret = render_to_string(
        "admin/webhooks/secret.html",
        {"created": True, "endpoint": "hook", "secret": "s3cret", "change_url": "/admin/"},
    )
    assert "Der Endpunkt wurde angelegt." in secret and "Signaturgeheimnis" in secret


def test_a_hostile_search_is_shown_as_text_in_german(desk, german):
    """A query with markup and a placeholder-like text lands in a translated sentence
    escaped, and the %-format of the sentence is not confused by it."""
    hostile = "<script>alert(1)</script> %(q)s %s"
    text = _client(desk.agent).get("/kb/", {"q": hostile}).content.decode()
    assert "Kein veröffentlichter Artikel passt zu" in text
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; %(q)s %s" in text


# --- custom-field inputs in the portal speak the customer's language ----------------------


def test_portal_custom_field_errors_in_the_customers_language(desk, now, settings):
    from tests.customfields.conftest import define

    settings.LOCALE_PATHS = list(settings.LOCALE_PATHS)  # read the freshly compiled catalogues
    define(desk, now, key="qty", label="Menge", kind="number", public=True)
    define(desk, now, key="order_no", label="Bestellnummer", public=True)
    alice = _client(desk.alice.user)
    german = {"accept-language": "de-DE,de;q=0.9"}
    form = alice.get("/portal/cases/new/", headers=german).content.decode()
    assert "Menge" in form and "Bestellnummer" in form
    base = {"subject": "Spät", "body": "Wo bleibt es?"}
    refused = alice.post("/portal/cases/new/", {**base, "cf_qty": "zwölf"}, headers=german)
    assert refused.status_code == 400
    assert "Menge ist eine Zahl." in refused.content.decode()
    huge = alice.post(
        "/portal/cases/new/", {**base, "cf_order_no": "<b>" + "x" * 100_000}, headers=german
    )
    assert huge.status_code == 400
    assert "Bestellnummer ist zu lang" in huge.content.decode()
    assert "<b>xxx" not in huge.content.decode()
    english = alice.post("/portal/cases/new/", {**base, "cf_qty": "twelve"})
    assert "Menge is a number." in english.content.decode()


def test_a_refused_report_filter_is_explained_in_german(desk, german):
    page = _client(desk.lead).get("/reports/", {"from": "<script>", "team": "x" * 5000})
    assert page.status_code == 400
    text = page.content.decode()
    assert "Das Von-Datum muss wie 2026-11-23 aussehen." in text
    assert "Stattdessen werden die letzten 30 Tage für alle Teams angezeigt." in text
    assert "<script>" not in text
