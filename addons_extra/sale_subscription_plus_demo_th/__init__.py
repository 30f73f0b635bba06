# Part of sale_subscription_plus. License LGPL-3.
from .hooks import post_init_hook
