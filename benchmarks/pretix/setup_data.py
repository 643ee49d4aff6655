"""Create pretix's equivalent of the bench data (run with the pretix virtualenv's python).

    PRETIX_CONFIG_FILE=... .bench/pretix-venv/bin/python benchmarks/pretix/setup_data.py \
        --events 100 --tickets 4000 --out data.json

office = event, space = product with a quota, stay = a paid order's ticket (order position),
door scan = a check-in redeem on the event's check-in list. Writes organizer slug, API token,
check-in list ids, quota ids and the ticket secrets as JSON. Bulk inserts, like our seed.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
from datetime import timedelta
from decimal import Decimal

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pretix.settings")

import django

django.setup()

from django.db import transaction  # noqa: E402
from django.utils.timezone import now  # noqa: E402
from django_scopes import scopes_disabled  # noqa: E402
from pretix.base.models import (  # noqa: E402
    Event,
    Item,
    Order,
    OrderPosition,
    Organizer,
    Quota,
    Team,
)

SPACES = ("Open", "Booth")  # two products per event, as two spaces per office


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--tickets", type=int, default=4000)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    with scopes_disabled(), transaction.atomic():
        org = Organizer.objects.create(name="Bench", slug="bench")
        if hasattr(org, "create_default_sales_channels"):
            org.create_default_sales_channels()
        channel = (
            org.sales_channels.get(identifier="web") if hasattr(org, "sales_channels") else None
        )
        team = Team.objects.create(
            organizer=org, name="bench", all_events=True, all_event_permissions=True,
            all_organizer_permissions=True,
        )  # fmt: skip
        token = team.tokens.create(name="bench")
        start = now()
        events = []
        for n in range(args.events):
            event = Event.objects.create(
                organizer=org, name=f"Office {n:05d}", slug=f"office{n:05d}",
                date_from=start, date_to=start + timedelta(days=365), currency="EUR",
                live=True,
            )  # fmt: skip
            items, quotas = [], []
            for name in SPACES:
                item = Item.objects.create(
                    event=event, name=name, default_price=Decimal("0.00"), admission=True
                )
                quota = Quota.objects.create(event=event, name=name, size=args.tickets)
                quota.items.add(item)
                items.append(item)
                quotas.append(quota)
            clist = event.checkin_lists.create(name="door", all_products=True)
            events.append((event, items, quotas, clist))
        tickets = []
        zero = Decimal("0.00")
        per_event = max(1, args.tickets // args.events)
        # Order codes are unique per organizer: the event's number and the ticket's (six random
        # hex digits collided at 10,000 events).
        for n, (event, items, _, clist) in enumerate(events):
            orders = Order.objects.bulk_create(
                [
                    Order(
                        event=event, organizer=org, status=Order.STATUS_PAID,
                        code=f"{n:06X}{i:04d}", email="m@bench.invalid",
                        datetime=start, expires=start + timedelta(days=1),
                        total=Decimal("0.00"), locale="en", secret=secrets.token_hex(8),
                        **({"sales_channel": channel} if channel is not None else {}),
                    )
                    for i in range(per_event)
                ]
            )  # fmt: skip
            positions = OrderPosition.all.bulk_create(
                [
                    OrderPosition(
                        order=order, organizer=org, item=items[i % len(items)], positionid=1,
                        price=zero, tax_rate=zero, tax_value=zero,
                        secret=secrets.token_urlsafe(24),
                        pseudonymization_id=secrets.token_hex(8).upper(),
                    )
                    for i, order in enumerate(orders)
                ]
            )  # fmt: skip
            tickets += [[p.secret, clist.pk] for p in positions]
    data = {
        "organizer": org.slug,
        "token": token.token,
        "quotas": [[ev.slug, q.pk] for ev, _, quotas, _ in events for q in quotas],
        "tickets": tickets,
    }
    with open(args.out, "w") as fh:
        json.dump(data, fh)
    print(json.dumps({"events": len(events), "tickets": len(tickets)}))


if __name__ == "__main__":
    main()
