from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection

from caredesk.accounts.models import Role, User
from caredesk.channels.portal import actions
from caredesk.channels.portal.models import MagicLink
from caredesk.channels.portal.selectors import hash_token
from caredesk.core.errors import DomainError
from caredesk.customers.models import ContactIdentity, Customer
from caredesk.tickets.models import AuditEvent

from .conftest import link_from_mail, open_case, path_of

SENT_TEXT = "If that address is known to us, we have sent a sign-in link"


def request_link(client, email, **extra):
    return client.post("/portal/signin/", {"email": email}, **extra)


def test_full_magic_link_flow(desk, now, client):
    open_case(desk.alice, now, subject="Broken kettle")
    mail.outbox.clear()

    page = client.get("/portal/")
    assert page.status_code == 200
    assert 'name="email"' in page.text and "Email me a sign-in link" in page.text

    response = request_link(client, "Alice@ACME.test")
    assert response.status_code == 302 and response["Location"] == "/portal/signin/sent/"
    assert SENT_TEXT in client.get(response["Location"]).text

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@acme.test"]
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    url = link_from_mail(message)
    token = url.rstrip("/").rsplit("/", 1)[1]
    # Only the hash is stored.
    link = MagicLink.objects.get()
    assert link.token_hash == hash_token(token) and token not in link.token_hash
    assert link.requested_ip == "127.0.0.1"
    assert link.expires_at - link.created_at == timedelta(minutes=15)

    # A mail scanner's GET does not consume the link.
    for _ in range(2):
        shown = client.get(path_of(url))
        assert shown.status_code == 200
        assert ">Sign in</button>" in shown.text
    assert MagicLink.objects.get().used_at is None
    assert client.get("/portal/cases/").status_code == 302

    signed_in = client.post(path_of(url))
    assert signed_in.status_code == 302 and signed_in["Location"] == "/portal/cases/"
    cases = client.get("/portal/cases/")
    assert cases.status_code == 200
    assert "Broken kettle" in cases.text and "Alice Acme" in cases.text
    assert MagicLink.objects.get().used_at is not None
    assert AuditEvent.objects.filter(verb="portal_signed_in", actor=desk.alice.user).exists()


def test_link_returns_to_the_page_asked_for(desk, now, client):
    ticket = open_case(desk.alice, now)
    first = client.get(f"/portal/cases/{ticket.pk}/")
    assert first.status_code == 302
    assert first["Location"].startswith("/portal/signin/?next=")
    client.post(
        "/portal/signin/", {"email": "alice@acme.test", "next": f"/portal/cases/{ticket.pk}/"}
    )
    response = client.post(path_of(link_from_mail(mail.outbox[-1])))
    assert response["Location"] == f"/portal/cases/{ticket.pk}/"


def test_next_cannot_point_off_site(desk, client):
    client.post("/portal/signin/", {"email": "alice@acme.test", "next": "//evil.example/portal/"})
    response = client.post(path_of(link_from_mail(mail.outbox[-1])))
    assert response["Location"] == "/portal/cases/"


def test_unknown_email_gets_identical_response_and_no_mail(desk, client):
    known = request_link(client, "alice@acme.test")
    mail.outbox.clear()
    unknown = request_link(client, "nobody@nowhere.test")
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert unknown.content == known.content
    assert mail.outbox == []
    assert MagicLink.objects.count() == 1


def test_expired_link_offers_a_new_one(desk, client, settings):
    issued = actions.do_send_magic_link("alice@acme.test", desk_now(), "10.0.0.1")
    assert issued is not None
    MagicLink.objects.filter(pk=issued.link.pk).update(expires_at=desk_now() - timedelta(seconds=1))
    page = client.get(path_of(issued.url))
    assert page.status_code == 410 and "This link has expired" in page.text
    response = client.post(path_of(issued.url))
    assert response.status_code == 410
    assert "expired" in response.text and "Email me a new link" in response.text
    assert client.get("/portal/cases/").status_code == 302


def desk_now():
    from caredesk.core.clock import now

    return now()


def test_reused_link_is_refused(desk, client):
    url = actions.do_issue_magic_link_for_cli("alice@acme.test")
    assert url is not None and url.startswith("http://127.0.0.1:8000/portal/auth/")
    assert client.post(path_of(url)).status_code == 302
    client.post("/portal/signout/")
    again = client.post(path_of(url))
    assert again.status_code == 410
    assert "already been used" in again.text
    assert client.get("/portal/cases/").status_code == 302
    assert "already used" in client.get(path_of(url)).text


def test_unknown_and_garbage_tokens(desk, client):
    for token in ["abc", "x" * 129, "a" * 43]:
        page = client.get(f"/portal/auth/{token}/")
        assert page.status_code == 404
        assert "This link does not work" in page.text
        assert client.post(f"/portal/auth/{token}/").status_code == 404
    assert client.get("/portal/auth/%00%0d%0a/").status_code == 404


def test_consume_is_single_use_on_the_action_level(desk, now):
    issued = actions.do_send_magic_link("alice@acme.test", now, None)
    token = issued.url.rstrip("/").rsplit("/", 1)[1]
    user = actions.do_consume_magic_link(token, now)
    assert user == desk.alice.user
    with pytest.raises(actions.LinkError) as err:
        actions.do_consume_magic_link(token, now)
    assert err.value.code == "link_used"


@pytest.mark.skipif("connection.vendor != 'postgresql'")
# Four threads, each on its own connection, race for the link: they see only committed rows.
@pytest.mark.django_db(transaction=True)
def test_concurrent_consumers_only_one_wins(desk, now):
    issued = actions.do_send_magic_link("alice@acme.test", now, None)
    token = issued.url.rstrip("/").rsplit("/", 1)[1]
    results: list[str] = []
    barrier = threading.Barrier(4)

    def consume():
        barrier.wait()
        try:
            actions.do_consume_magic_link(token, now)
            results.append("ok")
        except actions.LinkError as exc:
            results.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=consume) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["link_used"] * 3 + ["ok"]


def test_first_sign_in_creates_the_customer_login(desk, now, client):
    customer = Customer.objects.create(name="Carol New")
    ContactIdentity.objects.create(customer=customer, kind="email", value="carol@new.test")
    request_link(client, "CAROL@new.test")
    response = client.post(path_of(link_from_mail(mail.outbox[-1])))
    assert response.status_code == 302
    customer.refresh_from_db()
    user = customer.user
    assert user is not None and user.role == Role.CUSTOMER and user.email == "carol@new.test"
    assert not user.has_usable_password()
    assert "You have no cases yet" in client.get("/portal/cases/").text


def test_link_never_signs_in_a_staff_account(desk, now):
    customer = Customer.objects.create(name="Ada as customer")
    ContactIdentity.objects.create(customer=customer, kind="email", value="ada@desk.test")
    issued = actions.do_send_magic_link("ada@desk.test", now, None)
    token = issued.url.rstrip("/").rsplit("/", 1)[1]
    with pytest.raises(actions.LinkError) as err:
        actions.do_consume_magic_link(token, now)
    assert err.value.code == "account_conflict"
    customer.refresh_from_db()
    assert customer.user is None


def test_inactive_customer_cannot_sign_in(desk, client):
    User.objects.filter(pk=desk.alice.user.pk).update(is_active=False)
    # The sign-in page checks the link against the wall clock: issue it by the same clock.
    issued = actions.do_send_magic_link("alice@acme.test", desk_now(), None)
    response = client.post(path_of(issued.url))
    assert response.status_code == 400
    assert "cannot sign in" in response.text
    assert client.get("/portal/cases/").status_code == 302


@pytest.mark.parametrize(
    "email",
    [
        "alice@acme.test\r\nBcc: victim@evil.test",
        "alice@acme.test\nSubject: hi",
        "alice@acme.test%0d%0aBcc:x@y.z",
        "alice@acme.test\x00",
        "a" * 250 + "@acme.test",
        "x" * 5000,
        "not-an-email",
        "@acme.test",
        "alice@",
        "alice @acme.test",
        "<script>alert(1)</script>@acme.test",
        "",
        "   ",
    ],
)
def test_malformed_emails_are_rejected_cleanly(desk, client, email):
    response = request_link(client, email)
    assert response.status_code == 400
    assert 'class="errorlist"' in response.text
    assert "<script>alert(1)</script>" not in response.text
    assert mail.outbox == []
    assert MagicLink.objects.count() == 0


def test_action_refuses_header_injection(desk, now):
    with pytest.raises(DomainError):
        actions.do_request_magic_link("alice@acme.test\r\nBcc: x@evil.test", now, None)
    assert actions.do_issue_magic_link_for_cli("alice@acme.test\nBcc: x@evil.test") is None
    assert actions.do_issue_magic_link_for_cli("nobody@nowhere.test") is None
    assert MagicLink.objects.count() == 0


def test_rate_limit_per_email(desk, client):
    for _ in range(5):
        assert request_link(client, "alice@acme.test").status_code == 302
    limited = request_link(client, "ALICE@acme.test", REMOTE_ADDR="10.9.9.9")
    assert limited.status_code == 429
    assert "Too many sign-in links were requested" in limited.text
    assert len(mail.outbox) == 5
    # Unknown addresses are limited the same way, so the limit reveals nothing.
    for _ in range(5):
        request_link(client, "ghost@nowhere.test", REMOTE_ADDR="10.1.1.1")
    assert request_link(client, "ghost@nowhere.test", REMOTE_ADDR="10.1.1.1").status_code == 429


def test_rate_limit_per_ip(desk, client):
    for i in range(20):
        assert request_link(client, f"person{i}@nowhere.test").status_code == 302
    limited = request_link(client, "alice@acme.test")
    assert limited.status_code == 429
    assert mail.outbox == []
    # Another client is not affected.
    assert request_link(client, "alice@acme.test", REMOTE_ADDR="10.2.2.2").status_code == 302


def test_debug_mode_says_where_the_link_is(desk, client, settings):
    settings.DEBUG = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    assert "printed in the server console" in client.get("/portal/signin/sent/").text
    settings.DEBUG = False
    assert "printed in the server console" not in client.get("/portal/signin/sent/").text


def test_sign_out_needs_post(desk, client):
    client.force_login(desk.alice.user)
    assert client.get("/portal/signout/").status_code == 405
    assert client.post("/portal/signout/").status_code == 302
    assert client.get("/portal/cases/").status_code == 302


def test_signed_in_customer_visiting_signin_goes_to_cases(desk, client):
    client.force_login(desk.alice.user)
    assert client.get("/portal/")["Location"] == "/portal/cases/"


def test_cli_link_signs_in(desk, client):
    url = actions.do_issue_magic_link_for_cli("  Bob@Small.test ")
    assert url is not None
    assert mail.outbox == []
    client.post(path_of(url))
    assert "Bob Small" in client.get("/portal/cases/").text
