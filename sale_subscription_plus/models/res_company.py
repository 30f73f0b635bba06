# Part of sale_subscription_plus. License LGPL-3.
from odoo import fields, models


class ResCompany(models.Model):
    _inherit = 'res.company'

    def _subscription_today(self):
        """Return today's date in the company's time zone.

        Odoo keeps no time zone on the company itself, so the company
        partner's time zone is used, and UTC when it has none.
        """
        self.ensure_one()
        return fields.Date.context_today(self.with_context(tz=self.partner_id.tz or 'UTC'))
