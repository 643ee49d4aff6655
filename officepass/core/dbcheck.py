"""`python -m officepass.core.dbcheck URL` exits 0 when that PostgreSQL answers, 1 otherwise."""

import sys

import psycopg


def reachable(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        print(f"PostgreSQL not reachable at {url}: {exc}".strip(), file=sys.stderr)
        return False
    return True


if __name__ == "__main__":
    sys.exit(0 if reachable(sys.argv[1]) else 1)
