"""A Y4M video of a QR code, for Chromium's fake camera (--use-file-for-fake-video-capture)."""

from pathlib import Path

import segno

WIDTH, HEIGHT = 640, 480


def write_qr_video(text: str, path: Path, frames: int = 10) -> Path:
    """Grey-scale 4:2:0 frames: the code centred on white, dark modules black."""
    matrix = [list(row) for row in segno.make(text, error="m").matrix_iter(scale=1, border=4)]
    side = len(matrix)
    scale = min(WIDTH, HEIGHT) * 9 // 10 // side
    left, top = (WIDTH - side * scale) // 2, (HEIGHT - side * scale) // 2
    luma = bytearray([235]) * (WIDTH * HEIGHT)
    for my, row in enumerate(matrix):
        for mx, dark in enumerate(row):
            if not dark:
                continue
            for y in range(top + my * scale, top + (my + 1) * scale):
                start = y * WIDTH + left + mx * scale
                luma[start : start + scale] = bytes([16]) * scale
    chroma = bytes([128]) * (WIDTH * HEIGHT // 4)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + bytes(luma) + chroma + chroma)
    return path
