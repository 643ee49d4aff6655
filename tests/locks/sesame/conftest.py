from collections.abc import Iterator

import pytest

from tests.locks.sesame.fake_sesame import FakeSesame

API_KEY = "ses-api-key-4b7e1c9d2a6f8e0b3d5c7a9e1f2b4d6c"
DEVICE = "3DE4DE72-AAF9-25C1-8D0F-C9E019BB0601"
SECRET = "8f2c4e6a0b1d3f5e7a9c2b4d6e8f0a1c"


@pytest.fixture
def sesame() -> Iterator[FakeSesame]:
    fake = FakeSesame(api_key=API_KEY, secrets={DEVICE: SECRET}).start()
    yield fake
    fake.stop()
