# Part of sale_subscription_plus. License LGPL-3.
from . import test_access_rights
from . import test_input_checks
from . import test_invoicing_job_recovery
from . import test_recurring_invoicing
from . import test_recurring_monthly
from . import test_subscription_pricing
from . import test_thai_translation
from . import test_lifecycle
from . import test_mrr_analytics
from . import test_cohort_report
from . import test_forecast_report
