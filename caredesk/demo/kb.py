"""The demo's help centre (docs/knowledge-base.md): two categories, the answers customers
ask for most as public articles, two internal how-tos for staff, and the returns policy
published as an article. A few weeks of visits to the portal's new-case form record
which suggestions were shown and opened, and whether a case was opened after all, so the
care dashboard's deflection tile has numbers (most readers still open a case: a young
help centre). Written through the kb actions; idempotent (get-or-create by title)."""

from __future__ import annotations

from datetime import datetime, timedelta

from caredesk.demo.people import DemoDesk
from caredesk.kb.actions import (
    ArticleData,
    do_publish_article,
    do_publish_policy,
    do_record_article_opened,
    do_record_case_opened,
    do_record_suggestions,
    do_save_category,
    do_write_article,
)
from caredesk.kb.models import Article, Category, Visibility
from caredesk.policies.models import Policy
from caredesk.tickets.models import Ticket

DELIVERIES = "Deliveries & returns"
ACCOUNT = "Your account & payments"
CATEGORIES = (
    (DELIVERIES, "Delivery windows, missed deliveries, damage and sending things back.", 1),
    (ACCOUNT, "Refunds, payments, invoices and Brightside Fit memberships.", 2),
)

# (category, title, visibility, body)
ARTICLES = (
    (
        DELIVERIES,
        "How delivery windows work",
        Visibility.PUBLIC,
        "Our drivers plan their routes by area, so every delivery has a **four-hour window** "
        "rather than a fixed time.\n\n- The window is on page 2 of your receipt.\n- We "
        "confirm it on the scheduling call the day before.\n- The driver rings you about "
        "30 minutes before arriving.\n\nNeed an early or late stop? Reply to the scheduling "
        "mail and we will try to fit it.",
    ),
    (
        DELIVERIES,
        "My delivery has not arrived",
        Visibility.PUBLIC,
        "If the window on your receipt has passed:\n\n1. Check the tracking link in your "
        "confirmation mail - 'out for delivery' can last until 8 pm.\n2. Look for a card "
        "from the driver; neighbours often take parcels in.\n3. Still nothing? Open a case "
        "with your order number (BH- and six digits) and we will find it.",
    ),
    (
        DELIVERIES,
        "Something arrived damaged",
        Visibility.PUBLIC,
        "We are sorry! Please keep the packaging and send us two or three photos: the "
        "damage, and the label on the box. We then arrange a replacement or a collection, "
        "whichever you prefer. You do not need to return anything before we reply.",
    ),
    (
        DELIVERIES,
        "Missing parts or fixing packs",
        Visibility.PUBLIC,
        "Every flat-pack item lists its parts on the first page of the instructions. If a "
        "part or the fixing pack is missing, open a case with the order number and the "
        "part numbers; we post missing parts free within two working days.",
    ),
    (
        ACCOUNT,
        "When will I see my refund?",
        Visibility.PUBLIC,
        "Refunds go back to the card you paid with. Banks usually show them within **3-5 "
        "working days** of our confirmation mail. If it is longer than that, reply to the "
        "confirmation with your case reference and we will chase it with our bank.",
    ),
    (
        ACCOUNT,
        "I was charged twice",
        Visibility.PUBLIC,
        "A second charge is usually a card check that disappears by itself within 48 hours. "
        "If both charges are still there after two days, open a case with the order number "
        "and a screenshot of your statement, and we refund the duplicate the same day.",
    ),
    (
        ACCOUNT,
        "Cancelling a Brightside Fit membership",
        Visibility.PUBLIC,
        "You can cancel from the portal: *Do it yourself* -> *Cancel my membership*. Your "
        "membership ends on its next renewal date and you are not charged again. "
        "Brightside Fit confirms by mail within a day.",
    ),
    (
        ACCOUNT,
        "Issuing a refund above your limit",
        Visibility.INTERNAL,
        "Refunds above your authority limit need a manager's approval: use *Goodwill* on "
        "the case, give the amount and the reason, and the request goes to Decisions. Tell "
        "the customer when they can expect an answer (a promise), not that it is approved.",
    ),
    (
        DELIVERIES,
        "Booking a redelivery with dispatch",
        Visibility.INTERNAL,
        "Apply the macro *Missing item - redelivery booked*: it tags the case, makes the "
        "promise to confirm the slot, and drafts the reply. Then book the slot in the "
        "dispatch sheet before the promise is due.",
    ),
)

# Visits to the new-case form over the last four weeks: (days ago, articles shown by their
# index in ARTICLES, index opened or None, whether a case was opened after all).
VISITS = (
    (27, (0, 1), 0, False),
    (24, (1,), 1, True),
    (22, (4, 5), 4, False),
    (19, (2,), None, True),
    (17, (0, 1), 1, True),
    (15, (6,), 6, False),
    (13, (4,), None, True),
    (11, (3, 2), 3, False),
    (9, (1, 0), 0, True),
    (7, (5,), 5, False),
    (5, (4, 5), None, True),
    (3, (0,), 0, False),
    (2, (2, 3), 2, True),
    (1, (1,), None, True),
)


def _category(desk: DemoDesk, name: str, description: str, position: int, at: datetime) -> Category:
    found = Category.objects.filter(name=name).first()
    if found is None:
        found = do_save_category(
            actor=desk.staff["lena"], name=name, description=description, position=position, now=at
        )
    return found


def ensure_kb(desk: DemoDesk, now: datetime) -> list[Article]:
    written_at = now - timedelta(days=40)
    categories = {
        name: _category(desk, name, about, position, written_at)
        for name, about, position in CATEGORIES
    }
    authors = (desk.staff["lena"], desk.staff["priya"], desk.staff["sam"])
    articles: list[Article] = []
    for index, (category, title, visibility, body) in enumerate(ARTICLES):
        article = Article.objects.filter(title=title).first()
        if article is None:
            at = written_at + timedelta(days=index)
            data = ArticleData(
                title=title, body=body, category=categories[category], visibility=visibility
            )
            article = do_write_article(actor=authors[index % len(authors)], data=data, now=at)
            article = do_publish_article(
                actor=desk.staff["lena"], article=article, now=at + timedelta(hours=2)
            )
        articles.append(article)
    returns = Policy.objects.filter(slug="returns").first()
    if returns is not None:
        do_publish_policy(actor=desk.staff["lena"], policy=returns, now=written_at)
    _visits(desk, now, articles)
    return articles


def _visits(desk: DemoDesk, now: datetime, articles: list[Article]) -> None:
    customers = sorted(desk.customers.values(), key=lambda c: c.pk)
    for n, (days, shown, opened, case_after) in enumerate(VISITS):
        token = f"demo-visit-{n:03d}-help-centre"
        at = now - timedelta(days=days, hours=n % 7)
        customer = customers[n % len(customers)] if customers else None
        visit = do_record_suggestions(
            token=token, customer=customer, article_ids=[articles[i].pk for i in shown], now=at
        )
        if visit is None or visit.opened_id is not None or visit.ticket_id is not None:
            continue  # recorded on an earlier load
        if opened is not None:
            do_record_article_opened(
                token=token, customer=customer, article=articles[opened], now=at
            )
        if case_after and customer is not None:
            ticket = (
                Ticket.objects.filter(customer=customer, created_at__gte=at)
                .order_by("created_at")
                .first()
            )
            if ticket is not None:
                do_record_case_opened(
                    token=token, customer=customer, ticket=ticket, now=ticket.created_at
                )
