# Part of sale_subscription_plus. License LGPL-3.
"""Helpers shared by the generator steps."""

MODULE = 'sale_subscription_plus_demo_th'
THAI = 'th_TH'


def register_xmlid(env, name, record):
    """Give ``record`` the XML id ``sale_subscription_plus_demo_th.<name>``.

    Tests and scripts can then find the generated catalog with ``env.ref``,
    and uninstalling the add-on removes those records.
    """
    env['ir.model.data'].create({
        'module': MODULE,
        'name': name,
        'model': record._name,
        'res_id': record.id,
        'noupdate': True,
    })


def load_thai_translations(env):
    """Load the Thai names of the generated records from this add-on's i18n/th.po.

    The install loads the add-on's translations before the hook creates the
    records they name, so the hook loads them again once the records exist.
    """
    env['ir.module.module'].search([('name', '=', MODULE)])._update_translations([THAI])
