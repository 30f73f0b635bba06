# Part of sale_subscription_plus. License LGPL-3.
import os
import re

import polib

from odoo.exceptions import ValidationError
from odoo.tests import freeze_time, tagged
from odoo.tools.misc import file_path

from .common import SubscriptionCommon

THAI_SCRIPT = re.compile('[\u0e00-\u0e7f]')


@tagged('post_install', '-at_install')
class TestThaiTranslation(SubscriptionCommon):
    """The Thai .po file loads, and labels, messages and invoice lines come out in Thai.

    The expected Thai text is read from the .po file, and the test checks
    that Odoo returns that text once the language is loaded.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.po_path = os.path.join(file_path('sale_subscription_plus'), 'i18n', 'th.po')

    def _load_thai(self):
        self.assertTrue(
            os.path.isfile(self.po_path),
            f"the Thai translation file {self.po_path} is missing",
        )
        self.env['res.lang']._activate_lang('th_TH')
        module = self.env['ir.module.module'].search([('name', '=', 'sale_subscription_plus')])
        module._update_translations('th_TH')
        return polib.pofile(self.po_path)

    def _thai_text(self, po, msgid):
        """Return the Thai translation of ``msgid`` in ``po``, failing the test when there is none."""
        entry = po.find(msgid)
        self.assertTrue(entry, f"{msgid!r} is not in th.po")
        self.assertFalse(entry.obsolete, f"{msgid!r} is obsolete in th.po")
        self.assertRegex(entry.msgstr, THAI_SCRIPT, f"{msgid!r} has no Thai translation in th.po")
        return entry.msgstr

    def test_field_labels_thai(self):
        po = self._load_thai()
        plans = self.env['sale.subscription.plan'].with_context(lang='th_TH')

        description = plans.fields_get(['billing_period_value', 'billing_period_unit'], ['string', 'selection'])

        self.assertEqual(description['billing_period_value']['string'], self._thai_text(po, "Billing Every"))
        self.assertEqual(
            dict(description['billing_period_unit']['selection'])['month'], self._thai_text(po, "Months"))

    def test_error_message_thai(self):
        po = self._load_thai()
        plans = self.env['sale.subscription.plan'].with_context(lang='th_TH')
        template = self._thai_text(
            po,
            'The billing period of plan "%(plan)s" is %(value)s: it must be at least 1. '
            'Enter 1 or more in "Billing Every".',
        )

        with self.assertRaises(ValidationError) as caught:
            plans.create({'name': "แผนทดสอบ", 'billing_period_value': 0})

        self.assertEqual(str(caught.exception), template % {'plan': "แผนทดสอบ", 'value': 0})

    def test_billing_period_display_thai(self):
        po = self._load_thai()

        display = self.plan_month.with_context(lang='th_TH').billing_period_display

        every = self._thai_text(po, "Every %(count)s %(unit)s")
        month = self._thai_text(po, "month")
        self.assertEqual(display, every % {'count': 1, 'unit': month})

    @freeze_time('2026-04-01')
    def test_invoice_period_label_thai(self):
        po = self._load_thai()
        self.customer.lang = 'th_TH'
        subscription = self._start_subscription('2026-04-01')

        self._run_invoicing_job()

        line = self._invoices(subscription).invoice_line_ids
        label = self._thai_text(po, "Period: %(start)s to %(end)s")
        # Thai dates are written day/month/year.
        self.assertIn(label % {'start': "01/04/2026", 'end': "30/04/2026"}, line.name)
