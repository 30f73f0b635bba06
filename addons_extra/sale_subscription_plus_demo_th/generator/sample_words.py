# Part of sale_subscription_plus. License LGPL-3.
"""Word lists the demo builds names and addresses from.

Company and person names are random combinations of these words, so they
are not the names of real people or companies. Provinces, districts, postcodes and roads are real
places, paired so that each address is consistent.
"""

# Name syllables as (Thai, RTGS romanisation). Company names join two of
# them ("ศรีเจริญ", sicharoen) and surnames join two or three.
SYLLABLES = [
    ('สยาม', 'siam'), ('รุ่งเรือง', 'rungrueang'), ('ศรี', 'si'), ('ทอง', 'thong'),
    ('เจริญ', 'charoen'), ('พัฒนา', 'phatthana'), ('มั่นคง', 'mankhong'), ('สุข', 'suk'),
    ('ชัย', 'chai'), ('วัฒนา', 'watthana'), ('นคร', 'nakhon'), ('เพชร', 'phet'),
    ('แสง', 'saeng'), ('ทิพย์', 'thip'), ('บุญ', 'bun'), ('มงคล', 'mongkhon'),
    ('ฟ้า', 'fa'), ('อรุณ', 'arun'), ('รัตน์', 'rat'), ('กมล', 'kamon'),
    ('ภูมิ', 'phum'), ('ธารา', 'thara'), ('ดาว', 'dao'), ('เมฆ', 'mek'),
    ('ล้านนา', 'lanna'), ('ปัญญา', 'panya'), ('นภา', 'napha'), ('ทวี', 'thawi'),
    ('พลัง', 'phalang'), ('ยิ่ง', 'ying'), ('ไพศาล', 'phaisan'), ('ก้าวหน้า', 'kaona'),
]

# Business words that Thai company names borrow from English, as
# (Thai spelling, romanisation).
INDUSTRY_WORDS = [
    ('เทค', 'tech'), ('ฟู้ดส์', 'foods'), ('โลจิสติกส์', 'logistics'),
    ('เทรดดิ้ง', 'trading'), ('คอนสตรัคชั่น', 'construction'), ('เมดิคอล', 'medical'),
    ('ออโต้พาร์ท', 'autoparts'), ('บิวตี้', 'beauty'), ('ดีไซน์', 'design'),
    ('เอ็นจิเนียริ่ง', 'engineering'), ('กรุ๊ป', 'group'), ('ซัพพลาย', 'supply'),
    ('เซอร์วิส', 'service'), ('มาร์เก็ตติ้ง', 'marketing'), ('โฮเทล', 'hotel'),
]

# Thai legal forms with their weight among generated customers.
LEGAL_FORMS = [
    ('บริษัท {name} จำกัด', 75),  # private limited company
    ('ห้างหุ้นส่วนจำกัด {name}', 20),  # limited partnership
    ('บริษัท {name} จำกัด (มหาชน)', 5),  # public limited company
]

# Given names of the salespeople, as (Thai, romanisation).
GIVEN_NAMES = [
    ('กมลวรรณ', 'kamonwan'), ('ธนากร', 'thanakon'), ('พิมพ์ชนก', 'phimchanok'),
    ('ณัฐพล', 'natthaphon'), ('ศิริพร', 'siriphon'), ('วรวุฒิ', 'worawut'),
    ('ปิยะดา', 'piyada'), ('อนุชา', 'anucha'),
]

# Provinces as (res.country.state XML id, weight, districts). Each district
# is (name, postcode, a road that runs through it).
PROVINCES = [
    ('base.state_th_001', 40, [  # Bangkok
        ('เขตบางรัก', '10500', 'สีลม'),
        ('เขตปทุมวัน', '10330', 'พระรามที่ 1'),
        ('เขตวัฒนา', '10110', 'สุขุมวิท'),
        ('เขตห้วยขวาง', '10310', 'รัชดาภิเษก'),
        ('เขตจตุจักร', '10900', 'พหลโยธิน'),
        ('เขตบางนา', '10260', 'บางนา-ตราด'),
        ('เขตสาทร', '10120', 'สาทรใต้'),
    ]),
    ('base.state_th_036', 6, [  # Nonthaburi
        ('อำเภอเมืองนนทบุรี', '11000', 'งามวงศ์วาน'),
        ('อำเภอปากเกร็ด', '11120', 'แจ้งวัฒนะ'),
    ]),
    ('base.state_th_057', 6, [  # Samut Prakan
        ('อำเภอบางพลี', '10540', 'เทพารักษ์'),
        ('อำเภอเมืองสมุทรปราการ', '10270', 'สุขุมวิท'),
    ]),
    ('base.state_th_037', 4, [  # Pathum Thani
        ('อำเภอคลองหลวง', '12120', 'พหลโยธิน'),
        ('อำเภอธัญบุรี', '12110', 'รังสิต-นครนายก'),
    ]),
    ('base.state_th_010', 8, [  # Chiang Mai
        ('อำเภอเมืองเชียงใหม่', '50200', 'นิมมานเหมินท์'),
        ('อำเภอสันทราย', '50210', 'เชียงใหม่-แม่โจ้'),
    ]),
    ('base.state_th_012', 8, [  # Chonburi
        ('อำเภอเมืองชลบุรี', '20000', 'สุขุมวิท'),
        ('อำเภอศรีราชา', '20110', 'สุขุมวิท'),
        ('อำเภอบางละมุง', '20150', 'พัทยาสาย 2'),
    ]),
    ('base.state_th_053', 4, [  # Rayong
        ('อำเภอเมืองระยอง', '21000', 'สุขุมวิท'),
    ]),
    ('base.state_th_017', 4, [  # Khon Kaen
        ('อำเภอเมืองขอนแก่น', '40000', 'มิตรภาพ'),
    ]),
    ('base.state_th_029', 4, [  # Nakhon Ratchasima
        ('อำเภอเมืองนครราชสีมา', '30000', 'มิตรภาพ'),
    ]),
    ('base.state_th_048', 5, [  # Phuket
        ('อำเภอเมืองภูเก็ต', '83000', 'ภูเก็ต'),
        ('อำเภอกะทู้', '83120', 'พระบารมี'),
    ]),
    ('base.state_th_064', 4, [  # Songkhla
        ('อำเภอหาดใหญ่', '90110', 'เพชรเกษม'),
    ]),
    ('base.state_th_073', 3, [  # Udon Thani
        ('อำเภอเมืองอุดรธานี', '41000', 'ทหาร'),
    ]),
    ('base.state_th_067', 2, [  # Surat Thani
        ('อำเภอเมืองสุราษฎร์ธานี', '84000', 'ตลาดใหม่'),
    ]),
    ('base.state_th_011', 2, [  # Chiang Rai
        ('อำเภอเมืองเชียงราย', '57000', 'พหลโยธิน'),
    ]),
    ('base.state_th_046', 2, [  # Phra Nakhon Si Ayutthaya
        ('อำเภอพระนครศรีอยุธยา', '13000', 'โรจนะ'),
    ]),
]

# Foreign customers: words of their generated names and a city to put them in.
FOREIGN_MARKETS = {
    'JP': {
        'name_pattern': '{first}{second} {field} K.K.',
        'first': ['Hoshi', 'Kawa', 'Mori', 'Sora', 'Yama', 'Kaze'],
        'second': ['moto', 'kawa', 'no', 'zaki', 'hara', 'mura'],
        'field': ['Digital', 'Trading', 'Systems', 'Foods'],
        'city': 'Tokyo',
        'streets': [('Nihonbashi', '103-0027'), ('Shibuya', '150-0002'), ('Minato', '105-0001')],
        'street_pattern': '{block}-{lot}-{house} {street}',
    },
    'SG': {
        'name_pattern': '{first} {second} {field} Pte. Ltd.',
        'first': ['Harbour', 'Orchid', 'Straits', 'Marina', 'Lotus', 'Banyan'],
        'second': ['Bay', 'Point', 'Gate', 'Link', 'Peak', 'Way'],
        'field': ['Analytics', 'Ventures', 'Logistics', 'Systems'],
        'city': 'Singapore',
        'streets': [('Robinson Road', '068'), ('Cecil Street', '069'), ('Anson Road', '079')],
        'street_pattern': '{house} {street}',
    },
}
