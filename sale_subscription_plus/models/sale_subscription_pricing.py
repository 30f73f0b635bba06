# Part of sale_subscription_plus. License LGPL-3.
from odoo import api, fields, models
from odoo.exceptions import ValidationError


class SaleSubscriptionPricing(models.Model):
    _name = 'sale.subscription.pricing'
    _description = "Recurring Price"
    _order = 'product_template_id, plan_id, pricelist_id, id'
    _check_company_auto = True

    product_template_id = fields.Many2one(
        'product.template', string="Product", required=True, ondelete='cascade', index=True,
        check_company=True)
    product_id = fields.Many2one(
        'product.product', string="Variant", ondelete='cascade', check_company=True,
        domain="[('product_tmpl_id', '=', product_template_id)]",
        help="Leave empty to apply the price to every variant of the product.")
    plan_id = fields.Many2one(
        'sale.subscription.plan', string="Plan", required=True, ondelete='cascade', index=True,
        check_company=True)
    pricelist_id = fields.Many2one(
        'product.pricelist', string="Pricelist", ondelete='cascade', check_company=True,
        help="Leave empty to use this price with any pricelist; it is then in the company currency.")
    company_id = fields.Many2one(
        'res.company', compute='_compute_company_id', store=True, index=True,
        help="The product's company, or the plan's for a product shared between companies.")
    currency_id = fields.Many2one(
        'res.currency', compute='_compute_currency_id', store=True)
    price = fields.Monetary(
        string="Recurring Price", required=True, currency_field='currency_id',
        help="Untaxed price of one unit of the product's unit of measure for one billing period.")

    @api.depends('product_template_id.company_id', 'plan_id.company_id')
    def _compute_company_id(self):
        for pricing in self:
            pricing.company_id = pricing.product_template_id.company_id or pricing.plan_id.company_id

    @api.depends('pricelist_id', 'company_id')
    def _compute_currency_id(self):
        for pricing in self:
            pricing.currency_id = (
                pricing.pricelist_id.currency_id
                or pricing.company_id.currency_id
                or self.env.company.currency_id
            )

    @api.constrains('product_template_id', 'product_id', 'plan_id', 'pricelist_id')
    def _check_unique_pricing(self):
        for pricing in self:
            duplicates = self.search_count([
                ('id', '!=', pricing.id),
                ('product_template_id', '=', pricing.product_template_id.id),
                ('product_id', '=', pricing.product_id.id),
                ('plan_id', '=', pricing.plan_id.id),
                ('pricelist_id', '=', pricing.pricelist_id.id),
            ])
            if not duplicates:
                continue
            product = pricing.product_id.display_name or pricing.product_template_id.display_name
            if pricing.pricelist_id:
                raise ValidationError(self.env._(
                    "Product \"%(product)s\" already has a recurring price for plan \"%(plan)s\" "
                    "and pricelist \"%(pricelist)s\". Edit that price instead of adding another.",
                    product=product, plan=pricing.plan_id.name, pricelist=pricing.pricelist_id.name,
                ))
            raise ValidationError(self.env._(
                "Product \"%(product)s\" already has a recurring price for plan \"%(plan)s\" "
                "without a pricelist. Edit that price instead of adding another.",
                product=product, plan=pricing.plan_id.name,
            ))

    @api.constrains('price')
    def _check_price(self):
        for pricing in self:
            if pricing.price < 0:
                raise ValidationError(self.env._(
                    "The recurring price of \"%(product)s\" for plan \"%(plan)s\" is %(price)s: "
                    "it cannot be negative. Use a line discount or a credit note for reductions.",
                    product=pricing.product_template_id.display_name,
                    plan=pricing.plan_id.name, price=pricing.price,
                ))

    @api.model
    def _find_pricing(self, product, plan, pricelist):
        """Return the recurring price of ``product`` on ``plan`` for ``pricelist``.

        The most specific match wins: the variant before the template, then
        the pricelist before the pricelist-free price. Returns an empty
        recordset when the product has no price for the plan.
        """
        candidates = product.product_tmpl_id.subscription_pricing_ids.filtered(
            lambda p: p.plan_id == plan
            and (not p.product_id or p.product_id == product)
            and (not p.pricelist_id or p.pricelist_id == pricelist)
        )
        if not candidates:
            return candidates
        return candidates.sorted(
            lambda p: (bool(p.pricelist_id), bool(p.product_id)), reverse=True,
        )[:1]
