"""`manage.py check --deploy` is clean with production settings, and not without them."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "officepass.example",
    "SITE_URL": "https://officepass.example",
}


def _check(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if k not in PRODUCTION and not k.startswith("SECURE_")
    }
    clean.pop("DATABASE_URL", None)
    clean.pop("SECURE_COOKIES", None)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env={**clean, "SQLITE_PATH": str(tmp_path / "db.sqlite3"), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path: Path) -> None:
    result = _check(tmp_path, **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("change", "warning"),
    [
        ({"DEBUG": "1"}, "security.W018"),
        ({"SITE_URL": "http://officepass.example"}, "security.W012"),
        ({"SECRET_KEY": "short"}, "security.W009"),
    ],
)
def test_control_check_deploy_fails_when_a_production_setting_is_missing(
    tmp_path: Path, change: dict[str, str], warning: str
) -> None:
    result = _check(tmp_path, **{**PRODUCTION, **change})
    assert result.returncode != 0
    assert warning in result.stdout + result.stderr
