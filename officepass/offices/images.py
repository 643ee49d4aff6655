"""Seat images: what we accept and how we name and serve them.

The uploader's file name is never used: a stored image is named by us (a random token) with
the extension of the format Pillow verified, and served with that format's content type, so
a PNG uploaded as `seat.html` can never come back as `text/html`.
"""

import secrets
import warnings
from pathlib import PurePosixPath
from typing import IO, Any

# Pillow format -> (extension, content type): the only images we store and serve.
IMAGE_TYPES = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
}
EXTENSIONS = {extension for extension, _ in IMAGE_TYPES.values()}
MAX_IMAGE_BYTES = 5 * 1024 * 1024
# A few hundred bytes of PNG can claim 10**10 pixels (a decompression bomb); a seat photo
# needs far fewer.
MAX_IMAGE_PIXELS = 40_000_000


def too_many_pixels(stream: IO[bytes] | Any) -> bool:
    """True if the picture's header claims more than MAX_IMAGE_PIXELS; read from the header
    only, before anything is decoded (Pillow raised DecompressionBombError: a 500)."""
    from PIL import Image, UnidentifiedImageError

    try:
        stream.seek(0)
        with warnings.catch_warnings():
            # Pillow only warns between its own limit and twice it: refuse those as well.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(stream) as image:
                return bool(image.width * image.height > MAX_IMAGE_PIXELS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return True
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return False  # not a picture at all: verified_format refuses it
    finally:
        stream.seek(0)


def verified_format(stream: IO[bytes] | Any) -> str | None:
    """The Pillow format name if the stream is a whole JPEG, PNG or WebP picture, else None.
    The stream is read from the start and rewound."""
    from PIL import Image, UnidentifiedImageError

    try:
        stream.seek(0)
        with Image.open(stream) as image:
            image.verify()
            kind = image.format
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None
    finally:
        stream.seek(0)
    return kind if kind in IMAGE_TYPES else None


def stored_name(kind: str) -> str:
    """The name an upload of a verified `kind` is saved under (before the folder)."""
    return f"seat.{IMAGE_TYPES[kind][0]}"


def seat_image_path(instance: Any, filename: str) -> str:
    """`seats/<office>/<random>.<ext>`: ours, not the uploader's; ext only from our list."""
    extension = PurePosixPath(filename).suffix.lower().removeprefix(".")
    suffix = f".{extension}" if extension in EXTENSIONS else ""
    return f"seats/{instance.office_id}/{secrets.token_hex(16)}{suffix}"
