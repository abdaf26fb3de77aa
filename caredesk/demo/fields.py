"""The demo desk's custom fields (docs/custom-fields.md): the order number and product
agents fill in at triage, the plan of each organization and how a few customers like to
be contacted. Defined through the field actions before the cases are played (the
generated cases fill them in as they are triaged, the stories' agents too); *Product*
became required on resolving a Deliveries case only after the four weeks of history, so
an agent resolving an open delivery case now meets the rule. Idempotent by key."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from caredesk.customfields.actions import do_change_field, do_define_field, do_set_field_values
from caredesk.customfields.models import FieldDefinition, Kind, Target
from caredesk.customfields.validation import DefinitionData
from caredesk.demo import texts
from caredesk.demo.people import DemoDesk
from caredesk.tickets.models import Status

ORDER_FIELD = "order_number"
PRODUCT_FIELD = "product"
PLAN_FIELD = "plan"
CONTACT_FIELD = "preferred_contact"

PLANS = {
    "oakridge": "Enterprise",
    "riverside": "Business",
    "maplecourt": "Business",
    "linden": "Standard",
    "greenfield": "Standard",
}
CONTACTS = {"gerald": "Phone", "nadia": "Phone", "maria": "Email", "victor": "Phone"}


# The stories' Deliveries cases (stories.py, open_work.py, offers.py, resolutions.py), filled
# in at triage like the generated ones: their product (and order number, where they give it).
STORY_VALUES: dict[str, dict[str, str]] = {
    "Driver came at 11:40 - I waited in all morning": {PRODUCT_FIELD: "Corner sofa"},
    "40 bedside tables for the Harbour Street reopening - need them Friday": {
        PRODUCT_FIELD: "Walnut bedside table",
        ORDER_FIELD: "BH-210554",
    },
    "Where is my wardrobe (order BH-209981)?": {
        PRODUCT_FIELD: "Wardrobe",
        ORDER_FIELD: "BH-209981",
    },
    "Sofa delivered with a torn cushion (order BH-208114)": {
        PRODUCT_FIELD: "Two-seater sofa",
        ORDER_FIELD: "BH-208114",
    },
    "Parcel shows delivered but is not here": {PRODUCT_FIELD: "Office chair"},
    "Footstool missing from the sofa delivery": {PRODUCT_FIELD: "Corner sofa"},
}


def product_option(product: str) -> str:
    """The select option for one of the demo's products ("oak dining table" -> "Oak ...")."""
    return product[:1].upper() + product[1:]


def _definitions() -> list[DefinitionData]:
    return [
        DefinitionData(
            key=ORDER_FIELD,
            target=Target.CASE,
            label="Order number",
            kind=Kind.TEXT,
            help_text="BH- and six digits, printed on the receipt and the delivery note.",
            public=True,
            position=1,
        ),
        DefinitionData(
            key=PRODUCT_FIELD,
            target=Target.CASE,
            label="Product",
            kind=Kind.SELECT,
            options=[product_option(p) for p in texts.PRODUCTS],
            help_text="What the case is about; the product team reads the monthly counts.",
            position=2,
        ),
        DefinitionData(
            key=PLAN_FIELD,
            target=Target.ORGANIZATION,
            label="Plan",
            kind=Kind.SELECT,
            options=["Standard", "Business", "Enterprise"],
            help_text="The organization's trade account plan.",
            position=3,
        ),
        DefinitionData(
            key=CONTACT_FIELD,
            target=Target.CUSTOMER,
            label="Preferred contact",
            kind=Kind.SELECT,
            options=["Email", "Phone"],
            help_text="How the customer asked us to get in touch.",
            position=4,
        ),
    ]


def ensure_fields(desk: DemoDesk, now: datetime) -> dict[str, FieldDefinition]:
    """The definitions (before the cases), and the organizations' and customers' values."""
    admin = desk.staff["admin"]
    defined_at = now - timedelta(days=62)  # before the oldest generated case
    found: dict[str, FieldDefinition] = {}
    for data in _definitions():
        existing = FieldDefinition.objects.filter(key=data.key, target=data.target).first()
        if existing is None:
            existing = do_define_field(actor=admin, data=data, now=defined_at)
        found[str(data.key)] = existing
    for key, plan in PLANS.items():
        do_set_field_values(desk.orgs[key], actor=admin, values={PLAN_FIELD: plan}, now=defined_at)
    for key, way in CONTACTS.items():
        if key in desk.customers:
            do_set_field_values(
                desk.customers[key], actor=admin, values={CONTACT_FIELD: way}, now=defined_at
            )
    return found


def require_product_on_resolve(desk: DemoDesk, now: datetime) -> None:
    """Dana made *Product* required on resolving a Deliveries case last week (after the
    generated history, so no older case is touched)."""
    product = FieldDefinition.objects.get(key=PRODUCT_FIELD, target=Target.CASE)
    if Status.RESOLVED in product.required_on:
        return
    data = next(d for d in _definitions() if d.key == PRODUCT_FIELD)
    # Deliveries only: every delivery case is about a product; billing's often are not.
    data = replace(data, required_on=[Status.RESOLVED], team_ids=[desk.teams["deliveries"].pk])
    do_change_field(
        actor=desk.staff["admin"], definition=product, data=data, now=now - timedelta(days=6)
    )
