# Part of sale_subscription_plus. License LGPL-3.
"""Recurring plans, products, prices, pricelists and subscription templates."""
from collections import namedtuple

from odoo import Command

from .common import register_xmlid

PlanSpec = namedtuple('PlanSpec', 'key name interval unit months discount')
ProductSpec = namedtuple('ProductSpec', 'key code name monthly_thb monthly_usd quantities')
TemplateSpec = namedtuple('TemplateSpec', 'key name plan duration periods auto_renew setup_fee lines')

# Longer plans cost less per month: ``discount`` is the reduction of the
# plan's price against the monthly price times ``months``.
PLANS = [
    PlanSpec('monthly', "Monthly", 1, 'month', 1, 0.0),
    PlanSpec('quarterly', "Quarterly", 3, 'month', 3, 0.05),
    PlanSpec('yearly', "Yearly", 1, 'year', 12, 0.15),
]

# Monthly list prices, in THB and, for the products sold abroad, in USD.
# ``quantities`` bounds the quantity of a subscription line.
PRODUCTS = [
    ProductSpec('pos', 'SUB-POS', "Cloud POS, one shop", 990, None, (1, 1)),
    ProductSpec('accounting_user', 'SUB-ACC', "Cloud accounting, per user", 650, 19, (1, 8)),
    ProductSpec('etax', 'SUB-ETAX', "e-Tax Invoice and e-Receipt service", 1500, None, (1, 1)),
    ProductSpec('payroll', 'SUB-PAY', "Payroll and social security, per employee", 45, None, (10, 120)),
    ProductSpec('chatbot', 'SUB-BOT', "Chat commerce bot", 1200, None, (1, 1)),
    ProductSpec('hosting', 'SUB-WEB', "Website hosting with SSL", 450, 14, (1, 3)),
    ProductSpec('backup', 'SUB-BAK', "Cloud backup, 100 GB", 300, 9, (1, 5)),
    ProductSpec('helpdesk', 'SUB-IT', "IT helpdesk support", 4500, None, (1, 1)),
]
SETUP_FEE_THB = 5000

# ``periods`` is the length of a fixed term in billing periods, None for a
# subscription that runs until it is closed. ``setup_fee`` adds the setup
# fee product to every subscription made from the template.
TEMPLATES = [
    TemplateSpec('template_12_months', "12-month contract, renewed automatically", 'monthly',
                 'fixed', 12, True, True, [('pos', 1), ('backup', 1)]),
    TemplateSpec('template_2_years', "2-year contract, billed yearly", 'yearly',
                 'fixed', 2, False, True, [('accounting_user', 3), ('etax', 1)]),
    TemplateSpec('template_managed_it', "Managed IT, billed quarterly", 'quarterly',
                 'unlimited', None, False, False, [('helpdesk', 1), ('backup', 2)]),
]


class Catalog:
    """The generated catalog records, by key."""

    def __init__(self):
        self.plans = {}
        self.products = {}
        self.specs = {spec.key: spec for spec in PRODUCTS}
        self.setup_fee = None
        self.templates = {}
        self.thb_pricelist = None
        self.usd_pricelist = None

    def usd_product_keys(self):
        return [spec.key for spec in PRODUCTS if spec.monthly_usd]


def plan_price(monthly_price, plan, step):
    """Return the price of one period of ``plan``, rounded to a multiple of ``step``.

    >>> plan_price(990, PLANS[2], 10)  # 990 x 12 x 0.85 = 10,098
    10100
    """
    price = monthly_price * plan.months * (1 - plan.discount)
    return int(price / step + 0.5) * step


def create_catalog(env, company, outside_thailand):
    """Create and return the demo's :class:`Catalog`."""
    catalog = Catalog()
    _create_plans(env, catalog)
    _create_pricelists(env, company, outside_thailand, catalog)
    _create_products(env, company, catalog)
    _create_prices(env, catalog)
    _create_templates(env, company, catalog)
    return catalog


def _create_plans(env, catalog):
    for spec in PLANS:
        plan = env['sale.subscription.plan'].create({
            'name': spec.name,
            'billing_period_value': spec.interval,
            'billing_period_unit': spec.unit,
            'invoice_action': 'post_send',
        })
        register_xmlid(env, f'plan_{spec.key}', plan)
        catalog.plans[spec.key] = plan


def _create_pricelists(env, company, outside_thailand, catalog):
    # Customers without a pricelist of their own get the first pricelist
    # without country groups, so the THB one must exist for the Thai customers.
    catalog.thb_pricelist = env['product.pricelist'].create({
        'name': "Standard (THB)",
        'currency_id': env.ref('base.THB').id,
        'company_id': company.id,
        'sequence': 1,
    })
    register_xmlid(env, 'pricelist_thb', catalog.thb_pricelist)
    catalog.usd_pricelist = env['product.pricelist'].create({
        'name': "Export (USD)",
        'currency_id': env.ref('base.USD').id,
        'company_id': company.id,
        'sequence': 2,
        'country_group_ids': [Command.set(outside_thailand.ids)],
    })
    register_xmlid(env, 'pricelist_usd', catalog.usd_pricelist)


def _create_products(env, company, catalog):
    # The demo company owns its products, like its plans and pricelists.
    for spec in PRODUCTS:
        template = env['product.template'].create({
            'name': spec.name,
            'company_id': company.id,
            'type': 'service',
            'recurring_invoice': True,
            'list_price': spec.monthly_thb,
            'invoice_policy': 'order',
            'default_code': spec.code,
        })
        register_xmlid(env, f'product_{spec.key}', template)
        catalog.products[spec.key] = template.product_variant_id
    setup_fee = env['product.template'].create({
        'name': "Setup fee",
        'company_id': company.id,
        'type': 'service',
        'list_price': SETUP_FEE_THB,
        'invoice_policy': 'order',
        'default_code': "SETUP",
    })
    register_xmlid(env, 'product_setup_fee', setup_fee)
    catalog.setup_fee = setup_fee.product_variant_id


def _create_prices(env, catalog):
    vals_list = []
    for spec in PRODUCTS:
        product_template = catalog.products[spec.key].product_tmpl_id
        for plan_spec in PLANS:
            plan = catalog.plans[plan_spec.key]
            vals_list.append({
                'product_template_id': product_template.id,
                'plan_id': plan.id,
                'price': plan_price(spec.monthly_thb, plan_spec, 10),
            })
            if spec.monthly_usd:
                vals_list.append({
                    'product_template_id': product_template.id,
                    'plan_id': plan.id,
                    'pricelist_id': catalog.usd_pricelist.id,
                    'price': plan_price(spec.monthly_usd, plan_spec, 1),
                })
    env['sale.subscription.pricing'].create(vals_list)


def _create_templates(env, company, catalog):
    for spec in TEMPLATES:
        vals = {
            'name': spec.name,
            'company_id': company.id,
            'plan_id': catalog.plans[spec.plan].id,
            'subscription_duration': spec.duration,
            'sale_order_template_line_ids': [
                Command.create({'product_id': catalog.products[key].id, 'product_uom_qty': quantity})
                for key, quantity in spec.lines
            ],
        }
        if spec.periods:
            vals['duration_period_count'] = spec.periods
            vals['auto_renew'] = spec.auto_renew
        if spec.setup_fee:
            vals['setup_fee_product_ids'] = [Command.set(catalog.setup_fee.ids)]
        template = env['sale.order.template'].create(vals)
        register_xmlid(env, spec.key, template)
        catalog.templates[spec.key] = template
