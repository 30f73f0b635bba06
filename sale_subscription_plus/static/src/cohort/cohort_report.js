/** @odoo-module **/
// Part of sale_subscription_plus. License LGPL-3.

import { Component, onWillStart, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { KeepLast } from "@web/core/utils/concurrency";
import { useService } from "@web/core/utils/hooks";
import { formatFloat } from "@web/core/utils/numbers";
import { useSetupAction } from "@web/search/action_hook";
import { Layout } from "@web/search/layout";
import { standardActionServiceProps } from "@web/webclient/actions/action_service";

/**
 * Cohort retention grid of subscription customers: one row per acquisition
 * cohort (split by the chosen grouping), one column per period since
 * acquisition. The grid comes from sale.subscription.cohort.get_cohort_grid.
 */
export class SubscriptionCohortReport extends Component {
    static template = "sale_subscription_plus.CohortReport";
    static components = { Layout };
    static props = { ...standardActionServiceProps };

    setup() {
        this.orm = useService("orm");
        this.keepLast = new KeepLast();
        const context = this.props.action.context || {};
        const saved = this.props.state || {};
        this.state = useState({
            period: saved.period || context.cohort_period || "month",
            measure: saved.measure || context.cohort_measure || "logo",
            groupby: saved.groupby || context.cohort_groupby || "",
            dateFrom: saved.dateFrom || context.cohort_date_from || "",
            grid: null,
        });
        useSetupAction({
            getLocalState: () => ({
                period: this.state.period,
                measure: this.state.measure,
                groupby: this.state.groupby,
                dateFrom: this.state.dateFrom,
            }),
        });
        onWillStart(() => this.load());
    }

    get periodOptions() {
        return [
            ["month", _t("Monthly")],
            ["quarter", _t("Quarterly")],
            ["year", _t("Yearly")],
        ];
    }

    get measureOptions() {
        return [
            ["logo", _t("Logo retention (customers)")],
            ["revenue", _t("Revenue retention (MRR)")],
        ];
    }

    get groupbyOptions() {
        return [
            ["", _t("No grouping")],
            ["plan_id", _t("Plan")],
            ["template_id", _t("Template")],
            ["user_id", _t("Salesperson")],
            ["team_id", _t("Sales Team")],
            ["country_id", _t("Country")],
            ["product_id", _t("First Product")],
        ];
    }

    get groupbyLabel() {
        const option = this.groupbyOptions.find(([value]) => value === this.state.groupby);
        return option ? option[1] : "";
    }

    get offsetCaption() {
        return {
            month: _t("Months since acquisition"),
            quarter: _t("Quarters since acquisition"),
            year: _t("Years since acquisition"),
        }[this.state.period];
    }

    get measureHelp() {
        if (this.state.measure === "revenue") {
            return _t(
                "Each cell is the MRR of the cohort's customers at the end of the period, as a share of the cohort's MRR at the end of its first period. It can exceed 100 %."
            );
        }
        return _t(
            "Each cell is the share of the cohort's customers with MRR above zero at the end of the period."
        );
    }

    async load() {
        const grid = await this.keepLast.add(
            this.orm.call("sale.subscription.cohort", "get_cohort_grid", [], {
                period: this.state.period,
                measure: this.state.measure,
                groupby: this.state.groupby || false,
                date_from: this.state.dateFrom || false,
            })
        );
        this.state.grid = grid;
    }

    async onOptionChange(option, ev) {
        this.state[option] = ev.target.value;
        await this.load();
    }

    /**
     * Return whether the row at `index` starts a cohort. When a grouping
     * splits the cohorts, only that row shows the cohort's label.
     */
    isFirstOfCohort(index) {
        const rows = this.state.grid.rows;
        return index === 0 || rows[index - 1].cohort !== rows[index].cohort;
    }

    /**
     * @param {Object} row a row of the grid
     * @param {number} offset column index
     * @returns {string} the cell text: empty for a future period, a dash
     *   where the value is undefined (a cohort whose starting MRR is zero)
     */
    cellText(row, offset) {
        const value = row.cells[offset];
        if (value === null) {
            return offset > row.last_offset ? "" : "–";
        }
        return `${formatFloat(value, { digits: [false, 1] })} %`;
    }

    cellClass(row, offset) {
        const value = row.cells[offset];
        return {
            o_cohort_future: offset > row.last_offset,
            o_cohort_current: offset === row.last_offset,
            o_cohort_dark: value !== null && this.cellLevel(value) > 0.55,
            o_cohort_above: value !== null && value > 100,
        };
    }

    cellTitle(row, offset) {
        return offset === row.last_offset ? _t("Current period: measured today") : "";
    }

    /**
     * Map a percentage to the opacity of the cell colour: 0 % is almost
     * white and 100 % or more is the full colour.
     */
    cellLevel(value) {
        return 0.08 + 0.92 * Math.min(Math.max(value, 0), 100) / 100;
    }

    cellStyle(row, offset) {
        const value = row.cells[offset];
        if (value === null) {
            return "";
        }
        return `--o-cohort-level: ${this.cellLevel(value).toFixed(3)}`;
    }
}

registry.category("actions").add("sale_subscription_plus.cohort_report", SubscriptionCohortReport);
