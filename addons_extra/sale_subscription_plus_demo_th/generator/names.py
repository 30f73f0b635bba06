# Part of sale_subscription_plus. License LGPL-3.
"""Generated names and addresses, from the word lists of ``sample_words``.

Plain Python without Odoo: every function draws from the ``random.Random``
it is given, so a fixed seed gives the same names on every run.
"""
from .sample_words import (
    FOREIGN_MARKETS,
    GIVEN_NAMES,
    INDUSTRY_WORDS,
    LEGAL_FORMS,
    PROVINCES,
    SYLLABLES,
)


def weighted_choice(rng, pairs):
    """Return the item of one ``(item, weight)`` pair, drawn by weight."""
    items = [item for item, _weight in pairs]
    weights = [weight for _item, weight in pairs]
    return rng.choices(items, weights=weights)[0]


def thai_company(rng):
    """Return ``(name, email)`` of a generated Thai company.

    The name is two syllables and a business word inside a Thai legal form,
    for example "บริษัท ศรีเจริญ เทค จำกัด" with sicharoen.tech@example.co.th.
    """
    (first_thai, first_roman), (second_thai, second_roman) = rng.sample(SYLLABLES, 2)
    industry_thai, industry_roman = rng.choice(INDUSTRY_WORDS)
    legal_form = weighted_choice(rng, LEGAL_FORMS)
    name = legal_form.format(name=f"{first_thai}{second_thai} {industry_thai}")
    email = f"{first_roman}{second_roman}.{industry_roman}@example.co.th"
    return name, email


def thai_person(rng, given_name):
    """Return ``(name, email)`` of a person with ``given_name`` and a generated surname.

    :param tuple given_name: ``(Thai, romanisation)``, one of ``GIVEN_NAMES``
    """
    given_thai, given_roman = given_name
    surname = rng.sample(SYLLABLES, rng.choice((2, 3)))
    surname_thai = ''.join(thai for thai, _roman in surname)
    surname_roman = ''.join(roman for _thai, roman in surname)
    return f"{given_thai} {surname_thai}", f"{given_roman}.{surname_roman}@example.co.th"


def salesperson_given_names(rng, count):
    """Return ``count`` different given names for the salespeople."""
    return rng.sample(GIVEN_NAMES, count)


def thai_address(rng):
    """Return a Thai address as a dict: ``state_xmlid``, ``street``, ``city``, ``zip``.

    Bangkok and its neighbours come up most, like the customers of a
    Bangkok software company.
    """
    state_xmlid, _weight, districts = rng.choices(
        PROVINCES, weights=[weight for _xmlid, weight, _districts in PROVINCES])[0]
    district, postcode, road = rng.choice(districts)
    house = str(rng.randint(1, 999))
    if rng.random() < 0.4:
        house = f"{house}/{rng.randint(1, 99)}"
    return {
        'state_xmlid': state_xmlid,
        'street': f"{house} ถนน{road}",
        'city': district,
        'zip': postcode,
    }


def foreign_company(rng, country_code):
    """Return a generated company of ``country_code`` (a key of ``FOREIGN_MARKETS``).

    The dict has ``name``, ``email``, ``street``, ``city`` and ``zip``.
    """
    market = FOREIGN_MARKETS[country_code]
    first, second = rng.choice(market['first']), rng.choice(market['second'])
    name = market['name_pattern'].format(first=first, second=second, field=rng.choice(market['field']))
    street, postcode = rng.choice(market['streets'])
    if len(postcode) == 3:
        # Singapore postcodes have six digits, and the list gives only the first three.
        postcode = f"{postcode}{rng.randint(0, 999):03d}"
    street_line = market['street_pattern'].format(
        block=rng.randint(1, 5), lot=rng.randint(1, 30), house=rng.randint(1, 200), street=street)
    slug = ''.join(ch for ch in f"{first}{second}".lower() if ch.isalnum())
    return {
        'name': name,
        'email': f"{slug}@example.com",
        'street': street_line,
        'city': market['city'],
        'zip': postcode,
    }
