# Part of sale_subscription_plus. License LGPL-3.
"""Turns the main company into a Thai company that sells subscriptions."""
import datetime

from odoo import Command
from odoo.exceptions import UserError

from .common import THAI, register_xmlid

COMPANY_TZ = 'Asia/Bangkok'
# THB for one USD at the start of the generated history. Each month the rate
# then moves by a random step, within the bounds below.
USD_RATE_START = 35.5
USD_RATE_STEP = 0.6
USD_RATE_BOUNDS = (32.5, 37.5)


def configure_company(env, company):
    """Make ``company`` Thai: address, time zone, chart of accounts, language, taxes."""
    _set_thai_identity(env, company)
    _load_thai_chart(env, company)
    _activate_languages(env)
    _enable_sale_settings(env)
    return _create_export_fiscal_position(env, company)


def _set_thai_identity(env, company):
    company.partner_id.write({
        'name': "บริษัท สยามคลาวด์ เดโม จำกัด",
        'street': "99/9 ถนนรัชดาภิเษก",
        'city': "เขตห้วยขวาง",
        'state_id': env.ref('base.state_th_001').id,
        'zip': '10310',
        'country_id': env.ref('base.th').id,
        'tz': COMPANY_TZ,
        'email': 'billing@example.co.th',
        'website': 'https://www.example.co.th',
    })
    company.name = company.partner_id.name
    # Users see dates in their own time zone, and the demo's admin works in Bangkok.
    env.ref('base.user_admin').tz = COMPANY_TZ


def _load_thai_chart(env, company):
    if company.chart_template == 'th':
        return
    if company.chart_template and company.root_id._existing_accounting():
        raise UserError(env._(
            "The Thai demo cannot be installed in database %(database)s: company %(company)s "
            "already has journal entries with chart of accounts \"%(chart)s\". "
            "Install the demo in a new database, for example with tools/demo.sh.",
            database=env.cr.dbname, company=company.name, chart=company.chart_template,
        ))
    env['account.chart.template'].try_loading('th', company, install_demo=False)
    # Installing account on a company without a chart queues a load of the
    # generic chart for when the registry finishes loading (see account's
    # ir.module.module.write). Left queued, it would load on top of the
    # Thai chart and the invoices generated below.
    if hasattr(env.registry, '_auto_install_template'):
        del env.registry._auto_install_template
    chart = env['account.chart.template'].with_company(company)
    company.account_sale_tax_id = chart.ref('tax_output_vat')


def _activate_languages(env):
    """Activate Thai with its translations, and English for the foreign customers.

    A database created with --load-language=th_TH already has Thai, as its
    only active language.
    """
    thai = env['res.lang'].with_context(active_test=False).search([('code', '=', THAI)])
    if not thai.active:
        env['res.lang']._activate_lang(THAI)
        modules = env['ir.module.module'].search([('state', 'in', ('installed', 'to install'))])
        modules._update_translations([THAI])
    env['res.lang']._activate_lang('en_US')


def _enable_sale_settings(env):
    """Show pricelists and line discounts to every internal user, as the Sales settings do."""
    employees = env.ref('base.group_user')
    employees._apply_group(env.ref('product.group_product_pricelist'))
    employees._apply_group(env.ref('sale.group_discount_per_so_line'))


def _create_export_fiscal_position(env, company):
    """Create the fiscal position that bills customers abroad at 0% VAT.

    Thai VAT on services used abroad is 0% (export of services). l10n_th in
    Odoo 18.0 ships the 0% output tax but no fiscal position, so the demo adds
    one that applies itself to every country but Thailand.
    """
    chart = env['account.chart.template'].with_company(company)
    outside_thailand = env['res.country.group'].create({
        'name': "Countries outside Thailand",
        'country_ids': [Command.set(env['res.country'].search([('code', '!=', 'TH')]).ids)],
    })
    register_xmlid(env, 'country_group_outside_thailand', outside_thailand)
    position = env['account.fiscal.position'].create({
        'name': "Export of services",
        'company_id': company.id,
        'auto_apply': True,
        'country_group_id': outside_thailand.id,
        'tax_ids': [Command.create({
            'tax_src_id': chart.ref('tax_output_vat').id,
            'tax_dest_id': chart.ref('tax_output_vat_0').id,
        })],
    })
    register_xmlid(env, 'fiscal_position_export_services', position)
    return position


def create_usd_rates(env, company, rng, first_day, last_day):
    """Create a USD rate on the first day of every month from ``first_day`` to ``last_day``."""
    usd = env.ref('base.USD')
    usd.active = True
    low, high = USD_RATE_BOUNDS
    thb_per_usd = USD_RATE_START
    rate_vals = []
    day = first_day.replace(day=1)
    while day <= last_day:
        rate_vals.append({
            'currency_id': usd.id,
            'company_id': company.id,
            'name': day,
            # Odoo's rate is the amount of USD for one unit of the company currency.
            'rate': 1 / thb_per_usd,
        })
        thb_per_usd = min(high, max(low, round(thb_per_usd + rng.uniform(-USD_RATE_STEP, USD_RATE_STEP), 2)))
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    env['res.currency.rate'].create(rate_vals)
