# Part of sale_subscription_plus. License LGPL-3.
{
    'name': 'Subscriptions Plus',
    'version': '18.0.1.0.0',
    'category': 'Sales/Subscriptions',
    'summary': 'Recurring plans, subscription sale orders and automatic recurring invoicing',
    'description': """
Subscriptions on Odoo Community: recurring plans with a billing period,
prices per plan and pricelist, subscription templates, a stored MRR, and a
daily job that invoices every due period exactly once.
""",
    'author': 'sale_subscription_plus contributors',
    'license': 'LGPL-3',
    'depends': ['sale_management', 'account'],
    'data': [
        'security/sale_subscription_plus_security.xml',
        'security/ir.model.access.csv',
        'data/ir_cron.xml',
        'data/sale_subscription_close_reason_data.xml',
        'data/ir_actions_server_data.xml',
        'wizard/sale_subscription_close_wizard_views.xml',
        'wizard/sale_subscription_pause_wizard_views.xml',
        'wizard/sale_subscription_reopen_wizard_views.xml',
        'wizard/sale_subscription_change_wizard_views.xml',
        'views/sale_subscription_event_views.xml',
        'views/sale_subscription_mrr_movement_views.xml',
        'report/sale_subscription_report_views.xml',
        'views/sale_subscription_plan_views.xml',
        'views/sale_subscription_pricing_views.xml',
        'views/product_template_views.xml',
        'views/sale_order_template_views.xml',
        'views/sale_order_views.xml',
        'views/account_move_views.xml',
        'views/sale_subscription_cohort_views.xml',
        # Menus reference the actions above, so they load last.
        'views/sale_subscription_forecast_views.xml',
        'views/sale_subscription_plus_menus.xml',
    ],
    'assets': {
        'web.assets_backend': [
            'sale_subscription_plus/static/src/cohort/**/*',
        ],
        'web.assets_tests': [
            'sale_subscription_plus/static/tests/tours/**/*',
        ],
    },
    'installable': True,
    'application': False,
}
