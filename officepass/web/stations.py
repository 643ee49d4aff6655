"""Stations and areas a member can type when the phone will not share its location."""

from django.utils.translation import gettext_lazy as _

# (Japanese name, English name, lat, lng)
STATIONS: list[tuple[str, str, float, float]] = [
    ("東京", "Tokyo", 35.6812, 139.7671),
    ("有楽町", "Yurakucho", 35.6750, 139.7630),
    ("日比谷", "Hibiya", 35.6745, 139.7600),
    ("大手町", "Otemachi", 35.6860, 139.7660),
    ("八重洲", "Yaesu", 35.6800, 139.7700),
    ("新宿", "Shinjuku", 35.6896, 139.7006),
    ("渋谷", "Shibuya", 35.6580, 139.7016),
    ("池袋", "Ikebukuro", 35.7295, 139.7109),
    ("品川", "Shinagawa", 35.6285, 139.7388),
    ("上野", "Ueno", 35.7138, 139.7770),
    ("秋葉原", "Akihabara", 35.6984, 139.7731),
    ("両国", "Ryogoku", 35.6969, 139.7934),
    ("錦糸町", "Kinshicho", 35.6968, 139.8145),
    ("押上", "Oshiage", 35.7101, 139.8133),
    ("門前仲町", "Monzen-nakacho", 35.6717, 139.7960),
    ("豊洲", "Toyosu", 35.6547, 139.7962),
    ("六本木", "Roppongi", 35.6628, 139.7314),
    ("恵比寿", "Ebisu", 35.6467, 139.7101),
    ("中野", "Nakano", 35.7074, 139.6659),
    ("吉祥寺", "Kichijoji", 35.7030, 139.5797),
    ("横浜", "Yokohama", 35.4658, 139.6223),
    ("川崎", "Kawasaki", 35.5313, 139.6968),
]

# Where "nearest" starts when nothing better is known (Tokyo Station).
DEFAULT_POINT = (35.6812, 139.7671)
DEFAULT_POINT_LABEL = _("Tokyo Station")


def find_station(query: str) -> tuple[str, float, float] | None:
    """A station whose Japanese or English name matches the query (駅 / station optional)."""
    q = query.strip().lower().removesuffix("駅").removesuffix(" station").strip()
    if not q:
        return None
    for ja, en, lat, lng in STATIONS:
        if q in (ja, en.lower()):
            return ja, lat, lng
    for ja, en, lat, lng in STATIONS:
        if q in ja or q in en.lower():
            return ja, lat, lng
    return None
