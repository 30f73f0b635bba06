# Part of sale_subscription_plus. License LGPL-3.
from . import sale_subscription_mrr_report
from . import sale_subscription_kpi_report
