# Part of sale_subscription_plus. License LGPL-3.
"""Salespeople and customers with generated names."""
from odoo import Command

from . import names
from .common import THAI, register_xmlid
from .company import COMPANY_TZ

SALESPERSON_COUNT = 4
THAI_CUSTOMER_COUNT = 46
FOREIGN_CUSTOMER_COUNTRIES = ['JP', 'SG', 'JP', 'SG']
# Payment terms of the Thai customers, by weight. Foreign customers pay at once.
PAYMENT_TERMS = [
    ('account.account_payment_term_immediate', 50),
    ('account.account_payment_term_15days', 20),
    ('account.account_payment_term_30days', 30),
]


def create_salespeople(env, company, rng):
    """Create the salespeople: users of Sales with their own documents only."""
    groups = env.ref('base.group_user') | env.ref('sales_team.group_sale_salesman')
    vals_list = []
    for given_name in names.salesperson_given_names(rng, SALESPERSON_COUNT):
        name, email = names.thai_person(rng, given_name)
        vals_list.append({
            'name': name,
            'login': email,
            'email': email,
            'lang': THAI,
            'tz': COMPANY_TZ,
            'company_id': company.id,
            'company_ids': [Command.set(company.ids)],
            'groups_id': [Command.set(groups.ids)],
        })
    users = env['res.users'].with_context(no_reset_password=True).create(vals_list)
    for index, user in enumerate(users, start=1):
        register_xmlid(env, f'salesperson_{index}', user)
    return users


def create_customers(env, rng):
    """Create the customer companies; return ``(thai_customers, foreign_customers)``."""
    used_names = set()
    thai_vals = [_thai_customer_vals(env, rng, used_names) for _index in range(THAI_CUSTOMER_COUNT)]
    foreign_vals = [
        _foreign_customer_vals(env, rng, country_code, used_names)
        for country_code in FOREIGN_CUSTOMER_COUNTRIES
    ]
    partners = env['res.partner']
    return partners.create(thai_vals), partners.create(foreign_vals)


def _thai_customer_vals(env, rng, used_names):
    name, email = names.thai_company(rng)
    while name in used_names:
        name, email = names.thai_company(rng)
    used_names.add(name)
    address = names.thai_address(rng)
    return {
        'name': name,
        'is_company': True,
        'email': email,
        'street': address['street'],
        'city': address['city'],
        'zip': address['zip'],
        'state_id': env.ref(address['state_xmlid']).id,
        'country_id': env.ref('base.th').id,
        'lang': THAI,
        'tz': COMPANY_TZ,
        'property_payment_term_id': env.ref(names.weighted_choice(rng, PAYMENT_TERMS)).id,
    }


def _foreign_customer_vals(env, rng, country_code, used_names):
    company = names.foreign_company(rng, country_code)
    while company['name'] in used_names:
        company = names.foreign_company(rng, country_code)
    used_names.add(company['name'])
    return {
        'name': company['name'],
        'is_company': True,
        'email': company['email'],
        'street': company['street'],
        'city': company['city'],
        'zip': company['zip'],
        'country_id': env['res.country'].search([('code', '=', country_code)]).id,
        'lang': 'en_US',
        'property_payment_term_id': env.ref('account.account_payment_term_immediate').id,
    }
