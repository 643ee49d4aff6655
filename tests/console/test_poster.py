"""Door posters: the QR code in the PDF decodes to the check-in URL; re-issue voids the old."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

from officepass.console.poster import space_checkin_url
from officepass.core.errors import DomainError
from officepass.core.models import AuditEntry
from officepass.offices.codes import make_code
from officepass.offices.selectors import space_for_code

needs_tools = pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("zbarimg")),
    reason="needs pdftoppm (poppler-utils) and zbarimg (zbar-tools): scripts/system-deps.sh",
)


def decode_pdf(pdf: Path) -> str:
    """Rasterize the first page at 150 dpi and read its QR code (Debian's tools, fixed args)."""
    pdftoppm, zbarimg = shutil.which("pdftoppm"), shutil.which("zbarimg")
    assert pdftoppm and zbarimg
    subprocess.run(  # noqa: S603
        [pdftoppm, "-r", "150", "-png", "-singlefile", pdf, pdf.with_suffix("")], check=True
    )
    done = subprocess.run(  # noqa: S603
        [zbarimg, "--raw", "-q", pdf.with_suffix(".png")],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


@needs_tools
def test_it_prints_a_poster_whose_qr_code_is_the_spaces_checkin_url(world, tmp_path):
    output = tmp_path / "poster.pdf"
    call_command("door_poster", space=world.space.pk, output=str(output))
    assert output.read_bytes().startswith(b"%PDF")
    url = decode_pdf(output)
    assert url == space_checkin_url(world.space)
    assert url.endswith("/c/" + make_code(world.space.pk, 1))
    assert space_for_code(url.rsplit("/", 1)[1]) == world.space


@needs_tools
def test_re_issue_makes_the_old_poster_answer_invalid_code(client, world, tmp_path):
    old_code = make_code(world.space.pk, world.space.code_version)
    client.force_login(world.staff)
    response = client.post(
        f"/console/spaces/{world.space.pk}/reissue/", {"reason": "poster stolen", "confirm": "on"}
    )
    assert response.status_code == 302
    with pytest.raises(DomainError) as refused:
        space_for_code(old_code)
    assert refused.value.code == "invalid_code"
    api = client.get(f"/api/v1/checkin-codes/{old_code}")
    assert (api.status_code, api.json()["code"]) == (404, "invalid_code")
    assert AuditEntry.objects.filter(
        action="space.code_reissue", target_id=str(world.space.pk)
    ).exists()
    download = client.get(f"/console/spaces/{world.space.pk}/poster.pdf")
    assert download["Content-Type"] == "application/pdf"
    pdf = tmp_path / "new.pdf"
    pdf.write_bytes(download.content)
    new_url = decode_pdf(pdf)
    assert new_url.endswith("/c/" + make_code(world.space.pk, 2))
    assert space_for_code(new_url.rsplit("/", 1)[1]) == world.space


def test_the_command_refuses_an_unknown_space(db, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("door_poster", space=999999, output=str(tmp_path / "x.pdf"))
