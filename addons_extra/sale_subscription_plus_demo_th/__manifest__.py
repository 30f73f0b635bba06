# Part of sale_subscription_plus. License LGPL-3.
{
    'name': 'Subscriptions Plus: Thai demo data',
    'version': '18.0.1.0.0',
    'category': 'Sales/Subscriptions',
    'summary': 'Generates a Thai company with two years of subscriptions, invoices and payments',
    'description': """
Demo data for Subscriptions Plus, generated when the add-on is installed:
a Thai company (Thai chart of accounts, VAT 7%, THB, Asia/Bangkok), recurring
plans and products with Thai names, about fifty generated customers, a few
hundred subscriptions started over the last two years, and their invoices and
payments up to today.

Install it only in a new database made for the demo: it changes the main
company and loads the Thai chart of accounts.
""",
    'author': 'sale_subscription_plus contributors',
    'license': 'LGPL-3',
    'depends': ['sale_subscription_plus', 'l10n_th'],
    'data': [],
    'post_init_hook': 'post_init_hook',
    'installable': True,
    'application': False,
}
