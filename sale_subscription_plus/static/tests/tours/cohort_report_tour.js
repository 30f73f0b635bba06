/** @odoo-module **/
// Part of sale_subscription_plus. License LGPL-3.

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// The Python test creates one cohort two months ago: two customers at 1,000
// per month, one of them closed today. So today's cell shows 50.0 %.
registry.category("web_tour.tours").add("sale_subscription_plus_cohort_report", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("sale.sale_menu_root", "Open the Sales app"),
        {
            content: "Open the Subscriptions menu",
            trigger: 'button[data-menu-xmlid="sale_subscription_plus.sale_subscription_menu"]',
            run: "click",
        },
        {
            content: "Open the cohort analysis",
            trigger: 'a[data-menu-xmlid="sale_subscription_plus.sale_subscription_cohort_menu"]',
            run: "click",
        },
        {
            content: "The cohort has two customers",
            trigger: ".o_cohort_row .o_cohort_size:contains(2)",
        },
        {
            content: "Two months after acquisition, one customer of two is left",
            trigger: ".o_cohort_row .o_cohort_cell.o_cohort_current:contains(50.0 %)",
        },
        {
            content: "Switch to revenue retention",
            trigger: "select.o_cohort_measure",
            run: "select revenue",
        },
        {
            content: "The help text describes revenue retention",
            trigger: ".o_cohort_help:contains(MRR of the cohort's customers)",
        },
        {
            content: "The starting MRR is the MRR at the end of the first month",
            trigger: ".o_cohort_row .o_cohort_start_mrr:contains(2,000.00)",
        },
        {
            content: "Split the cohorts by plan",
            trigger: "select.o_cohort_groupby",
            run: "select plan_id",
        },
        {
            content: "The plan of the customers' first subscription is shown",
            trigger: ".o_cohort_row .o_cohort_group:contains(Monthly)",
        },
        {
            content: "Switch to yearly cohorts",
            trigger: "select.o_cohort_period",
            run: "select year",
        },
        {
            content: "Columns count years since acquisition",
            trigger: "th.o_cohort_column:contains(Year 0)",
        },
    ],
});
