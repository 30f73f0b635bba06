# Part of sale_subscription_plus. License LGPL-3.
{
    'name': 'Subscriptions Plus: Dashboard',
    'version': '18.0.1.0.0',
    'category': 'Productivity/Dashboard',
    'summary': 'Recurring revenue dashboard for managers in the Dashboards app',
    'description': """
A spreadsheet dashboard for Subscriptions Plus in the Dashboards app, on the
data of the current company. It compares MRR, ARR, net new MRR, contracts,
customers, ARPA, logo churn rate and NRR of a month with the previous month.
For the last 12 months, it shows the MRR movements, the month-end MRR, new
customers by acquisition month, churn by closing reason and net new MRR by
salesperson.
""",
    'author': 'sale_subscription_plus contributors',
    'license': 'LGPL-3',
    'depends': ['sale_subscription_plus', 'spreadsheet_dashboard'],
    'data': [
        'data/dashboards.xml',
    ],
    'installable': True,
    'application': False,
    'auto_install': False,
}
