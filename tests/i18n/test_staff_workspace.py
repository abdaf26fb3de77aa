"""The staff side in the staff member's own language and time zone (issue #17, ADR 0036):
every word of the workspace, the shell and the staff mails goes through the catalogues of
the workspace, accounts and core apps (or the global one for caredesk/templates); each
catalogue is complete; a staff member's saved language and time zone drive their pages and
their notification mail, never the browser; what they write to a customer stays in the
customer's language."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.template import Engine, Template
from django.utils import translation

from caredesk.accounts.actions import do_set_staff_locale
from caredesk.core import mails, outbox
from caredesk.core.errors import DomainError, PermissionDenied
from caredesk.core.models import Event
from caredesk.core.notifications import notify
from caredesk.customers.actions import do_set_customer_language
from caredesk.tickets import actions as ticket_actions
from tests.case_page import case_page_html
from tests.portal.conftest import open_case
from tests.portal.test_languages import (
    PLACEHOLDER,
    msgids,
    read_po,
    template_source,
    untranslated_text,
)

ROOT = Path(settings.BASE_DIR)
APPS = ("workspace", "accounts", "core")
WORKSPACE_TEMPLATES = sorted((ROOT / "caredesk/workspace/templates").rglob("*.html"))
CORE_TEMPLATES = sorted((ROOT / "caredesk/core/templates").rglob("*.*"))
# The staff mails to the assignee in caredesk/templates (global catalogue, like base.html).
SHARED_STAFF_MAILS = [m for m in mails.BUILT_IN.values() if m.name in ("handoff", "customer_wrote")]
STAFF_TEMPLATES = [
    *WORKSPACE_TEMPLATES,
    *CORE_TEMPLATES,
    ROOT / "caredesk/templates/base.html",
    *(ROOT / "caredesk/templates" / m.template for m in SHARED_STAFF_MAILS),
]
LOCALES = [code for code, _ in settings.LANGUAGES if code != "en"]
# The staff mails whose words live in core (the other staff mails' templates belong to
# caredesk/templates/mail and the tickets app).
CORE_STAFF_MAILS = [m for m in mails.BUILT_IN.values() if m.template.startswith("core/")]


def catalogue_path(app: str, code: str) -> Path:
    return ROOT / f"caredesk/{app}/locale/{code}/LC_MESSAGES/django.po"


# --- every word through the catalogues --------------------------------------------------


@pytest.mark.parametrize("path", STAFF_TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_staff_templates_have_no_untranslated_text(path):
    assert untranslated_text(template_source(path)) == []


@pytest.mark.parametrize("built_in", CORE_STAFF_MAILS + SHARED_STAFF_MAILS, ids=lambda m: m.name)
def test_core_staff_mail_subjects_have_no_untranslated_text(built_in):
    assert untranslated_text(built_in.subject) == []


def used_msgids() -> set[tuple[str, str | None]]:
    engine = Engine.get_default()
    used: set[tuple[str, str | None]] = set()
    for path in WORKSPACE_TEMPLATES:
        used |= msgids(
            engine.get_template(str(path.relative_to(ROOT / "caredesk/workspace/templates")))
        )
    for path in CORE_TEMPLATES:
        used |= msgids(engine.get_template(str(path.relative_to(ROOT / "caredesk/core/templates"))))
    for built_in in CORE_STAFF_MAILS:
        used |= msgids(Template(built_in.subject))
    return used


@pytest.mark.parametrize("app", APPS)
@pytest.mark.parametrize("code", LOCALES)
def test_each_app_catalogue_is_complete_with_matching_placeholders(app, code):
    entries = read_po(catalogue_path(app, code))
    assert entries, (app, code)
    for entry in entries:
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
            if "python-format" in entry["flags"] or PLACEHOLDER.search(msgid):
                assert text.count("%") == len(PLACEHOLDER.findall(text)), (app, code, text)


@pytest.mark.parametrize("code", LOCALES)
def test_every_template_message_is_in_its_apps_catalogue(code):
    known: dict[str, str | None] = {}
    for app in APPS:
        known.update({e["msgid"]: e["msgid_plural"] for e in read_po(catalogue_path(app, code))})
    for msgid, plural in used_msgids():
        assert msgid in known, f"{code}: {msgid!r} is not in a catalogue (makemessages)"
        assert known[msgid] == plural, (code, msgid)


@pytest.mark.parametrize("code", LOCALES)
def test_the_shells_words_are_in_the_global_catalogue(code):
    entries = {e["msgid"] for e in read_po(ROOT / f"caredesk/locale/{code}/LC_MESSAGES/django.po")}
    assert {"Skip to content", "Main", "API"} <= entries


@pytest.mark.parametrize("code", LOCALES)
def test_the_app_catalogues_are_what_django_reads(code):
    with translation.override(code):
        assert translation.gettext("Internal note") != "Internal note"
        assert translation.gettext("In the app only") != "In the app only"  # core
        assert translation.gettext("Token name") != "Token name"  # workspace form


# --- the staff member's language and time zone ------------------------------------------


def test_a_staff_member_sets_their_language_and_time_zone_audited(desk, now):
    user = do_set_staff_locale(
        desk.agent, actor=desk.agent, language="de", time_zone="Europe/Berlin", now=now
    )
    assert (user.language, user.time_zone) == ("de", "Europe/Berlin")
    desk.agent.refresh_from_db()
    assert (desk.agent.language, desk.agent.time_zone) == ("de", "Europe/Berlin")
    events = list(Event.objects.filter(kind="staff.locale_changed"))
    assert len(events) == 1
    assert events[0].data["old"] == {"user": desk.agent.pk, "language": "", "time_zone": ""}
    assert events[0].data["new"] == {
        "user": desk.agent.pk,
        "language": "de",
        "time_zone": "Europe/Berlin",
    }
    # The same values again change nothing and write no event; blank is the desk's default.
    do_set_staff_locale(desk.agent, actor=desk.agent, language="de", now=now)
    assert Event.objects.filter(kind="staff.locale_changed").count() == 1
    do_set_staff_locale(desk.agent, actor=desk.agent, language="", time_zone="", now=now)
    desk.agent.refresh_from_db()
    assert (desk.agent.language, desk.agent.time_zone) == ("", "")


@pytest.mark.parametrize(
    "field,value",
    [
        ("language", "xx"),
        ("language", "<script>alert(1)</script>"),
        ("language", "de" * 5000),
        ("language", "de-DE\x00"),
        ("language", 42),
        ("time_zone", "Europe/Nowhere"),
        ("time_zone", "../../../etc/passwd"),
        ("time_zone", "Europe/Berlin" + "x" * 10_000),
        ("time_zone", "\x00"),
        ("time_zone", None),
    ],
)
def test_hostile_and_oversized_values_are_refused(desk, now, field, value):
    with pytest.raises(DomainError):
        do_set_staff_locale(desk.agent, actor=desk.agent, now=now, **{field: value})
    desk.agent.refresh_from_db()
    assert (desk.agent.language, desk.agent.time_zone) == ("", "")
    assert not Event.objects.filter(kind="staff.locale_changed").exists()


def test_only_the_person_or_an_admin_changes_it(desk, now):
    with pytest.raises(PermissionDenied):
        do_set_staff_locale(desk.agent, actor=desk.other_agent, language="fr", now=now)
    with pytest.raises(PermissionDenied):
        do_set_staff_locale(desk.alice.user, actor=desk.alice.user, language="fr", now=now)
    do_set_staff_locale(desk.agent, actor=desk.admin, language="fr", now=now)
    desk.agent.refresh_from_db()
    assert desk.agent.language == "fr"


def test_your_account_saves_the_language_and_then_speaks_it(client, desk):
    client.force_login(desk.agent)
    page = client.get("/account/")
    assert 'id="account-language"' in page.text and "Europe/Berlin" in page.text
    done = client.post("/account/locale", {"language": "de", "time_zone": "Europe/Berlin"})
    assert done.status_code == 302 and done["Location"] == "/account/#locale"
    page = client.get("/account/")
    assert "Ihr Konto" in page.text and "Sprache und Zeitzone" in page.text
    assert "Ihre Sprache und Zeitzone sind gespeichert." in page.text  # the banner
    assert '<html lang="de">' in page.text and page["Content-Language"] == "de"
    assert '<option value="Europe/Berlin" selected>' in page.text


@pytest.mark.parametrize(
    "data", [{"language": "klingon"}, {"time_zone": "Mars/Olympus"}, {"language": "x" * 100_000}]
)
def test_your_account_refuses_hostile_values_in_the_page(client, desk, data):
    client.force_login(desk.agent)
    page = client.post("/account/locale", data)
    assert page.status_code == 400
    assert 'role="alert"' in page.text
    desk.agent.refresh_from_db()
    assert (desk.agent.language, desk.agent.time_zone) == ("", "")


def test_the_api_sets_and_shows_the_language_and_time_zone(client, desk, now):
    from caredesk.accounts.actions import do_create_api_token

    token = do_create_api_token(user=desk.agent, name="me", now=now).plaintext
    auth = {"Authorization": f"Bearer {token}"}
    done = client.patch(
        "/api/v1/me",
        {"language": "es", "time_zone": "America/Mexico_City"},
        content_type="application/json",
        headers=auth,
    )
    assert done.status_code == 200, done.content
    assert done.json()["language"] == "es" and done.json()["time_zone"] == "America/Mexico_City"
    # Only what is sent changes; the API's own words stay English.
    done = client.patch(
        "/api/v1/me", {"language": ""}, content_type="application/json", headers=auth
    )
    assert done.json()["language"] == "" and done.json()["time_zone"] == "America/Mexico_City"
    refused = client.patch(
        "/api/v1/me", {"time_zone": "Nowhere/Land"}, content_type="application/json", headers=auth
    )
    assert refused.status_code in (400, 422)
    assert "time zone" in refused.text
    for bad in ({"language": None}, {"language": "d" * 17}, {"colour": "red"}):
        assert (
            client.patch(
                "/api/v1/me", bad, content_type="application/json", headers=auth
            ).status_code
            == 422
        ), bad


# --- a German agent's pages and mail ------------------------------------------------------


@pytest.fixture
def german_agent(desk, now):
    do_set_staff_locale(
        desk.agent, actor=desk.agent, language="de", time_zone="Asia/Tokyo", now=now
    )
    desk.agent.refresh_from_db()
    return desk.agent


def test_a_german_agent_sees_the_inbox_in_german_whatever_the_browser(client, desk, german_agent):
    client.force_login(german_agent)
    page = client.get("/", headers={"accept-language": "fr-FR,fr;q=0.9"})
    assert page.status_code == 200
    assert '<html lang="de">' in page.text
    for words in ("Posteingang", "Meine Teams", "Nicht zugewiesen", "Abmelden", "Tastenkürzel"):
        assert words in page.text, words
    assert "Boîte de réception" not in page.text


def test_staff_without_a_language_stay_in_the_desks_default(client, desk):
    client.force_login(desk.other_agent)
    page = client.get("/", headers={"accept-language": "de"})
    assert '<html lang="en">' in page.text and "Inbox" in page.text


def test_a_german_agent_sees_a_case_and_the_reply_box_in_german(client, desk, german_agent, now):
    ticket = open_case(desk.alice, now, subject="Paket fehlt")
    ticket_actions.do_assign(
        ticket, actor=desk.lead, assignee=german_agent, team=desk.billing, now=now
    )
    client.force_login(german_agent)
    html = case_page_html(client, ticket.pk)
    for words in (
        "Antwort an Alice Acme",  # the reply box
        "Öffentliche Antwort",
        "Antwort senden",
        "Interne Notiz",
        "Notiz hinzufügen",
        "Verlauf",
        "Ursprüngliche Anfrage, in den Worten des Kunden",
        "Weitere Fälle",  # a side panel, loaded with htmx
        "hat den Fall neu zugewiesen",  # a timeline line
    ):
        assert words in html, words
    assert "Send reply" not in html and "Internal note" not in html
    # Times in the agent's zone: the case opened at 09:30 UTC is 18:30 in Tokyo.
    assert "18:30" in html


def test_a_notification_mail_to_a_german_agent_is_german(desk, german_agent, now):
    mail.outbox.clear()
    notify(german_agent, "mention", subject="CD-1 erwähnt Sie", body="Schauen Sie bitte.", now=now)
    sent = [m for m in mail.outbox if m.to == [german_agent.email]]
    assert len(sent) == 1
    assert "automatische Nachricht; Antworten werden nicht gelesen" in sent[0].body
    assert "Ihre Benachrichtigungen:" in sent[0].body
    # Someone without a language gets the desk's default.
    notify(desk.lead, "mention", subject="CD-1 mentions you", now=now)
    english = next(m for m in mail.outbox if m.to == [desk.lead.email])
    assert "automatic message; replies are not read" in english.body


def test_the_digest_speaks_the_recipients_language(desk, german_agent):
    subject, text, _ = outbox.render(
        "digest", {"items": [], "count": 2, "more": 0, "recipient_language": "de"}
    )
    assert subject == "2 ungelesene Benachrichtigungen in caredesk"
    assert text.startswith("2 ungelesene Benachrichtigungen seit Ihrer letzten Sammel-E-Mail:")


def test_a_staff_mail_never_takes_the_customers_language(desk, now):
    assert outbox.language_of("notification", {"language": "fr"}) == "en"
    assert outbox.language_of("notification", {"recipient_language": "es"}) == "es"
    assert outbox.language_of("notification", {"recipient_language": "<x>"}) == "en"


def test_a_german_agents_reply_reaches_a_french_customer_in_french(client, desk, german_agent, now):
    do_set_customer_language(desk.alice, actor=None, language="fr", now=now)
    ticket = open_case(desk.alice, now, subject="Colis perdu")
    ticket_actions.do_assign(
        ticket, actor=desk.lead, assignee=german_agent, team=desk.billing, now=now
    )
    client.force_login(german_agent)
    mail.outbox.clear()
    done = client.post(
        f"/cases/{ticket.pk}/reply",
        {
            "reply-body": "Nous le renvoyons.",
            "reply-status_after": "waiting_customer",
            "reply-send_anyway": "1",
        },
    )
    assert done.status_code == 302
    page = client.get(done["Location"])
    assert "Öffentliche Antwort" in page.text  # the agent's own page stays German
    sent = [m for m in mail.outbox if m.to == ["alice@acme.test"]]
    assert len(sent) == 1
    assert f"Dossier {ticket.reference}" in sent[0].body  # the customer's language
    assert sent[0].extra_headers["Content-Language"] == "fr"


def test_a_handoff_mail_to_a_german_agent_is_german_and_an_english_one_english(
    desk, german_agent, now
):
    ticket = open_case(desk.alice, now, subject="Kettle")
    mail.outbox.clear()
    ticket_actions.do_assign(
        ticket, actor=desk.lead, assignee=german_agent, team=desk.billing, now=now
    )
    sent = [m for m in mail.outbox if m.to == [german_agent.email]]
    assert len(sent) == 1
    assert sent[0].subject == f"[{ticket.reference}] An Sie übergeben: Kettle"
    assert f"Ada Agent, der Fall {ticket.reference} liegt jetzt bei Ihnen." in sent[0].body
    assert "Fall öffnen:" in sent[0].body
    ticket_actions.do_assign(
        ticket, actor=desk.manager, assignee=desk.other_agent, team=desk.delivery, now=now
    )
    english = [m for m in mail.outbox if m.to == [desk.other_agent.email]]
    assert english and "Handed to you: Kettle" in english[-1].subject
