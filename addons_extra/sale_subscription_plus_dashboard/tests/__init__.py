# Part of sale_subscription_plus. License LGPL-3.
from . import test_dashboard_definition
from . import test_dashboard_data
from . import test_dashboard_browser
