"""The domain apps' words in German, French and Spanish (issue #17): promises,
escalations, feedback, offers, policies and incidents each carry their own catalogues
(``caredesk/<app>/locale``). Every template of those apps (staff pages, htmx partials,
the panels they put into portal pages, their mails) keeps its words inside the
translation tags; each catalogue is complete, without fuzzy entries, with the msgid's
placeholders; and real pages speak German when German is the active language.

Staff pages follow no browser but the signed-in staff member's own language (ADR 0036):
these tests give that person German for the request. Portal pages follow the customer's
saved language."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.template import Engine
from django.utils import translation

from caredesk.accounts.models import User
from caredesk.customers.actions import do_set_customer_language
from caredesk.tickets import actions as ticket_actions
from caredesk.tickets.models import Channel
from tests.portal.test_languages import PLACEHOLDER, msgids, read_po, untranslated_text

ROOT = Path(settings.BASE_DIR)
APPS = ("promises", "feedback", "offers", "policies", "incidents")
LOCALES = [code for code, _ in settings.LANGUAGES if code != "en"]
# Templates whose text no person reads (none so far): name -> why.
NOT_USER_FACING: dict[str, str] = {}


def templates_of(app: str) -> list[Path]:
    base = ROOT / "caredesk" / app / "templates"
    return sorted(p for p in base.rglob("*") if p.suffix in (".html", ".txt"))


def template_name(path: Path) -> str:
    parts = path.parts
    return "/".join(parts[parts.index("templates") + 1 :])


TEMPLATES = [
    p for app in APPS for p in templates_of(app) if template_name(p) not in NOT_USER_FACING
]


# --- (a) every word inside the translation tags --------------------------------------------


def test_every_app_has_templates_to_check():
    for app in APPS:
        assert templates_of(app), app


@pytest.mark.parametrize("path", TEMPLATES, ids=template_name)
def test_templates_have_no_untranslated_text(path):
    assert untranslated_text(path.read_text()) == []


# --- (b) complete catalogues ------------------------------------------------------------------


def catalogue(app: str, code: str) -> dict[str, dict]:
    path = ROOT / "caredesk" / app / "locale" / code / "LC_MESSAGES" / "django.po"
    return {e["msgid"]: e for e in read_po(path)}


@pytest.mark.parametrize("code", LOCALES)
@pytest.mark.parametrize("app", APPS)
def test_each_app_catalogue_is_complete_with_matching_placeholders(app, code):
    entries = catalogue(app, code)
    assert entries, (app, code)
    for msgid, entry in entries.items():
        assert "fuzzy" not in entry["flags"], (app, code, msgid)
        forms = entry["msgstr"]
        assert forms and all(text.strip() for text in forms.values()), (app, code, msgid)
        if entry["msgid_plural"] is None:
            expected = set(PLACEHOLDER.findall(msgid))
            assert set(PLACEHOLDER.findall(forms[0])) == expected, (app, code, msgid)
        else:
            expected = set(PLACEHOLDER.findall(entry["msgid_plural"]))
            assert len(forms) >= 2, (app, code, msgid)
            for text in forms.values():
                assert set(PLACEHOLDER.findall(text)) == expected, (app, code, msgid, text)
        if "python-format" in entry["flags"] or PLACEHOLDER.search(msgid):
            for text in forms.values():
                assert text.count("%") == len(PLACEHOLDER.findall(text)), (app, code, text)
    engine = Engine.get_default()
    for path in templates_of(app):
        for msgid, plural in msgids(engine.get_template(template_name(path))):
            assert msgid in entries, f"{app}/{code}: {msgid!r} is missing (makemessages)"
            assert entries[msgid]["msgid_plural"] == plural, (app, code, msgid)


def test_choices_and_python_messages_are_translated():
    from caredesk.feedback.models import ReviewOutcome
    from caredesk.incidents.models import IncidentStatus
    from caredesk.offers.models import OfferKind
    from caredesk.policies.models import AppliesTo

    with translation.override("fr"):
        assert str(OfferKind.LOYALTY.label) == "Bon de fidélité"
        assert str(AppliesTo.REFUND.label) == "Remboursement"
        assert str(IncidentStatus.RESOLVED.label) == "Résolu"
        assert str(ReviewOutcome.POLICY.label) == "Refus conforme à la politique"
    assert str(OfferKind.LOYALTY.label) == "Loyalty voucher"  # English stays the default


# --- (c) real pages in German ----------------------------------------------------------------


def german(client, path: str) -> str:
    """The page for the signed-in staff member once they have chosen German (staff pages
    follow their own language, ADR 0036); their choice is undone afterwards."""
    user = User.objects.get(pk=client.session["_auth_user_id"])
    User.objects.filter(pk=user.pk).update(language="de")
    try:
        page = client.get(path)
    finally:
        User.objects.filter(pk=user.pk).update(language=user.language)
    assert page.status_code == 200, (path, page.status_code)
    return page.content.decode()


def test_offers_report_and_refusal_speak_german(client, desk):
    client.force_login(desk.manager)
    html = german(client, "/offers/report/")
    assert "Angebotsbericht" in html and "Nach Angebot" in html
    assert "In diesem Zeitraum wurde kein Angebot gemacht." in html
    assert "Offers report" in client.get("/offers/report/").content.decode()  # English default


def test_policies_pages_speak_german(client, desk):
    client.force_login(desk.agent)
    html = german(client, "/policies/")
    assert "<h1>Richtlinien</h1>" in html and "Noch keine Richtlinien." in html


def test_incident_pages_speak_german(client, desk, now):
    from caredesk.incidents import actions, audience

    client.force_login(desk.lead)
    html = german(client, "/incidents/")
    assert "Störung melden" in html and "Noch keine Störungen." in html
    incident = actions.do_declare_incident(
        actor=desk.lead,
        title="Anmeldung gestört",
        public_text="Wir arbeiten daran.",
        rule=audience.make_rule(tiers=["vip"]),
        now=now,
    ).incident
    html = german(client, f"/incidents/{incident.pk}/")
    assert "Meldung veröffentlichen" in html and "1 Kunden benachrichtigen" in html
    assert "Verknüpfte Fälle" in html and "Zielgruppe" in html
    html = german(client, "/incidents/new")
    assert "Wer betroffen ist" in html and "Was die Kunden lesen" in html


def test_a_german_customer_reads_the_incident_banner_and_answer_in_german(client, desk, now):
    from caredesk.incidents import actions, audience

    do_set_customer_language(desk.alice, actor=None, language="de", now=now)
    desk.alice.refresh_from_db()
    actions.do_declare_incident(
        actor=desk.lead,
        title="Anmeldung gestört",
        public_text="Wir arbeiten daran.",
        rule=audience.make_rule(tiers=["vip"]),
        now=now,
    )
    ticket = ticket_actions.do_open_ticket(
        customer=desk.alice,
        subject="Ich kann mich nicht anmelden",
        body="Seit heute Morgen.",
        channel=Channel.PORTAL,
        now=now,
        actor=desk.alice.user,
    )
    answer = ticket.messages.order_by("-id").first()
    assert answer.body.startswith("Vielen Dank für Ihre Nachricht.")
    assert "Unsere letzte Meldung:" in answer.body
    client.force_login(desk.alice.user)
    page = client.get("/portal/cases/", headers={"accept-language": "fr"}).content.decode()
    assert "Bekanntes Problem: Anmeldung gestört" in page
    assert "Wir schreiben Ihnen, sobald sich etwas ändert." in page


def test_hostile_titles_stay_escaped_inside_translated_sentences(client, desk, now):
    from caredesk.incidents import actions, audience

    do_set_customer_language(desk.alice, actor=None, language="de", now=now)
    actions.do_declare_incident(
        actor=desk.lead,
        title="<script>alert(1)</script>",
        public_text="x",
        rule=audience.make_rule(tiers=["vip"]),
        now=now,
    )
    client.force_login(desk.alice.user)
    page = client.get("/portal/cases/").content.decode()
    assert "Bekanntes Problem: &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page


def test_an_agents_record_and_the_reviews_speak_german(client, desk):
    client.force_login(desk.manager)
    html = german(client, f"/feedback/agents/{desk.agent.pk}/")
    assert "Das Gesamtbild" in html and "Keine berechtigten Beschwerden." in html
    assert "Beschwerden nach Ergebnis" in html and "Berechtigt" in html
    html = german(client, "/feedback/reviews/")
    assert "Zu prüfende Beschwerden" in html


def test_the_rating_link_speaks_the_customers_language(desk, now):
    from django.test import Client

    from caredesk.feedback import csat_links
    from caredesk.feedback.models import Survey
    from tests.feedback.test_csat import sent_case

    do_set_customer_language(desk.alice, actor=None, language="fr", now=now)
    desk.alice.refresh_from_db()
    ticket = sent_case(desk, now)
    survey = Survey.objects.get(ticket=ticket)
    link = csat_links.rating_url(survey.pk, ticket.pk, desk.alice.pk, "good")
    page = Client().get("/" + link.split("/", 3)[3], headers={"accept-language": "de"})
    assert page.status_code == 200
    assert "Veuillez confirmer votre réponse : <strong>Bien</strong>." in page.text
    assert "Évaluer : bien" in page.text
    forged = Client().get("/feedback/rate/good/forged/", headers={"accept-language": "es"})
    assert forged.status_code == 400 and "Este enlace no es válido" in forged.text


def test_promise_pages_speak_german(client, desk, now):
    from tests.promises.conftest import open_case, promise

    ticket = open_case(desk, now)
    promise(ticket, desk.lead, now)
    client.force_login(desk.lead)
    html = german(client, "/promises/")
    assert "<h1>Zusagen</h1>" in html and "Von Ihnen einzuhalten" in html
    html = german(client, "/promises/report/")
    assert "Zusagenbericht" in html and "Nach Mitarbeiter" in html
    html = german(client, f"/cases/{ticket.pk}/panels/promises")
    assert "Zusage machen" in html and "Der Kunde sieht diese Zusage" in html
    assert "Montag, 23. November 2026 um 12:30" in html  # the due time, in German words


def test_a_promise_made_in_a_reply_is_stated_in_the_customers_language(desk, now):
    from datetime import timedelta

    from caredesk.promises.actions import PromiseDraft, do_reply_with_promise
    from tests.promises.conftest import open_case

    do_set_customer_language(desk.alice, actor=None, language="es", now=now)
    desk.alice.refresh_from_db()
    ticket = open_case(desk, now)
    draft = PromiseDraft(kind="callback", text="Reembolso", due_at=now + timedelta(hours=6))
    message, _ = do_reply_with_promise(
        ticket, agent=desk.agent, body="Le llamo esta tarde.", draft=draft, now=now
    )
    assert (
        "Nuestro compromiso: le devolveremos la llamada antes del lunes 23 de noviembre de "
        "2026 a las 15:30 (UTC). (Reembolso)"
    ) in message.body
    # The agent's own confirmation stays in the agent's language (English here).
    english = PromiseDraft(kind="update", text="Update", due_at=now + timedelta(hours=7))
    other = open_case(desk, now, customer=desk.bob)
    message, _ = do_reply_with_promise(other, agent=desk.agent, body="Hi", draft=english, now=now)
    assert "Our promise: we will send you an update by Monday 23 November 2026" in message.body


def test_the_apps_customer_pages_outside_the_portal_speak_the_saved_language(client, desk, now):
    """/offers/portal/… and /feedback/portal/… are not under /portal/: the customer's
    saved language still holds there, for their refusals and banners."""
    do_set_customer_language(desk.alice, actor=None, language="de", now=now)
    client.force_login(desk.alice.user)
    refused = client.post("/offers/portal/accept", {"offer": "abc"})
    assert refused.status_code == 400
    assert "Nicht möglich" in refused.text
    assert "Bitte wählen Sie eines der angezeigten Angebote." in refused.text
