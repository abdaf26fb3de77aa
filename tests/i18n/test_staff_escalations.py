"""The escalations app in German, French and Spanish (issue #17): every template (staff
pages, the case panels, the portal "Supervisor" panel, the staff mails) keeps its words
inside the translation tags; the app's three catalogues are complete, without fuzzy
entries, with the msgid's placeholders; a German lead reads the inbox, the escalation and
the decision page in German (their own ``User.language``, signed in); the notices a
customer gets are written in the customer's language, whoever triggers them."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.template import Engine
from django.utils import translation
from django.utils.translation.reloader import translation_file_changed

from caredesk.accounts.actions import do_set_staff_locale
from caredesk.customers.actions import do_set_customer_language
from caredesk.escalations import actions
from caredesk.escalations.defaults import seed
from caredesk.escalations.models import ActionType, ApprovalStatus, AuthorityLimit, EscalationSource
from caredesk.escalations.texts import END_OF_CONVERSATION_NOTICE
from caredesk.tickets.models import AuditEvent
from tests.escalations.conftest import open_case
from tests.portal.test_languages import PLACEHOLDER, msgids, read_po, untranslated_text

ROOT = Path(settings.BASE_DIR)
APP = ROOT / "caredesk" / "escalations"
LOCALES = [code for code, _ in settings.LANGUAGES if code != "en"]
# Templates whose text no person reads: none (every escalations template is read by
# someone: staff, a customer in the portal, or a staff member in a notification).
NOT_USER_FACING: dict[str, str] = {}
TEMPLATES = sorted(p for p in (APP / "templates").rglob("*") if p.suffix in (".html", ".txt"))


def template_name(path: Path) -> str:
    return "/".join(path.parts[path.parts.index("templates") + 1 :])


@pytest.fixture(scope="module", autouse=True)
def _compiled_catalogues() -> None:
    """The session fixture compiles caredesk/locale; this is the app's own catalogue."""
    changed = []
    for po in sorted((APP / "locale").glob("*/LC_MESSAGES/django.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        if shutil.which("msgfmt") is None:
            pytest.fail("GNU gettext's msgfmt is missing: run make system-deps")
        partial = mo.with_suffix(f".{os.getpid()}.tmp")
        subprocess.run(["msgfmt", "--check", "-o", str(partial), str(po)], check=True)
        os.replace(partial, mo)
        changed.append(mo)
    if changed:
        translation_file_changed(sender=None, file_path=changed[0])


@pytest.fixture
def types(desk):
    """The starter action types, as in tests/escalations."""
    cache.clear()
    seed(ActionType, AuthorityLimit)
    return {t.slug: t for t in ActionType.objects.all()}


@pytest.fixture
def german_lead(desk, now):
    return do_set_staff_locale(desk.lead, actor=desk.lead, language="de", now=now)


def escalate(desk, ticket, now):
    return actions.do_escalate(
        ticket,
        actor=desk.agent,
        source=EscalationSource.AGENT,
        reason="Kunde bestreitet die Gebühr.",
        handoff_summary="Gebühr zweimal erklärt.",
        now=now,
    ).escalation


def ask_refund(desk, now, types, amount="120", ticket=None):
    return actions.do_request_goodwill(
        ticket or open_case(desk, now),
        agent=desk.agent,
        action_type=types["refund"],
        amount=amount,
        reason="Doppelt abgebucht.",
        now=now,
    ).approval


# --- (a) every word inside the translation tags --------------------------------------------


def test_the_app_has_its_templates():
    names = {template_name(p) for p in TEMPLATES}
    assert {"escalations/inbox.html", "escalations/_portal_panel.html"} <= names
    assert "escalations/mail/approval.txt" in names


@pytest.mark.parametrize("path", TEMPLATES, ids=template_name)
def test_templates_have_no_untranslated_text(path):
    if template_name(path) in NOT_USER_FACING:
        pytest.skip(NOT_USER_FACING[template_name(path)])
    assert untranslated_text(path.read_text()) == []


# --- (b) complete catalogues ------------------------------------------------------------------


def catalogue(code: str) -> dict[str, dict]:
    return {e["msgid"]: e for e in read_po(APP / "locale" / code / "LC_MESSAGES" / "django.po")}


@pytest.mark.parametrize("code", LOCALES)
def test_each_catalogue_is_complete_with_matching_placeholders(code):
    entries = catalogue(code)
    assert len(entries) > 100, code
    for msgid, entry in entries.items():
        assert "fuzzy" not in entry["flags"], (code, msgid)
        forms = entry["msgstr"]
        assert forms and all(text.strip() for text in forms.values()), (code, msgid)
        source = entry["msgid_plural"] or msgid
        expected = set(PLACEHOLDER.findall(source))
        if entry["msgid_plural"] is not None:
            assert len(forms) >= 2, (code, msgid)
        for text in forms.values():
            assert set(PLACEHOLDER.findall(text)) == expected, (code, msgid, text)
            if expected or "python-format" in entry["flags"]:
                assert text.count("%") == len(PLACEHOLDER.findall(text)), (code, text)
    engine = Engine.get_default()
    for path in TEMPLATES:
        for msgid, plural in msgids(engine.get_template(template_name(path))):
            assert msgid in entries, f"{code}: {msgid!r} is missing (makemessages)"
            assert entries[msgid]["msgid_plural"] == plural, (code, msgid)


def test_choices_and_form_labels_are_translated():
    from caredesk.escalations.forms import DecisionForm
    from caredesk.escalations.models import EscalationSource

    with translation.override("es"):
        assert str(ApprovalStatus.DENIED.label) == "Rechazado"
        assert str(EscalationSource.SLA_BREACH.label) == "Sistema: incumplimiento del SLA"
        assert str(DecisionForm().fields["decision"].label) == "Decisión"
    assert str(ApprovalStatus.DENIED.label) == "Denied"  # English stays the default


# --- (c) real pages in German ----------------------------------------------------------------


def panel(client, ticket) -> str:
    """The case page's escalations panel, as htmx loads it."""
    response = client.get(f"/cases/{ticket.pk}/panels/escalations", headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.content.decode()


def test_a_german_leads_inbox_and_escalation_page_speak_german(
    client, desk, now, types, german_lead
):
    ticket = open_case(desk, now)
    escalation = escalate(desk, ticket, now)
    client.force_login(desk.lead)
    html = client.get("/escalations/").content.decode()
    assert "<h1>Eskalationen und Freigaben</h1>" in html
    assert "An Sie eskaliert" in html and "Keine Freigaben warten auf Sie." in html
    assert "Agent" in html  # the source, from the model's choices
    html = client.get(f"/escalations/{escalation.pk}/").content.decode()
    assert "Ursprüngliche Anfrage, in den Worten des Kunden" in html
    assert "Zusammenfassung der Übergabe" in html and "Eskalation beantworten" in html
    assert "Ihre Antwort (die eskalierende Person sieht sie)" in html  # the form's label
    # The case page's panel speaks German too.
    html = panel(client, ticket)
    assert "Kulanz und Freigaben" in html and "Beleidigendes Gespräch beenden" in html
    assert "<li>Refund: bis 500.00 EUR</li>" in html  # the lead's limits
    # Someone else, without a language, still reads English.
    client.force_login(desk.agent)
    assert "Escalations and approvals" in client.get("/escalations/").content.decode()


def test_a_german_lead_decides_in_german(client, desk, now, types, german_lead):
    approval = ask_refund(desk, now, types)
    assert approval.approver == desk.lead
    client.force_login(desk.lead)
    html = client.get(f"/escalations/approvals/{approval.pk}/").content.decode()
    assert "Warum der Agent anfragt" in html and "Entscheidung speichern" in html
    assert "Einen anderen Betrag freigeben" in html  # the choices of the decision form
    assert "Wartet auf Entscheidung" in html
    # A refusal without a reason is explained, the page stays German.
    response = client.post(
        f"/escalations/approvals/{approval.pk}/decide", {"decision": "approve_other"}
    )
    assert "Entscheidung speichern" in response.content.decode()
    response = client.post(
        f"/escalations/approvals/{approval.pk}/decide",
        {"decision": "approve_other", "amount": "1e999", "reason": "x"},
    )
    assert response.status_code == 400
    assert "Der Betrag ist zu hoch." in response.content.decode()
    response = client.post(
        f"/escalations/approvals/{approval.pk}/decide",
        {"decision": "approve_other", "amount": "zwölf", "reason": "x"},
    )
    assert "Der Betrag muss eine Zahl sein, etwa 25 oder 25.50." in response.content.decode()
    response = client.post(
        f"/escalations/approvals/{approval.pk}/decide",
        {"decision": "approve_other", "amount": "80", "reason": "Eine Buchung war vorgemerkt."},
        follow=True,
    )
    html = response.content.decode()
    assert "Entscheidung gespeichert; der Agent wurde informiert." in html
    assert "Freigegeben, anderer Betrag" in html


def test_staff_notices_follow_the_recipients_language(desk, now, german_lead):
    ticket = open_case(desk, now)
    escalate(desk, ticket, now)
    sent = [m for m in mail.outbox if m.to == [desk.lead.email]][-1]
    assert sent.subject.endswith(f"[{ticket.reference}] An Sie eskaliert: {ticket.subject}")
    assert "Ein Fall wurde an Sie eskaliert." in sent.body
    assert "Die ursprünglichen Worte des Kunden:" in sent.body
    assert "charged my card twice" in sent.body  # the customer's words stay as written


def test_the_delegations_and_report_pages_speak_german(client, desk, now, german_lead):
    client.force_login(desk.lead)
    html = client.get("/escalations/delegations/").content.decode()
    assert "Entscheiden während der Abwesenheit" in html and "Wer für Sie entscheidet" in html
    assert "Keine Vertretungen." in html
    html = client.get("/escalations/reports/approvals/").content.decode()
    assert "Nach Maßnahme und Ergebnis" in html and "Noch keine Freigabeanfragen." in html


def test_a_german_customer_sees_the_supervisor_panel_in_german(client, desk, now):
    do_set_customer_language(desk.alice, actor=None, language="de", now=now)
    ticket = open_case(desk, now)
    client.force_login(desk.alice.user)
    page = client.get(f"/portal/cases/{ticket.pk}/", headers={"accept-language": "fr"})
    html = page.content.decode()
    assert "Führungskraft hinzuziehen" in html and "Sie kommen nicht weiter?" in html
    assert "Was sollte die Führungskraft wissen? (optional)" in html
    response = client.post(
        f"/escalations/portal/cases/{ticket.pk}/supervisor", {"reason": "<b>Hilfe</b>"}
    )
    assert response.status_code == 302
    html = client.get(f"/portal/cases/{ticket.pk}/").content.decode()
    assert "Ihr Fall liegt bei einer Teamleitung" in html
    assert "eine Antwort erhalten Sie bis" in html
    assert "<b>Hilfe</b>" not in html  # the customer's words are never markup
    # The public note on the case is stored in the customer's language.
    event = AuditEvent.objects.filter(ticket=ticket, verb="escalated").get()
    assert event.note.startswith("Ihr Fall wurde an eine Teamleitung übergeben")


def test_customer_notices_are_in_the_customers_language_whoever_acts(desk, now, types):
    do_set_customer_language(desk.alice, actor=None, language="fr", now=now)
    desk.alice.refresh_from_db()
    approval = ask_refund(desk, now, types)
    actions.do_decide_approval(approval, actor=desk.lead, decision="approve", now=now)
    approval.refresh_from_db()
    message = actions.do_tell_customer_outcome(approval, actor=desk.agent, now=now)
    assert message.body.startswith(f"Bonjour {desk.alice.name},")
    assert "Bonne nouvelle : nous vous avons accordé « Refund » d'un montant de 120.00 EUR." in (
        message.body
    )
    other = open_case(desk, now)
    actions.do_end_abusive_conversation(other, agent=desk.agent, reason="", now=now)
    notice = other.messages.order_by("-id").filter(kind="reply").first()
    assert notice.body.startswith("Nous voulons vous aider")
    assert notice.body != END_OF_CONVERSATION_NOTICE


def test_hostile_names_stay_escaped_inside_translated_sentences(client, desk, now, german_lead):
    desk.agent.name = "<script>alert(1)</script>"
    desk.agent.save(update_fields=["name"])
    ticket = open_case(desk, now)
    actions.do_end_abusive_conversation(ticket, agent=desk.agent, reason="", now=now)
    client.force_login(desk.lead)
    html = panel(client, ticket)
    assert "Gespräch beendet von &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html


def test_action_errors_reach_a_german_agent_in_german(client, desk, now):
    do_set_staff_locale(desk.agent, actor=desk.agent, language="de", now=now)
    ticket = open_case(desk, now)
    client.force_login(desk.agent)
    url = f"/escalations/cases/{ticket.pk}/end-conversation"
    first = client.post(url, {"reason": "Beleidigungen"}, follow=True).content.decode()
    assert "Gespräch beendet: Der Kunde hat den Standardhinweis erhalten" in first
    again = client.post(url, {"reason": "noch einmal"}, follow=True).content.decode()
    assert "Dieses Gespräch wurde bereits beendet." in again
