"""Demo network: two operators, 20 offices around Tokyo (real coordinates), demo accounts."""

OPERATORS = [
    {"name": "Hibiya Workspace Co.", "payout_per_ticket": 400},
    {"name": "Sumida Satellite Offices", "payout_per_ticket": 350},
]

# (name, address, lat, lng, operator index)
OFFICES = [
    ("H1T 両国", "東京都墨田区両国2-10-14", 35.6959, 139.7932, 1),
    ("H1T 日比谷", "東京都千代田区有楽町1-1-2", 35.6732, 139.7590, 0),
    ("H1T 東京駅八重洲", "東京都中央区八重洲1-5-3", 35.6812, 139.7695, 0),
    ("H1T 大手町", "東京都千代田区大手町1-6-1", 35.6866, 139.7640, 0),
    ("H1T 新宿", "東京都新宿区西新宿1-1-3", 35.6896, 139.6995, 0),
    ("H1T 渋谷", "東京都渋谷区道玄坂1-12-1", 35.6580, 139.7016, 0),
    ("H1T 池袋", "東京都豊島区南池袋1-28-2", 35.7295, 139.7109, 0),
    ("H1T 品川", "東京都港区高輪3-26-27", 35.6285, 139.7388, 0),
    ("H1T 上野", "東京都台東区上野7-1-1", 35.7138, 139.7770, 1),
    ("H1T 秋葉原", "東京都千代田区外神田1-17-6", 35.6984, 139.7731, 1),
    ("H1T 錦糸町", "東京都墨田区江東橋3-14-5", 35.6968, 139.8145, 1),
    ("H1T 押上", "東京都墨田区押上1-1-2", 35.7101, 139.8133, 1),
    ("H1T 門前仲町", "東京都江東区門前仲町1-4-8", 35.6717, 139.7960, 1),
    ("H1T 豊洲", "東京都江東区豊洲2-4-9", 35.6547, 139.7962, 1),
    ("H1T 六本木", "東京都港区六本木6-10-1", 35.6605, 139.7292, 0),
    ("H1T 恵比寿", "東京都渋谷区恵比寿南1-5-5", 35.6467, 139.7101, 0),
    ("H1T 中野", "東京都中野区中野4-1-1", 35.7074, 139.6659, 0),
    ("H1T 吉祥寺", "東京都武蔵野市吉祥寺南町1-1-24", 35.7030, 139.5797, 0),
    ("H1T 横浜", "神奈川県横浜市西区高島2-16-1", 35.4658, 139.6223, 0),
    ("H1T 川崎", "神奈川県川崎市川崎区駅前本町26-1", 35.5313, 139.6968, 1),
]

# Office index with a four-hour unit, and the one closed 22:00–08:00.
UNIT_240_OFFICE = 2
NIGHT_CLOSED_OFFICE = 4

# Seat areas per office, cycling through these layouts (rule 1: some offices have one kind).
LAYOUTS = [
    [("オープン席", "open"), ("BOX席", "box")],
    [("オープン席", "open"), ("個室", "private_room"), ("BOOTH席", "booth")],
    [("個室", "private_room")],
    [("オープン席", "open")],
]

PLANS = [
    {
        "code": "individual-10",
        "name_en": "Individual 10",
        "monthly_price_yen": 13750,
        "addon_pack_tickets": 5,
        "addon_pack_price_yen": 8800,
        "name": "個人 10回",
        "kind": "individual",
        "tickets_per_cycle": 10,
        "extensions_need_tickets": True,
        "postpaid": False,
    },
    {
        "code": "individual-20",
        "name_en": "Individual 20",
        "monthly_price_yen": 23100,
        "addon_pack_tickets": 5,
        "addon_pack_price_yen": 8800,
        "name": "個人 20回",
        "kind": "individual",
        "tickets_per_cycle": 20,
        "extensions_need_tickets": True,
        "postpaid": False,
    },
    {
        "code": "individual-31",
        "name_en": "Individual 31",
        "monthly_price_yen": 27280,
        "addon_pack_tickets": 5,
        "addon_pack_price_yen": 8800,
        "name": "個人 31回",
        "kind": "individual",
        "tickets_per_cycle": 31,
        "extensions_need_tickets": True,
        "postpaid": False,
    },
    {
        "code": "corporate",
        "name_en": "Corporate, postpaid",
        "addon_pack_tickets": 0,
        "name": "法人 後払い",
        "kind": "corporate",
        "tickets_per_cycle": 0,
        "extensions_need_tickets": False,
        "postpaid": True,
    },
]

# Price per ticket of the demo company's postpaid use, tax included (its monthly invoice).
COMPANY_YEN_PER_TICKET = 2200
COMPANY = {"name": "Demo Trading K.K.", "code": "1234567890123456"}
PASSWORD = "demo-pass-2026"  # noqa: S105 (the documented demo password)
