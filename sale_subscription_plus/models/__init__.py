# Part of sale_subscription_plus. License LGPL-3.
from . import sale_subscription_plan
from . import sale_subscription_pricing
from . import sale_subscription_close_reason
from . import sale_subscription_event
from . import sale_subscription_change
from . import sale_subscription_change_line
from . import sale_subscription_adjustment
from . import sale_subscription_mrr_movement
from . import sale_subscription_cohort
from . import product_template
from . import sale_order_template
from . import sale_order
from . import sale_order_line
from . import account_move
from . import account_move_line
from . import res_company
