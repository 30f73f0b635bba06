# Part of sale_subscription_plus. License LGPL-3.
