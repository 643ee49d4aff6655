"""The service worker turns a delivered push into a notification, and a tap opens the stay.

Chromium's DevTools protocol delivers the push (`ServiceWorker.deliverPushMessage`), with the
payload the worker sends (notifications.tasks.payload_of). Headless Chromium has no way to
click a system notification, so the tap is a `notificationclick` event dispatched inside the
service worker with the notification it shows (`getNotifications()`); the open page is then
taken to the screen the notice names.
"""

import json

import pytest

from officepass.notifications.compose import compose, local_time
from officepass.notifications.models import Notification
from officepass.notifications.tasks import payload_of
from officepass.stays.services import stay_check_in
from tests import factories as f
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_push_becomes_a_notification_and_its_tap_opens_the_stay(new_page, live_server):
    member = f.member("push@example.com")
    space = f.space(f.office("Push Office"))
    stay = stay_check_in(member=member, code=f.code_for(space), minutes=120)
    title, body = compose(
        member,
        "extension_open",
        office="Push Office",
        space=space.name,
        time=local_time(stay.deadline, "Asia/Tokyo"),
    )
    notice = Notification(
        member=member,
        kind="extension_open",
        key="k",
        title=title,
        body=body,
        url=f"/stays/{stay.pk}",
        created_at=stay.started_at,
    )
    page = new_page(service_workers="allow")
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    page.goto("/signin")
    sign_in(page, member.email, f.PASSWORD)
    page.goto("/tickets")
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller !== null")

    cdp = page.context.new_cdp_session(page)
    registrations: list[str] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda e: registrations.extend(r["registrationId"] for r in e["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    for _ in range(50):  # the protocol reports the registration on its own time
        if registrations:
            break
        page.wait_for_timeout(100)
    assert registrations, "no service worker registration reported"
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {
            "origin": live_server.url,
            "registrationId": registrations[0],
            "data": payload_of(notice).decode("utf-8"),
        },
    )
    # Poll inside the page until the service worker has shown it (a Promise is truthy, so
    # wait_for_function would not wait for it).
    shown = page.evaluate(
        """async () => {
             const reg = await navigator.serviceWorker.ready;
             for (let i = 0; i < 100; i++) {
               const ns = await reg.getNotifications();
               if (ns.length) return ns.map(n => ({title: n.title, body: n.body, url: n.data.url}));
               await new Promise(done => setTimeout(done, 100));
             }
             return null;
           }"""
    )
    assert shown == [
        {"title": "利用時間を延長できるようになりました", "body": body, "url": f"/stays/{stay.pk}"}
    ]

    worker = page.context.service_workers[0]
    worker.evaluate(
        """() => self.registration.getNotifications().then(ns => {
             self.dispatchEvent(new NotificationEvent("notificationclick", {notification: ns[0]}));
           })"""
    )
    page.wait_for_url(f"**/stays/{stay.pk}")
    assert page.locator(".office-title").first.inner_text() == "Push Office"
    assert json.loads(payload_of(notice))["tag"] == "extension_open:k"
