"""One keyed POST from a process of its own (a web worker the test can SIGKILL).

`python -m tests.concurrency.keyed_post <path> <token> <key>` with DATABASE_URL set to the
test database; prints the answer's status and body (if it lives that long).
"""

import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.test import Client  # noqa: E402


def main() -> None:
    path, token, key = sys.argv[1:4]
    response = Client().post(
        path,
        "",
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
    )
    print(response.status_code, response.content.decode(), flush=True)


if __name__ == "__main__":
    main()
