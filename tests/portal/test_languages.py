"""The customer's language (issue #17, docs/languages.md): every word of the portal and of
the customer mails goes through the catalogues; each catalogue is complete; the portal
speaks the browser's language, then the customer's saved one; the switcher saves it; a
customer mail is written in it through the real outbox; staff pages and mail stay English."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.template import Context, Engine, Template
from django.template.base import Lexer, TokenType
from django.templatetags.i18n import BlockTranslateNode, TranslateNode
from django.utils import translation

from caredesk.channels.portal import language as portal_language
from caredesk.core import languages, mails, outbox
from caredesk.core.errors import DomainError, PermissionDenied
from caredesk.core.models import Event
from caredesk.customers.actions import do_set_customer_language
from caredesk.customers.models import Customer

from .conftest import link_from_mail, open_case, path_of

ROOT = Path(settings.BASE_DIR)
PORTAL_TEMPLATES = sorted((ROOT / "caredesk/channels/portal/templates/portal").glob("*.html"))
CUSTOMER_MAILS = sorted(
    (m for m in mails.BUILT_IN.values() if m.audience == "customer"), key=lambda m: m.name
)
LOCALES = [code for code, _ in settings.LANGUAGES if code != "en"]
# Words that are the same in every language: the product's name; "Re:" keeps mail threads.
SAME_EVERYWHERE = {"caredesk", "Re"}
# Blocks of base.html that fill an attribute (a class, a link), not words.
ATTRIBUTE_BLOCKS = {"main_class", "body_class", "home_url", "extra_head"}
USER_ATTRIBUTES = re.compile(r'\b(placeholder|title|alt|aria-label)="([^"]*)"')
LETTERS = re.compile(r"[^\W\d_]{2,}")
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdif]")


def template_source(path_or_name: str | Path) -> str:
    if isinstance(path_or_name, Path):
        return path_or_name.read_text()
    return Engine.get_default().get_template(path_or_name).source


def untranslated_text(source: str) -> list[str]:
    """The words a reader would see that are outside {% translate %} and
    {% blocktranslate %}: the template is lexed, tags and variables become a marker,
    translated blocks vanish, then the HTML tags go (their user-facing attributes are
    checked first)."""
    out: list[str] = []
    skipping = False
    for token in Lexer(source).tokenize():
        content = token.contents.strip()
        if token.token_type == TokenType.BLOCK:
            name = content.split(" ", 1)[0]
            if name in ("blocktranslate", "blocktrans") or (
                name == "block" and content.split()[1:2][0] in ATTRIBUTE_BLOCKS
            ):
                skipping = True
            elif name in ("endblocktranslate", "endblocktrans") or (
                name == "endblock" and skipping
            ):
                skipping = False
            out.append("\x00")
        elif token.token_type == TokenType.VAR:
            out.append("\x00")
        elif token.token_type == TokenType.TEXT and not skipping:
            out.append(token.contents)
    text = "".join(out)
    found = [value for _, value in USER_ATTRIBUTES.findall(text) if LETTERS.search(value)]
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S)
    text = re.sub(r"<[^>]*>", " ", text)
    text = re.sub(r"&[#\w]+;", " ", text)
    text = re.sub(r"[^\s\x00]*/[^\s\x00]*", " ", text)  # a link's path is no word
    for piece in text.split("\x00"):
        words = [w for w in LETTERS.findall(piece) if w not in SAME_EVERYWHERE]
        if words:
            found.append(" ".join(piece.split()))
    return found


def msgids(template: Template) -> set[tuple[str, str | None]]:
    """(msgid, msgid_plural) of every translate and blocktranslate of a compiled template."""
    found: set[tuple[str, str | None]] = set()
    for node in template.nodelist.get_nodes_by_type(TranslateNode):
        literal = node.filter_expression.var.literal
        if isinstance(literal, str):
            found.add((literal, None))
    for node in template.nodelist.get_nodes_by_type(BlockTranslateNode):
        singular, _ = node.render_token_list(node.singular)
        plural = node.render_token_list(node.plural)[0] if node.plural else None
        found.add((singular, plural))
    return found


def read_po(path: Path) -> list[dict]:
    """A small reader of the .po format: entries with flags, msgid(s) and msgstr(s)."""
    entries: list[dict] = []
    entry: dict | None = None
    key: tuple = ()
    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if line.startswith("#~"):
            continue
        if not line:
            if entry is not None:
                entries.append(entry)
            entry = None
            continue
        if entry is None:
            entry = {"flags": [], "msgid": "", "msgid_plural": None, "msgstr": {}}
        if line.startswith("#,"):
            entry["flags"] += [f.strip() for f in line[2:].split(",")]
        elif line.startswith("#"):
            continue
        elif line.startswith("msgid_plural "):
            key, entry["msgid_plural"] = ("msgid_plural",), ast.literal_eval(line[13:])
        elif line.startswith("msgid "):
            key, entry["msgid"] = ("msgid",), ast.literal_eval(line[6:])
        elif line.startswith("msgstr["):
            index = int(line[7 : line.index("]")])
            key = ("msgstr", index)
            entry["msgstr"][index] = ast.literal_eval(line[line.index("]") + 2 :])
        elif line.startswith("msgstr "):
            key = ("msgstr", 0)
            entry["msgstr"][0] = ast.literal_eval(line[7:])
        elif line.startswith('"'):
            if key[0] == "msgstr":
                entry["msgstr"][key[1]] += ast.literal_eval(line)
            else:
                entry[key[0]] += ast.literal_eval(line)
    return [e for e in entries if e["msgid"]]


def language_events():
    return Event.objects.filter(kind="customer.changed", data__field="language")


def catalogue(code: str) -> dict[str, dict]:
    return {e["msgid"]: e for e in read_po(ROOT / f"caredesk/locale/{code}/LC_MESSAGES/django.po")}


# --- every word through the catalogues --------------------------------------------------


def test_the_checker_catches_words_outside_translate():
    assert untranslated_text("<p>Hello {{ name }}</p>") == ["Hello"]
    assert untranslated_text('<input placeholder="Your name">') == ["Your name"]
    assert untranslated_text("{% translate 'Hello' %} <b>{{ name }}</b> · —") == []
    assert untranslated_text("{% blocktranslate %}Hi {{ n }}{% endblocktranslate %}") == []
    assert untranslated_text('<a href="/x" class="button secondary">{{ a }}</a>') == []


@pytest.mark.parametrize("path", PORTAL_TEMPLATES, ids=lambda p: p.name)
def test_portal_templates_have_no_untranslated_text(path):
    assert untranslated_text(template_source(path)) == []


@pytest.mark.parametrize("built_in", CUSTOMER_MAILS, ids=lambda m: m.name)
def test_customer_mails_have_no_untranslated_text(built_in):
    assert untranslated_text(template_source(built_in.template)) == []
    assert untranslated_text(built_in.subject) == []


def test_staff_mails_are_not_asked_to_be_translated():
    staff = {m.name for m in mails.BUILT_IN.values() if m.audience == "staff"}
    assert {"customer_wrote", "handoff", "notification", "digest", "case_forward"} <= staff
    assert outbox.language_of("customer_wrote", {"language": "fr"}) == "en"


# --- complete catalogues -----------------------------------------------------------------


def used_msgids() -> set[tuple[str, str | None]]:
    engine = Engine.get_default()
    used: set[tuple[str, str | None]] = set()
    for path in PORTAL_TEMPLATES:
        used |= msgids(engine.get_template(f"portal/{path.name}"))
    for built_in in CUSTOMER_MAILS:
        used |= msgids(engine.get_template(built_in.template))
        used |= msgids(Template(built_in.subject))
    return used


def test_every_customer_subject_sentence_is_declared_for_makemessages():
    declared = set(mails.SUBJECT_MESSAGES)
    for built_in in CUSTOMER_MAILS:
        for msgid, _ in msgids(Template(built_in.subject)):
            assert msgid in declared, f"{built_in.name}: add {msgid!r} to SUBJECT_MESSAGES"


@pytest.mark.parametrize("code", LOCALES)
def test_each_catalogue_is_complete_with_matching_placeholders(code):
    entries = catalogue(code)
    assert entries, code
    for msgid, entry in entries.items():
        assert "fuzzy" not in entry["flags"], (code, msgid)
        forms = entry["msgstr"]
        assert forms and all(text.strip() for text in forms.values()), (code, msgid)
        if entry["msgid_plural"] is None:
            expected = set(PLACEHOLDER.findall(msgid))
            assert set(PLACEHOLDER.findall(forms[0])) == expected, (code, msgid, forms[0])
        else:
            expected = set(PLACEHOLDER.findall(entry["msgid_plural"]))
            assert len(forms) >= 2, (code, msgid)
            for text in forms.values():
                assert set(PLACEHOLDER.findall(text)) == expected, (code, msgid, text)
        if "python-format" in entry["flags"] or PLACEHOLDER.search(msgid):
            for text in forms.values():
                assert text.count("%") == len(PLACEHOLDER.findall(text)), (code, text)
    for msgid, plural in used_msgids():
        assert msgid in entries, f"{code}: {msgid!r} is not in the catalogue (makemessages)"
        assert entries[msgid]["msgid_plural"] == plural, (code, msgid)


@pytest.mark.parametrize("code", LOCALES)
def test_the_compiled_catalogue_is_what_django_reads(code):
    with translation.override(code):
        assert translation.gettext("My cases") != "My cases"
        assert translation.gettext("My cases") == catalogue(code)["My cases"]["msgstr"][0]


# --- the language a page or a mail speaks -------------------------------------------------


def test_accept_language_picks_the_best_offered_language():
    pick = languages.from_accept_language
    assert pick("de-DE,de;q=0.9,en;q=0.8") == "de"
    assert pick("pt-BR, es;q=0.5, fr;q=0.7") == "fr"
    assert pick("en-GB,en;q=0.9") == "en"
    assert pick("ja, zh;q=0.5") == ""
    assert pick("fr;q=0, de;q=abc, es") == "es"
    assert pick("") == "" and pick(";;;,,,=") == ""
    assert pick(("x" * 5000) + ",de") == ""  # a huge header is cut before it is read
    assert languages.supported("DE_at") == "de" and languages.supported("<b>") == ""


def test_signin_page_speaks_the_browsers_language(client, db):
    german = client.get("/portal/signin/", headers={"accept-language": "de-DE,de;q=0.9"})
    assert german.status_code == 200
    assert "Im Support-Portal anmelden" in german.text
    assert '<html lang="de">' in german.text and german["Content-Language"] == "de"
    assert "Accept-Language" in german["Vary"]
    english = client.get("/portal/signin/")
    assert "Sign in to the support portal" in english.text and '<html lang="en">' in english.text
    french_help = client.get("/help/", headers={"accept-language": "fr"})
    assert "Centre d'aide" in french_help.text


def test_form_errors_are_in_the_customers_language(client, db):
    page = client.post("/portal/signin/", {"email": ""}, headers={"accept-language": "es"})
    assert page.status_code == 400
    assert "Introduzca su dirección de correo electrónico." in page.text


def test_staff_pages_stay_english_whatever_the_browser(client, desk):
    client.force_login(desk.agent)
    page = client.get("/", headers={"accept-language": "de"})
    assert page.status_code == 200
    assert "Skip to content" in page.text and '<html lang="en">' in page.text


def test_the_saved_language_wins_over_the_browser(client, desk, now):
    do_set_customer_language(desk.alice, actor=None, language="de", now=now, how="test")
    open_case(desk.alice, now, subject="Wasserkocher defekt")
    client.force_login(desk.alice.user)
    cases = client.get("/portal/cases/", headers={"accept-language": "fr"})
    assert "Meine Fälle" in cases.text and "Wasserkocher defekt" in cases.text
    assert "23. November 2026" in cases.text  # localised dates (tests' NOW)
    assert "Neu" in cases.text  # the status, in German
    ticket = desk.alice.tickets.get()
    case = client.get(f"/portal/cases/{ticket.pk}/")
    assert "Ursprüngliche Anfrage" in case.text and "Fall eröffnet" in case.text


def test_first_sign_in_saves_the_browsers_language(client, desk, now):
    assert desk.alice.language == ""
    french = {"accept-language": "fr-CH, fr;q=0.9, en;q=0.8"}
    client.post("/portal/signin/", {"email": "alice@acme.test"}, headers=french)
    message = mail.outbox[-1]
    # The sign-in mail is in the browser's language, the customer's not being known yet.
    assert "utilisez ce lien" in message.body.lower() and message.subject.startswith("Votre lien")
    client.post(path_of(link_from_mail(message)), headers=french)
    desk.alice.refresh_from_db()
    assert desk.alice.language == "fr"
    event = language_events().get()
    assert event.data["new"] == {"customer": desk.alice.pk, "language": "fr"}
    assert event.data["actor_kind"] == "system" and event.data["note"] == "browser"
    # A later sign-in from a German browser keeps the saved language.
    client.post("/portal/signout/")
    client.post("/portal/signin/", {"email": "alice@acme.test"}, headers={"accept-language": "de"})
    client.post(path_of(link_from_mail(mail.outbox[-1])), headers={"accept-language": "de"})
    desk.alice.refresh_from_db()
    assert desk.alice.language == "fr"


def test_the_switcher_saves_the_customers_language(client, desk):
    client.force_login(desk.alice.user)
    page = client.get("/portal/cases/")
    assert 'id="language-switcher"' in page.text and 'value="es" lang="es"' in page.text
    done = client.post("/portal/language/", {"language": "es", "next": "/portal/cases/"})
    assert done.status_code == 302 and done["Location"] == "/portal/cases/"
    desk.alice.refresh_from_db()
    assert desk.alice.language == "es"
    assert "Mis casos" in client.get("/portal/cases/").text
    event = language_events().get()
    assert event.actor_id == desk.alice.user.pk and event.data["note"] == "switcher"


@pytest.mark.parametrize(
    "value", ["xx", "<script>alert(1)</script>", "de" + "e" * 10_000, "", "de\x00"]
)
def test_the_switcher_refuses_hostile_and_oversized_input(client, desk, value):
    client.force_login(desk.alice.user)
    done = client.post("/portal/language/", {"language": value, "next": "/portal/cases/"})
    assert done.status_code == 302
    page = client.get(done["Location"])
    assert "Please choose one of the languages offered." in page.text
    assert "<script>alert(1)" not in page.text
    desk.alice.refresh_from_db()
    assert desk.alice.language == ""
    assert not language_events().exists()


@pytest.mark.parametrize("target", ["https://evil.test/", "//evil.test/x", "/admin/", "/\\evil"])
def test_the_switcher_returns_only_to_portal_pages(client, db, target):
    done = client.post("/portal/language/", {"language": "de", "next": target})
    assert done.status_code == 302 and done["Location"] == "/portal/"


def test_before_signing_in_the_switcher_holds_for_the_session(client, db):
    client.post("/portal/language/", {"language": "fr", "next": "/portal/signin/"})
    page = client.get("/portal/signin/", headers={"accept-language": "de"})
    assert "Se connecter au portail d'assistance" in page.text
    assert client.session[portal_language.SESSION_KEY] == "fr"


def test_the_language_action_checks_who_and_what(desk, now):
    with pytest.raises(PermissionDenied):
        do_set_customer_language(desk.bob, actor=desk.alice.user, language="de", now=now)
    with pytest.raises(DomainError) as refused:
        do_set_customer_language(desk.alice, actor=desk.agent, language="klingon", now=now)
    assert refused.value.code == "unknown_language"
    do_set_customer_language(desk.bob, actor=desk.agent, language="DE", now=now, how="admin")
    assert Customer.objects.get(pk=desk.bob.pk).language == "de"
    # The same language again records nothing.
    do_set_customer_language(desk.bob, actor=desk.agent, language="de", now=now)
    assert language_events().count() == 1


# --- mail in the customer's language, through the real outbox ----------------------------


def test_a_french_customer_gets_the_acknowledgement_in_french(desk, now):
    do_set_customer_language(desk.alice, actor=None, language="fr", now=now)
    mail.outbox.clear()
    ticket = open_case(desk.alice, now, subject="Colis <jamais> arrivé", body="<b>Où</b> est-il ?")
    sent = [m for m in mail.outbox if m.to == ["alice@acme.test"]]
    assert len(sent) == 1
    ack = sent[0]
    # (The outbox folds a subject's spaces, the French no-break one included.)
    assert ack.subject == f"[{ticket.reference}] Nous avons bien reçu votre demande : " + (
        "Colis <jamais> arrivé"
    )
    assert ack.body.startswith("Bonjour Alice Acme,")
    assert f"ouvert le dossier {ticket.reference}" in ack.body
    assert "<b>Où</b> est-il ?" in ack.body  # the customer's own words, untouched
    assert ack.extra_headers["Content-Language"] == "fr"
    html = ack.alternatives[0][0]
    assert '<html lang="fr">' in html and "Bonjour Alice Acme," in html
    assert "&lt;b&gt;Où&lt;/b&gt; est-il ?" in html and "<b>Où</b>" not in html


def test_a_customer_without_a_language_gets_english(desk, now):
    mail.outbox.clear()
    open_case(desk.bob, now, subject="Parcel late")
    ack = next(m for m in mail.outbox if m.to == ["bob@small.test"])
    assert ack.subject.endswith("We received your request: Parcel late")
    assert ack.body.startswith("Hello Bob Small,")
    assert ack.extra_headers["Content-Language"] == "en"


def test_a_staff_mail_stays_english_for_a_german_customers_case(desk, now):
    do_set_customer_language(desk.alice, actor=None, language="de", now=now)
    ticket = open_case(desk.alice, now)
    subject, text, _ = outbox.render("handoff", {"ticket": ticket, "user": desk.agent})
    assert "Handed to you" in subject and "Guten Tag" not in text


@pytest.mark.parametrize("code", LOCALES)
def test_every_customer_mail_subject_renders_in_each_language(desk, now, code):
    ticket = open_case(desk.alice, now, subject="Kettle")
    context = {
        "ticket": ticket,
        "language": code,
        "request": type("R", (), {"label": "Cancel", "type": type("T", (), {"name": "X"})})(),
        "incident": type("I", (), {"title": "Outage"})(),
        "resolved": False,
    }
    for built_in in CUSTOMER_MAILS:
        with translation.override(code):
            subject = Template(built_in.subject).render(Context(context))
        if built_in.name != "reply":
            with translation.override("en"):
                english = Template(built_in.subject).render(Context(context))
            assert subject != english, (code, built_in.name)


def test_signing_out_keeps_the_language(client, desk, now):
    do_set_customer_language(desk.alice, actor=None, language="de", now=now)
    client.force_login(desk.alice.user)
    done = client.post("/portal/signout/", headers={"accept-language": "en"})
    page = client.get(done["Location"], headers={"accept-language": "en"})
    assert "Sie sind abgemeldet." in page.text and "Im Support-Portal anmelden" in page.text


def test_the_honest_sla_update_writes_the_promised_time_in_the_customers_language(desk, now):
    from zoneinfo import ZoneInfo

    from caredesk.sla.honest import _due_text

    berlin = now.astimezone(ZoneInfo("Europe/Berlin"))
    english = open_case(desk.bob, now)
    assert _due_text(berlin, english) == "23 Nov 2026, 10:30"
    do_set_customer_language(desk.alice, actor=None, language="de", now=now)
    german = open_case(desk.alice, now)
    german.customer.refresh_from_db()
    assert _due_text(berlin, german) == "23. November 2026 10:30"
