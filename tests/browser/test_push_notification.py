"""The service worker turns a delivered push into a notification, and a tap opens the stay.

Chromium's DevTools protocol delivers the push (`ServiceWorker.deliverPushMessage`), with the
payload the worker sends (notifications.tasks.payload_of). The test waits for the worker's
own `showNotification` call to resolve and reads what it showed from that call: headless
Chromium on Linux has no notification server, and about one delivery in four its
`getNotifications()` never lists a notification whose `showNotification` resolved (no
`notificationclose` either), so the platform's list is not something to wait for. Headless
Chromium cannot click a notification, so the tap is a `notificationclick` event dispatched
inside the worker carrying what was shown; the open page is then taken to the screen the
notice names.
"""

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
    for _ in range(600):  # the protocol reports the registration on its own time (≤ 60 s)
        if registrations:
            break
        page.wait_for_timeout(100)
    assert registrations, "no service worker registration reported"
    worker = page.context.service_workers[0]
    # Record each notification the worker shows, and settle a promise when one is shown (or
    # fail loudly after a minute rather than hang the suite).
    worker.evaluate(
        """() => {
             const registration = self.registration;
             const show = registration.showNotification;
             self.__shown = [];
             self.__firstShown = new Promise((resolve, reject) => {
               registration.showNotification = function (title, options) {
                 return show.call(registration, title, options).then(result => {
                   self.__shown.push({title, options});
                   resolve(self.__shown);
                   return result;
                 });
               };
               setTimeout(() => reject(new Error("no notification shown in 60 s")), 60000);
             });
           }"""
    )
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {
            "origin": live_server.url,
            "registrationId": registrations[0],
            "data": payload_of(notice).decode("utf-8"),
        },
    )
    shown = worker.evaluate(
        """() => self.__firstShown.then(list => list.map(({title, options}) => ({
             title, body: options.body, url: options.data.url, tag: options.tag,
             icon: options.icon,
           })))"""
    )
    assert shown == [
        {
            "title": "利用時間を延長できるようになりました",
            "body": body,
            "url": f"/stays/{stay.pk}",
            "tag": "extension_open:k",
            "icon": "/static/web/icon-192.png",
        }
    ]

    # The tap: a notificationclick carrying the notification that was shown.
    worker.evaluate(
        """() => {
             const {title, options} = self.__shown[0];
             const event = new ExtendableEvent("notificationclick");
             const notification = {title, body: options.body, data: options.data, close() {}};
             Object.defineProperty(event, "notification", {value: notification});
             self.dispatchEvent(event);
           }"""
    )
    page.wait_for_url(f"**/stays/{stay.pk}")
    assert page.locator(".office-title").first.inner_text() == "Push Office"
