"""Words for generated demo cases: what customers write about, per team, and how staff answer.

Templates use ``str.format`` fields: {product}, {order}, {first}, {name}, {days}, {amount},
{agent}, {team}, {weekday}, {window}. A :class:`Topic` keeps a request's subject, the
customer's words, the answer and the tags together, so a generated case reads as one story.
"""

from __future__ import annotations

from dataclasses import dataclass

FIRST_NAMES = (
    "Olivia", "James", "Amelia", "Noah", "Isla", "Oliver", "Ava", "George", "Mia", "Arthur",
    "Grace", "Leo", "Freya", "Oscar", "Lily", "Harry", "Sofia", "Jack", "Ella", "Theo",
    "Chloe", "Samuel", "Zara", "Daniel", "Hannah", "Ibrahim", "Ruth", "Kwame", "Mei", "Tomasz",
    "Anika", "Luca", "Fatima", "Declan", "Ines", "Rohan", "Beatrice", "Yusuf", "Nora", "Callum",
)  # fmt: skip

LAST_NAMES = (
    "Smith", "Patel", "Jones", "Williams", "Brown", "Khan", "Taylor", "Davies", "Evans",
    "Wilson", "Thomas", "Roberts", "Okafor", "Nowak", "Murphy", "Chen", "Walker", "Wright",
    "Green", "Hall", "Ahmed", "Clarke", "Hughes", "Edwards", "Rossi", "Kowalski", "Singh",
    "O'Brien", "Fraser", "Lindqvist", "Mensah", "Novak", "Byrne", "Silva", "Doyle", "Harris",
)  # fmt: skip

EMAIL_DOMAINS = ("example.com", "example.net", "example.org", "mail.example", "post.example")

PRODUCTS = (
    "oak dining table", "corner sofa", "walnut bedside table", "riser recliner chair",
    "memory foam mattress", "adjustable bed", "bath lift", "rollator", "wardrobe",
    "chest of drawers", "office chair", "bookcase", "garden bench", "king-size bed frame",
    "two-seater sofa", "electric treatment couch", "raised toilet seat frame", "TV unit",
    "set of four dining chairs", "sideboard", "standing desk", "rug (160 x 230)",
)  # fmt: skip

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
WINDOWS = ("8-12", "10-2", "12-4", "2-6")


@dataclass(frozen=True)
class Topic:
    """One kind of request: how customers put it, how staff answer, how it is tagged."""

    subjects: tuple[str, ...]
    openings: tuple[str, ...]
    reply: str
    tags: tuple[str, ...]


SIGN = "\n\n{agent}, {team}"

TOPICS: dict[str, tuple[Topic, ...]] = {
    "deliveries": (
        Topic(
            ("Delivery {order} hasn't arrived", "Where is my order {order}?"),
            (
                "My {product} (order {order}) was due on {weekday} between {window} and "
                "nobody came.",
                "Tracking for {order} has said 'out for delivery' for {days} days.",
            ),
            "Hi {first},\n\nI'm sorry about this. I've checked with dispatch: your {product} "
            "is now booked on {weekday}'s van, window {window}. You'll get a text with a "
            "one-hour slot the evening before." + SIGN,
            ("late-delivery", "redelivery"),
        ),
        Topic(
            ("My {product} arrived damaged", "Damaged {product}"),
            (
                "The driver delivered my {product} today but the box was crushed and one leg "
                "is snapped off.",
                "There's a deep scratch right across the top of the {product} we received.",
            ),
            "Hi {first},\n\nThank you for the photos - that's not the condition it should "
            "arrive in. We'll bring a replacement on {weekday} ({window}) and take the "
            "damaged one away on the same visit." + SIGN,
            ("damaged", "redelivery"),
        ),
        Topic(
            ("Missing parts for my {product}", "Fixing pack missing from order {order}"),
            (
                "The {product} arrived but two of the fixing packs are missing, so I can't put "
                "it together.",
            ),
            "Hi {first},\n\nThe missing fixing packs are on their way by tracked post and "
            "should be with you within two working days." + SIGN,
            ("missing-parts",),
        ),
        Topic(
            ("Can I change my delivery date?", "Move delivery of {order} to {weekday}"),
            (
                "Could you move the delivery of my {product} to {weekday}? I'm away on the day "
                "you booked.",
            ),
            "Hi {first},\n\nNo problem - your {product} is now booked for {weekday}, window "
            "{window}." + SIGN,
            ("redelivery",),
        ),
        Topic(
            ("Driver missed my delivery window", "Delivery came outside the window"),
            (
                "I booked {window} on {weekday} for my {product} and the van came two hours "
                "after the window closed.",
            ),
            "Hi {first},\n\nYou're right, the van was late - the route overran after a "
            "road closure. I'm sorry you were kept waiting; I've added a note so your next "
            "delivery is first on the route." + SIGN,
            ("missed-window", "late-delivery"),
        ),
    ),
    "billing": (
        Topic(
            ("Charged twice for order {order}", "Double payment taken"),
            ("I've been charged {amount} twice for order {order}.",),
            "Hi {first},\n\nYou're right, the second payment of {amount} was a duplicate. "
            "I've refunded it today; banks usually show it within 3-5 working days." + SIGN,
            ("double-charge", "refund"),
        ),
        Topic(
            ("Refund for {order} not received", "Still waiting for my refund"),
            (
                "You confirmed a refund of {amount} for order {order} {days} days ago and it "
                "still isn't on my card.",
            ),
            "Hi {first},\n\nThe refund of {amount} left us on the day we confirmed it; I've "
            "attached the payment reference so your bank can trace it." + SIGN,
            ("refund",),
        ),
        Topic(
            ("Cancel my Brightside Fit membership", "Membership cancellation"),
            ("I'd like to cancel my Brightside Fit membership at the end of this month.",),
            "Hi {first},\n\nDone - your membership ends on the last day of this month and "
            "there is nothing more to pay." + SIGN,
            ("cancellation", "subscription"),
        ),
        Topic(
            ("VAT invoice needed for {order}", "Invoice for order {order}"),
            ("Our accounts team needs a proper VAT invoice for order {order}.",),
            "Hi {first},\n\nThe VAT invoice for {order} is attached, and a copy has gone to "
            "the address on the account." + SIGN,
            ("invoice",),
        ),
        Topic(
            ("Payment declined but the money was taken", "Money taken for a failed order"),
            ("My card was declined at checkout but {amount} has left my account anyway.",),
            "Hi {first},\n\nThat payment was only reserved, not taken: your bank releases it "
            "within 5 working days. No order was placed, so nothing will be sent." + SIGN,
            ("refund",),
        ),
        Topic(
            ("Price match for the {product}", "Cheaper a week after I bought it"),
            (
                "I saw the same {product} {amount} cheaper on your website a week after I "
                "bought it.",
            ),
            "Hi {first},\n\nWithin 14 days of purchase we match our own prices, so I've "
            "refunded the difference to your card." + SIGN,
            ("refund",),
        ),
    ),
    "returns": (
        Topic(
            ("Return my {product}", "Returning order {order}"),
            (
                "I'd like to return the {product} from order {order} - it's too big for the room.",
                "I bought a {product} {days} days ago - am I still in time to return it?",
            ),
            "Hi {first},\n\nYes - you're within the 30-day return period. I've booked a "
            "collection for {weekday}, {window}; please keep the packaging if you can." + SIGN,
            ("return",),
        ),
        Topic(
            ("Exchange the {product} for a different colour", "Swap my {product}"),
            ("The colour of the {product} is nothing like the photo. Can I swap it?",),
            "Hi {first},\n\nOf course. The replacement comes on {weekday} ({window}) and the "
            "driver takes the first one back." + SIGN,
            ("exchange",),
        ),
        Topic(
            ("Returns label doesn't work", "Label for {order} won't scan"),
            ("The returns label you sent for {order} won't scan at the drop-off point.",),
            "Hi {first},\n\nSorry about that - I've issued a new returns label; it's in your "
            "inbox now and works at any drop-off point." + SIGN,
            ("returns-label",),
        ),
        Topic(
            ("Refund after returning my {product}", "No refund for my return"),
            ("You collected the {product} {days} days ago and I haven't had my refund.",),
            "Hi {first},\n\nThe warehouse has checked the {product} in; your refund of "
            "{amount} was issued today." + SIGN,
            ("refund", "return"),
        ),
    ),
    "technical": (
        Topic(
            ("Can't sign in to my account", "Password reset e-mail never arrives"),
            ("I can't sign in: it says my password is wrong, and the reset e-mail never comes.",),
            "Hi {first},\n\nThe reset e-mails were caught by your provider's spam filter. "
            "I've sent a fresh link; it's valid for 15 minutes." + SIGN,
            ("sign-in",),
        ),
        Topic(
            ("Assembly instructions for the {product} are missing", "No instructions in the box"),
            ("The box for my {product} had no instructions in it.",),
            "Hi {first},\n\nThe assembly instructions for the {product} are attached as a "
            "PDF. Step 4 is the tricky one - the short bolts go at the top." + SIGN,
            ("assembly",),
        ),
        Topic(
            ("Order tracking page shows an error", "The app crashes when I open my orders"),
            (
                "When I open 'My orders' the page just shows an error.",
                "The app closes as soon as I tap on order {order}.",
            ),
            "Hi {first},\n\nThanks for reporting this - it was a fault on our side, fixed "
            "this morning. Please try again and tell me if it still fails." + SIGN,
            ("website", "app"),
        ),
        Topic(
            ("My {product} is making a grinding noise", "Remote for the {product} stopped working"),
            (
                "Since yesterday my {product} makes a grinding noise when it moves.",
                "The remote for the {product} has stopped working even with new batteries.",
            ),
            "Hi {first},\n\nThat sounds like a fault covered by the warranty. Our engineer "
            "can visit on {weekday} between {window}." + SIGN,
            ("faulty",),
        ),
    ),
}

DETAILS = (
    "I took the morning off work for this.",
    "This is the second time I've had to contact you about it.",
    "I have photos if you need them.",
    "My elderly father is waiting for it, so it matters.",
    "I called on {weekday} and was told someone would get back to me.",
    "I'd appreciate a quick answer.",
    "I've been a customer for years and never had a problem before.",
    "Can you tell me what happens next?",
    "Please don't just send me the FAQ link again.",
)

CLOSINGS = ("Thanks,", "Regards,", "Many thanks,", "Best wishes,", "Cheers,", "")

FOLLOW_UPS = (
    "Any news on this?",
    "Thanks for the reply. I've done what you asked, and it's still the same.",
    "Sorry, one more question: will I get an e-mail when it's sorted?",
    "It's now been {days} days. Can someone please look at this?",
    "That's not quite what I asked - I need to know when, not how.",
)

REOPENS = (
    "You marked this as solved, but it isn't. Same problem again today.",
    "I'm afraid this isn't resolved - nothing has changed on my side.",
    "The replacement arrived and it has exactly the same problem.",
)

THANKS = (
    "Thank you, that's sorted it.",
    "Brilliant, thanks for your help.",
    "Received, thank you.",
)

NOTES = (
    "Checked the order: {order}, paid in full, nothing unusual on the account.",
    "Customer sounded stressed on the phone - keep the next reply short and concrete.",
    "Asked the warehouse; waiting for an answer.",
    "Second contact about the same problem. Let's make sure this one closes it.",
    "Supplier confirmed stock for {weekday}.",
    "Spoke to the customer by phone; agreed the next step above.",
)

COMMON_TAGS = ("repeat-contact", "follow-up", "phone-call")
