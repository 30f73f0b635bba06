# Part of sale_subscription_plus. License LGPL-3.
from . import models
from . import report
from . import wizard
