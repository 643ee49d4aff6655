"""SESAME Web API `sign`: AES-CMAC, keyed with the device's secret, over the timestamp.

The message is bytes 1–3 of the current Unix time as a little-endian 32-bit integer (the
vendor's sample code: ``ts.to_bytes(4, "little")[1:4]``); the answer is the CMAC in hex.
"""

import base64

from cryptography.hazmat.primitives import cmac
from cryptography.hazmat.primitives.ciphers import algorithms


def sign(secret_hex: str, unix_time: int) -> str:
    mac = cmac.CMAC(algorithms.AES(bytes.fromhex(secret_hex)))
    mac.update(unix_time.to_bytes(4, "little")[1:4])
    return mac.finalize().hex()


def history(label: str) -> str:
    """The history entry the lock shows for this operation, base64 as the API wants it."""
    return base64.b64encode(label.encode()).decode()
