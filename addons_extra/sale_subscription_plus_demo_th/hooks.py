# Part of sale_subscription_plus. License LGPL-3.
from .generator import generate_demo


def post_init_hook(env):
    generate_demo(env)
