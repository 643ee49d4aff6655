import pytest


@pytest.fixture(autouse=True)
def no_map_tiles(settings) -> None:
    settings.MAP_TILE_URL = ""
