# Part of sale_subscription_plus. License LGPL-3.
from . import sale_subscription_close_wizard
from . import sale_subscription_pause_wizard
from . import sale_subscription_reopen_wizard
from . import sale_subscription_change_wizard
from . import sale_subscription_change_wizard_line
