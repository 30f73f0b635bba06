# Part of sale_subscription_plus. License LGPL-3.
from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.safe_eval import safe_eval


class SaleOrderTemplate(models.Model):
    _inherit = 'sale.order.template'

    plan_id = fields.Many2one(
        'sale.subscription.plan', string="Recurring Plan", check_company=True,
        help="Quotations made from this template are subscriptions billed on this plan.")
    subscription_duration = fields.Selection(
        [('unlimited', 'Until closed'), ('fixed', 'Fixed number of periods')],
        string="Duration", default='unlimited', required=True)
    duration_period_count = fields.Integer(
        string="Number of Periods", default=12,
        help="Length of a fixed term, in billing periods of the plan.")
    auto_renew = fields.Boolean(
        help="At the end of a fixed term, start a new term of the same length instead of closing.")
    setup_fee_product_ids = fields.Many2many(
        'product.product', string="Setup Fees", check_company=True,
        domain="[('sale_ok', '=', True), ('recurring_invoice', '=', False)]",
        help="One-off products added to the subscription when it is confirmed, invoiced once.")
    proration_policy = fields.Selection(
        [
            ('prorate_now', 'Prorate now'),
            ('prorate_next', 'Prorate on next invoice'),
            ('next_period', 'No proration, apply at next period'),
        ],
        help="How changes during a period are billed on subscriptions made from this template; "
             "empty uses the plan's policy.")
    portal_access = fields.Selection(
        [('none', 'None'), ('upgrade', 'Upgrade only'), ('upgrade_downgrade', 'Upgrade and downgrade')],
        string="Customer Self-Service", default='none', required=True,
        help="What customers may change on their subscription from the portal.")
    customer_can_close = fields.Boolean(
        string="Customers May Close",
        help="Customers may close the subscription themselves from the portal, giving a reason.")
    health_bad_domain = fields.Char(
        string="Needs Attention When", default="[]",
        help="Subscriptions matching these conditions are marked as needing attention.")
    health_good_domain = fields.Char(
        string="Healthy When", default="[]",
        help="Subscriptions matching these conditions, and not needing attention, are marked healthy.")

    @api.constrains(
        'subscription_duration', 'duration_period_count', 'plan_id', 'sale_order_template_line_ids',
        'setup_fee_product_ids', 'health_bad_domain', 'health_good_domain',
    )
    def _check_subscription_template(self):
        for template in self:
            problems = template._get_subscription_problems()
            if problems:
                raise ValidationError(self.env._(
                    "Template \"%(template)s\" cannot be saved:\n%(problems)s",
                    template=template.name,
                    problems="\n".join(f"- {problem}" for problem in problems),
                ))

    def _get_subscription_problems(self):
        """List every inconsistency between the template's plan, duration and products."""
        self.ensure_one()
        problems = []
        if self.subscription_duration == 'fixed' and self.duration_period_count < 1:
            problems.append(self.env._(
                "the fixed term is %(count)s periods: enter at least 1 period, or choose \"Until closed\".",
                count=self.duration_period_count))
        recurring_products = self.sale_order_template_line_ids.product_id.filtered('recurring_invoice')
        if recurring_products and not self.plan_id:
            problems.append(self.env._(
                "%(products)s are subscription products but the template has no recurring plan.",
                products=", ".join(recurring_products.mapped('display_name'))))
        pricing_model = self.env['sale.subscription.pricing']
        if self.plan_id:
            for product in recurring_products:
                if not pricing_model._find_pricing(product, self.plan_id, self.env['product.pricelist']):
                    problems.append(self.env._(
                        "%(product)s has no recurring price for plan \"%(plan)s\"",
                        product=product.display_name, plan=self.plan_id.name))
        for product in self.setup_fee_product_ids.filtered('recurring_invoice'):
            problems.append(self.env._(
                "%(product)s is a subscription product and cannot be a one-off setup fee.",
                product=product.display_name))
        for field_name in ('health_bad_domain', 'health_good_domain'):
            domain_text = self[field_name] or '[]'
            try:
                self.env['sale.order'].search_count(safe_eval(domain_text), limit=1)
            except Exception:  # noqa: BLE001 - any parsing or field error means the domain is unusable
                problems.append(self.env._(
                    "the condition \"%(label)s\" is not a valid domain: %(domain)s",
                    label=self._fields[field_name].get_description(self.env)['string'],
                    domain=domain_text))
        return problems
