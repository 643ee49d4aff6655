"""A local Stripe: real sockets, Stripe's request encoding, object and event shapes.

Follows Stripe's published API (stripe/openapi, API version 2025-03-31 and later): form-encoded
requests with bracketed keys, `Authorization: Bearer sk_…`, `Idempotency-Key`, error bodies
`{"error": {"type", "message", "code"}}`, Checkout Sessions (with a hosted page a browser can
pay on), subscriptions whose items carry the period, invoices that name their subscription
under `parent.subscription_details`, invoice payments, refunds, Customer Portal sessions, and
webhooks signed `Stripe-Signature: t=…,v1=HMAC-SHA256(secret, "t.payload")` — written here
from Stripe's documentation, independently of the code under test.
"""

import hashlib
import hmac
import html
import itertools
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from tests.locks.fake_http import FakeHttpServer

MONTH = 30 * 24 * 3600


def stripe_sign(payload: bytes, secret: str, at: int | None = None) -> str:
    """Stripe's webhook signature, from its docs ("Verify signatures manually")."""
    t = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def parse_form(body: str) -> dict[str, Any]:
    """Stripe's bracket encoding: a[b][0][c]=1 → {"a": {"b": [{"c": "1"}]}}."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = key.replace("]", "").split("[")
        node: Any = root
        for here, nxt in itertools.pairwise(parts):
            child: Any = [] if nxt.isdigit() else {}
            if isinstance(node, list):
                index = int(here)
                while len(node) <= index:
                    node.append(None)
                if node[index] is None:
                    node[index] = child
                node = node[index]
            else:
                node = node.setdefault(here, child)
        last = parts[-1]
        if isinstance(node, list):
            index = int(last)
            while len(node) <= index:
                node.append(None)
            node[index] = value
        else:
            node[last] = value
    return root


@dataclass
class Delivery:
    payload: bytes
    headers: dict[str, str]
    event: dict[str, Any]


@dataclass
class FakeStripe(FakeHttpServer):
    api_key: str
    webhook_secret: str
    webhook_url: str = ""  # empty: events wait in `outbox` for the test to deliver
    now: Callable[[], int] = field(default=lambda: int(time.time()))
    down: bool = False  # answer nothing (connection closed): Stripe unreachable
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    outbox: list[Delivery] = field(default_factory=list)
    idempotent: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    requests: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    server: ThreadingHTTPServer | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_{secrets.token_hex(12)}"

    # --- events -----------------------------------------------------------------------------

    def emit(self, kind: str, obj: dict[str, Any]) -> Delivery:
        event = {
            "id": self.new_id("evt"),
            "object": "event",
            "api_version": "2025-03-31.basil",
            "created": self.now(),
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": kind,
            "data": {"object": json.loads(json.dumps(obj))},
        }
        payload = json.dumps(event, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": stripe_sign(payload, self.webhook_secret, self.now()),
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        }
        delivery = Delivery(payload, headers, event)
        self.outbox.append(delivery)
        if self.webhook_url:
            self.flush()
        return delivery

    def flush(self) -> int:
        """Deliver waiting events to `webhook_url` (Stripe retries until a 2xx)."""
        sent = 0
        while self.outbox:
            delivery = self.outbox[0]
            response = httpx.post(
                self.webhook_url, content=delivery.payload, headers=delivery.headers, timeout=30
            )
            if response.status_code >= 300:
                break
            self.outbox.pop(0)
            sent += 1
        return sent

    # --- objects ----------------------------------------------------------------------------

    def checkout_session(self, params: dict[str, Any]) -> dict[str, Any]:
        session_id = "cs_test_" + secrets.token_hex(16)
        line = params["line_items"][0]
        price_data = line["price_data"]
        amount = int(price_data["unit_amount"]) * int(line.get("quantity", 1))
        session = {
            "id": session_id,
            "object": "checkout.session",
            "amount_subtotal": amount,
            "amount_total": amount,
            "cancel_url": params.get("cancel_url"),
            "client_reference_id": params.get("client_reference_id"),
            "created": self.now(),
            "currency": price_data["currency"],
            "customer": params.get("customer"),
            "customer_email": params.get("customer_email"),
            "expires_at": self.now() + 24 * 3600,
            "invoice": None,
            "livemode": False,
            "metadata": params.get("metadata", {}),
            "mode": params["mode"],
            "payment_intent": None,
            "payment_status": "unpaid",
            "status": "open",
            "subscription": None,
            "success_url": params["success_url"],
            "url": f"{self.base_url}/c/pay/{session_id}",
            "_line": line,
            "_subscription_data": params.get("subscription_data", {}),
        }
        self.objects[session_id] = session
        return session

    def public(self, obj: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in obj.items() if not k.startswith("_")}

    def _invoice(self, sub: dict[str, Any], *, first: bool, paid: bool) -> dict[str, Any]:
        item = sub["items"]["data"][0]
        amount = item["price"]["unit_amount"]
        invoice_id = self.new_id("in")
        invoice = {
            "id": invoice_id,
            "object": "invoice",
            "amount_due": amount,
            "amount_paid": amount if paid else 0,
            "amount_remaining": 0 if paid else amount,
            "attempt_count": 1,
            "billing_reason": "subscription_create" if first else "subscription_cycle",
            "collection_method": "charge_automatically",
            "created": self.now(),
            "currency": "jpy",
            "customer": sub["customer"],
            "livemode": False,
            "parent": {
                "type": "subscription_details",
                "quote_details": None,
                "subscription_details": {
                    "metadata": sub["metadata"],
                    "subscription": sub["id"],
                },
            },
            "lines": {
                "object": "list",
                "data": [
                    {
                        "id": self.new_id("il"),
                        "object": "line_item",
                        "amount": amount,
                        "currency": "jpy",
                        "period": {
                            "start": item["current_period_start"],
                            "end": item["current_period_end"],
                        },
                    }
                ],
                "has_more": False,
                "url": f"/v1/invoices/{invoice_id}/lines",
            },
            "status": "paid" if paid else "open",
        }
        self.objects[invoice_id] = invoice
        if paid:
            pi = self.new_id("pi")
            self.objects[pi] = {
                "id": pi,
                "object": "payment_intent",
                "amount": amount,
                "amount_refunded": 0,
                "status": "succeeded",
            }
            pay_id = self.new_id("inpay")
            self.objects[pay_id] = {
                "id": pay_id,
                "object": "invoice_payment",
                "amount_paid": amount,
                "amount_requested": amount,
                "currency": "jpy",
                "invoice": invoice_id,
                "is_default": True,
                "livemode": False,
                "payment": {"type": "payment_intent", "payment_intent": pi},
                "status": "paid",
                "status_transitions": {"paid_at": self.now(), "canceled_at": None},
            }
        return invoice

    def pay(self, session_id: str) -> dict[str, Any]:
        """The card was accepted on the hosted page: what Stripe does, events included."""
        with self.lock:
            session = self.objects[session_id]
            if session["status"] == "complete":
                return session
            if not session["customer"]:
                customer = self.new_id("cus")
                self.objects[customer] = {
                    "id": customer,
                    "object": "customer",
                    "email": session["customer_email"],
                }
                session["customer"] = customer
            line = session["_line"]
            now = self.now()
            events: list[tuple[str, dict[str, Any]]] = []
            if session["mode"] == "subscription":
                sub_id = self.new_id("sub")
                price = {
                    "id": self.new_id("price"),
                    "object": "price",
                    "currency": "jpy",
                    "product": self.new_id("prod"),
                    "recurring": {"interval": "month", "interval_count": 1},
                    "type": "recurring",
                    "unit_amount": int(line["price_data"]["unit_amount"]),
                }
                sub = {
                    "id": sub_id,
                    "object": "subscription",
                    "cancel_at_period_end": False,
                    "canceled_at": None,
                    "created": now,
                    "currency": "jpy",
                    "customer": session["customer"],
                    "items": {
                        "object": "list",
                        "data": [
                            {
                                "id": self.new_id("si"),
                                "object": "subscription_item",
                                "current_period_start": now,
                                "current_period_end": now + MONTH,
                                "price": price,
                                "quantity": 1,
                                "subscription": sub_id,
                            }
                        ],
                    },
                    "latest_invoice": None,
                    "livemode": False,
                    "metadata": session["_subscription_data"].get("metadata", {}),
                    "status": "active",
                }
                self.objects[sub_id] = sub
                invoice = self._invoice(sub, first=True, paid=True)
                sub["latest_invoice"] = invoice["id"]
                session.update(subscription=sub_id, invoice=invoice["id"])
                events += [
                    ("customer.subscription.created", self.public(sub)),
                    ("invoice.paid", invoice),
                ]
            else:
                pi = self.new_id("pi")
                self.objects[pi] = {
                    "id": pi,
                    "object": "payment_intent",
                    "amount": session["amount_total"],
                    "amount_refunded": 0,
                    "status": "succeeded",
                }
                session["payment_intent"] = pi
            session.update(status="complete", payment_status="paid")
            events.insert(0, ("checkout.session.completed", self.public(session)))
        for kind, obj in events:
            self.emit(kind, obj)
        return session

    def renew(self, sub_id: str, *, paid: bool = True) -> dict[str, Any]:
        """The period ended: Stripe charges the next one (invoice.paid or payment_failed)."""
        with self.lock:
            sub = self.objects[sub_id]
            item = sub["items"]["data"][0]
            if sub["cancel_at_period_end"]:
                sub.update(status="canceled", canceled_at=self.now())
                kind, obj = "customer.subscription.deleted", self.public(sub)
            else:
                if paid:
                    start = item["current_period_end"]
                    item.update(current_period_start=start, current_period_end=start + MONTH)
                invoice = self._invoice(sub, first=False, paid=paid)
                sub["status"] = "active" if paid else "past_due"
                kind = "invoice.paid" if paid else "invoice.payment_failed"
                obj = invoice
        self.emit(kind, obj)
        return obj

    def retry_invoice(self, invoice_id: str) -> dict[str, Any]:
        """Smart Retries succeeded: the open invoice is paid now."""
        with self.lock:
            invoice = self.objects[invoice_id]
            sub = self.objects[invoice["parent"]["subscription_details"]["subscription"]]
            item = sub["items"]["data"][0]
            start = item["current_period_end"]
            item.update(current_period_start=start, current_period_end=start + MONTH)
            invoice["lines"]["data"][0]["period"] = {"start": start, "end": start + MONTH}
            invoice.update(status="paid", amount_paid=invoice["amount_due"], amount_remaining=0)
            sub["status"] = "active"
        self.emit("invoice.paid", invoice)
        return invoice


class StripeHandler(BaseHTTPRequestHandler):
    fake: FakeStripe
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, status: int, body: Any, content_type: str = "application/json") -> None:
        data = (json.dumps(body) if content_type == "application/json" else body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Request-Id", "req_" + secrets.token_hex(7))
        self.end_headers()
        self.wfile.write(data)

    def _error(
        self,
        status: int,
        message: str,
        kind: str = "invalid_request_error",
        code: str | None = None,
    ) -> None:
        self._send(status, {"error": {"type": kind, "message": message, "code": code}})

    def _refuse_if_down(self) -> bool:
        if self.fake.down:
            self.close_connection = True
            self.connection.close()
            return True
        return False

    def do_GET(self) -> None:
        if self._refuse_if_down():
            return
        url = urlsplit(self.path)
        if url.path.startswith("/c/pay/"):
            return self._hosted_page(url.path.rsplit("/", 1)[-1])
        if not self._authorized():
            return None
        query = dict(parse_qsl(url.query))
        parts = url.path.strip("/").split("/")
        self.fake.requests.append(("GET", url.path, query))
        if parts[:2] == ["v1", "invoice_payments"]:
            rows = [
                o
                for o in self.fake.objects.values()
                if o.get("object") == "invoice_payment"
                and o["invoice"] == query.get("invoice")
                and ("status" not in query or o["status"] == query["status"])
            ]
            return self._send(
                200,
                {"object": "list", "data": rows, "has_more": False, "url": "/v1/invoice_payments"},
            )
        if len(parts) == 3 and parts[2] in self.fake.objects:
            return self._send(200, self.fake.public(self.fake.objects[parts[2]]))
        if len(parts) == 4 and parts[1] == "checkout" and parts[3] in self.fake.objects:
            return self._send(200, self.fake.public(self.fake.objects[parts[3]]))
        return self._error(404, f"No such object: '{parts[-1]}'", code="resource_missing")

    def _authorized(self) -> bool:
        if self.headers.get("Authorization") != f"Bearer {self.fake.api_key}":
            self._error(401, "Invalid API Key provided.", kind="invalid_request_error")
            return False
        return True

    def do_POST(self) -> None:
        if self._refuse_if_down():
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode()
        url = urlsplit(self.path)
        if url.path.startswith("/c/pay/"):
            session = self.fake.pay(url.path.rsplit("/", 1)[-1])
            self.send_response(303)
            self.send_header(
                "Location", session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"])
            )
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        if not self._authorized():
            return None
        params = parse_form(body)
        self.fake.requests.append(("POST", url.path, params))
        key = self.headers.get("Idempotency-Key")
        if key and key in self.fake.idempotent:
            status, answer = self.fake.idempotent[key]
            return self._send(status, answer)
        status, answer = self._route(url.path, params)
        if key:
            self.fake.idempotent[key] = (status, answer)
        return self._send(status, answer)

    def _route(self, path: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        fake = self.fake
        parts = path.strip("/").split("/")
        if path == "/v1/checkout/sessions":
            return 200, fake.public(fake.checkout_session(params))
        if path == "/v1/billing_portal/sessions":
            portal = fake.new_id("bps")
            return 200, {
                "id": portal,
                "object": "billing_portal.session",
                "customer": params["customer"],
                "return_url": params.get("return_url"),
                "url": f"{fake.base_url}/p/session/{portal}",
                "livemode": False,
            }
        if path == "/v1/refunds":
            pi = fake.objects.get(params.get("payment_intent", ""))
            if pi is None:
                return 400, {
                    "error": {
                        "type": "invalid_request_error",
                        "code": "resource_missing",
                        "message": "No such payment_intent",
                    }
                }
            amount = int(params.get("amount") or pi["amount"] - pi["amount_refunded"])
            if amount > pi["amount"] - pi["amount_refunded"]:
                return 400, {
                    "error": {
                        "type": "invalid_request_error",
                        "code": "charge_already_refunded",
                        "message": "Refund amount is greater than unrefunded",
                    }
                }
            pi["amount_refunded"] += amount
            refund_id = fake.new_id("re")
            refund = {
                "id": refund_id,
                "object": "refund",
                "amount": amount,
                "currency": "jpy",
                "payment_intent": pi["id"],
                "status": "succeeded",
                "created": fake.now(),
            }
            fake.objects[refund_id] = refund
            return 200, refund
        if len(parts) == 3 and parts[1] == "subscriptions" and parts[2] in fake.objects:
            sub = fake.objects[parts[2]]
            if "cancel_at_period_end" in params:
                sub["cancel_at_period_end"] = params["cancel_at_period_end"] == "true"
            for change in params.get("items") or []:
                item = sub["items"]["data"][0]
                if change.get("id") == item["id"] and "price_data" in change:
                    data = change["price_data"]
                    item["price"] = {
                        **item["price"],
                        "id": fake.new_id("price"),
                        "product": data["product"],
                        "unit_amount": int(data["unit_amount"]),
                    }
            if "metadata" in params:
                sub["metadata"] = {**sub["metadata"], **params["metadata"]}
            answer = fake.public(sub)
            fake.emit("customer.subscription.updated", answer)
            return 200, answer
        return 404, {
            "error": {
                "type": "invalid_request_error",
                "code": "resource_missing",
                "message": f"Unrecognized request URL (POST: {path})",
            }
        }

    def _hosted_page(self, session_id: str) -> None:
        session = self.fake.objects.get(session_id)
        if session is None:
            return self._send(404, "<h1>Not found</h1>", "text/html; charset=utf-8")
        amount = session["amount_total"]
        name = html.escape(session["_line"]["price_data"]["product_data"]["name"])
        page = f"""<!doctype html><html><head><title>Checkout (fake Stripe)</title></head>
<body><p>TEST MODE — fake Stripe</p><h1>{name}</h1><p class="amount">¥{amount:,}</p>
<form method="post" action="/c/pay/{session_id}">
<label>Card number <input name="cardNumber" value="4242 4242 4242 4242"></label>
<label>Expiry <input name="cardExpiry" value="12 / 34"></label>
<label>CVC <input name="cardCvc" value="123"></label>
<button type="submit" class="SubmitButton">Pay</button></form></body></html>"""
        return self._send(200, page, "text/html; charset=utf-8")


def start_fake_stripe(api_key: str, webhook_secret: str) -> FakeStripe:
    fake = FakeStripe(api_key=api_key, webhook_secret=webhook_secret)
    fake.handler = StripeHandler
    return fake.start()


def utc(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC)


FakeStripe.handler = StripeHandler
