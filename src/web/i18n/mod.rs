//! Every text the web app shows, in one catalogue per language. A catalogue is a
//! typed struct: a template that names a text the catalogue lacks does not compile,
//! and a new language is one more value of [`Texts`] (the compiler lists every text
//! it still needs). Texts with `{name}` placeholders are filled with [`fill`].

mod es_mx;

pub use es_mx::ES_MX;

/// One language's texts.
#[derive(Debug, serde::Serialize)]
pub struct Texts {
    /// The page's `lang`, e.g. `es-MX`.
    pub lang: &'static str,
    pub app_name: &'static str,
    pub skip_link: &'static str,
    pub nav_label: &'static str,
    pub nav_catalog: &'static str,
    pub signed_in_as: &'static str,
    pub logout: &'static str,

    pub login_title: &'static str,
    pub login_intro: &'static str,
    pub shop_label: &'static str,
    pub shop_hint: &'static str,
    pub email_label: &'static str,
    pub password_label: &'static str,
    pub login_button: &'static str,
    pub login_wrong: &'static str,
    /// `{minutes}`: when to try again.
    pub login_locked: &'static str,
    /// `{seconds}`: when to try again.
    pub login_throttled: &'static str,
    pub login_inactive: &'static str,
    pub login_expired: &'static str,
    pub login_password_too_long: &'static str,
    pub logged_out: &'static str,

    pub catalog_title: &'static str,
    pub filter_legend: &'static str,
    pub category_label: &'static str,
    pub category_all: &'static str,
    pub search_label: &'static str,
    pub search_button: &'static str,
    pub clear_filters: &'static str,
    pub col_code: &'static str,
    pub col_name: &'static str,
    pub col_unit: &'static str,
    pub col_price: &'static str,
    pub col_source: &'static str,
    pub col_actions: &'static str,
    pub source_tenant: &'static str,
    pub source_global: &'static str,
    /// `{code}`: the material.
    pub new_price_label: &'static str,
    pub save_price: &'static str,
    pub restore_default: &'static str,
    pub history_link: &'static str,
    pub no_materials: &'static str,
    pub read_only_note: &'static str,
    /// `{code}`, `{price}`.
    pub price_saved: &'static str,
    /// `{code}`.
    pub price_restored: &'static str,
    /// `{who}`, `{code}`, `{price}`.
    pub price_stale: &'static str,
    pub someone_else: &'static str,
    pub price_invalid: &'static str,

    pub category_glass: &'static str,
    pub category_profile: &'static str,
    pub category_hardware: &'static str,
    pub category_consumable: &'static str,
    pub unit_m2: &'static str,
    pub unit_m: &'static str,
    pub unit_piece: &'static str,
    pub unit_cartridge: &'static str,
    pub unit_kg: &'static str,
    pub unit_l: &'static str,

    /// `{code}`.
    pub history_title: &'static str,
    pub current_price: &'static str,
    pub col_date: &'static str,
    pub col_kind: &'static str,
    pub col_old: &'static str,
    pub col_new: &'static str,
    pub col_user: &'static str,
    pub kind_edit: &'static str,
    pub kind_bulk: &'static str,
    pub kind_import: &'static str,
    pub kind_revert: &'static str,
    pub kind_seed: &'static str,
    pub kind_platform: &'static str,
    pub kind_withdrawn: &'static str,
    pub no_history: &'static str,
    pub back_to_catalog: &'static str,
    pub nobody: &'static str,

    pub nav_prices: &'static str,
    pub prices_history_title: &'static str,
    pub history_filters: &'static str,
    pub batch_label: &'static str,
    pub from_label: &'static str,
    pub to_label: &'static str,
    pub user_all: &'static str,
    pub filter_button: &'static str,
    /// `{field}`: the filter's label.
    pub filter_invalid: &'static str,
    pub dates_reversed: &'static str,
    /// `{total}`: how many changes match.
    pub history_total: &'static str,
    pub older_page: &'static str,
    pub first_page: &'static str,
    pub as_of_legend: &'static str,
    pub as_of_date_label: &'static str,
    pub as_of_button: &'static str,
    /// `{code}`, `{date}`, `{price}`, `{source}`, `{set}`.
    pub as_of_found: &'static str,
    /// `{code}`, `{date}`.
    pub as_of_missing: &'static str,
    pub as_of_invalid: &'static str,
    pub export_csv: &'static str,

    pub prices_admin_title: &'static str,
    pub prices_history_link: &'static str,
    pub bulk_legend: &'static str,
    pub bulk_intro: &'static str,
    pub codes_label: &'static str,
    pub prefix_label: &'static str,
    pub inherited_label: &'static str,
    pub change_label: &'static str,
    pub change_percent: &'static str,
    pub change_amount: &'static str,
    pub change_set: &'static str,
    pub value_label: &'static str,
    pub value_hint: &'static str,
    pub step_label: &'static str,
    pub step_hint: &'static str,
    pub mode_label: &'static str,
    pub mode_up: &'static str,
    pub mode_nearest: &'static str,
    pub mode_down: &'static str,
    pub preview_button: &'static str,
    pub preview_title: &'static str,
    /// `{count}`: how many prices would change.
    pub preview_count: &'static str,
    pub apply_button: &'static str,
    pub bulk_category_invalid: &'static str,
    pub bulk_codes_invalid: &'static str,
    /// `{codes}`: the unknown codes.
    pub bulk_codes_unknown: &'static str,
    pub bulk_prefix_invalid: &'static str,
    pub bulk_change_missing: &'static str,
    pub bulk_value_invalid: &'static str,
    /// `{code}`: the material whose new price would be out of range.
    pub bulk_price_out_of_range: &'static str,
    pub bulk_step_invalid: &'static str,
    pub bulk_no_match: &'static str,
    pub bulk_no_change: &'static str,
    pub preview_outdated: &'static str,
    /// `{batch}`, `{count}`.
    pub bulk_applied: &'static str,
    pub batches_title: &'static str,
    pub col_count: &'static str,
    pub col_state: &'static str,
    /// `{batch}`: the revert that undid it.
    pub batch_reverted_by: &'static str,
    /// `{batch}`: the batch it undoes.
    pub batch_reverts: &'static str,
    pub batch_changes_link: &'static str,
    pub revert_button: &'static str,
    /// `{batch}`.
    pub revert_label: &'static str,
    pub no_batches: &'static str,
    /// `{batch}`, `{count}`: the revert's batch.
    pub batch_reverted: &'static str,
    /// `{batch}`, `{codes}`.
    pub batch_superseded: &'static str,
    pub revert_force_button: &'static str,
    pub nothing_to_revert: &'static str,
    pub csv_title: &'static str,
    pub import_intro: &'static str,
    pub file_label: &'static str,
    pub import_check_button: &'static str,
    /// `{count}`: how many problems.
    pub import_problems: &'static str,
    pub col_line: &'static str,
    pub col_column: &'static str,
    pub col_value: &'static str,
    pub col_problem: &'static str,
    /// `{created}`, `{updated}`, `{unchanged}`.
    pub import_ready: &'static str,
    pub import_new: &'static str,
    pub import_updated: &'static str,
    pub col_change: &'static str,
    pub import_confirm_button: &'static str,
    pub import_nothing: &'static str,
    /// `{created}`, `{updated}`.
    pub import_done: &'static str,
    pub import_no_file: &'static str,
    /// `{max}`: the limit in bytes.
    pub import_too_large: &'static str,
    pub import_outdated: &'static str,

    pub nav_clients: &'static str,
    pub clients_title: &'static str,
    pub clients_search_legend: &'static str,
    pub clients_search_label: &'static str,
    pub show_archived: &'static str,
    pub new_client: &'static str,
    /// `{total}`: how many clients match.
    pub clients_total: &'static str,
    pub no_clients: &'static str,
    pub more_clients: &'static str,
    pub clients_first_page: &'static str,
    pub clients_search_invalid: &'static str,
    pub clients_read_only: &'static str,
    pub client_active: &'static str,
    pub client_archived: &'static str,
    pub client_name_label: &'static str,
    pub rfc_label: &'static str,
    pub rfc_hint: &'static str,
    pub phone_label: &'static str,
    pub address_label: &'static str,
    pub notes_label: &'static str,
    pub notes_hint: &'static str,
    pub discount_label: &'static str,
    pub discount_hint: &'static str,
    pub create_client: &'static str,
    pub save_client: &'static str,
    pub archive_client: &'static str,
    pub restore_client: &'static str,
    pub back_to_clients: &'static str,
    pub client_archived_note: &'static str,
    /// `{at}`: date and time.
    pub client_updated: &'static str,
    /// `{name}`: the client.
    pub client_created: &'static str,
    /// `{name}`.
    pub client_saved: &'static str,
    /// `{name}`.
    pub client_archived_notice: &'static str,
    /// `{name}`.
    pub client_restored_notice: &'static str,
    pub client_problems: &'static str,
    pub client_name_invalid: &'static str,
    pub client_rfc_invalid: &'static str,
    pub client_email_invalid: &'static str,
    pub client_phone_invalid: &'static str,
    pub client_address_invalid: &'static str,
    pub client_notes_invalid: &'static str,
    pub client_discount_invalid: &'static str,
    /// `{field}`: the field's label.
    pub client_field_nul: &'static str,
    /// `{at}`: when it changed.
    pub client_stale: &'static str,
    /// `{field}`, `{yours}`, `{now}`.
    pub client_stale_field: &'static str,
    pub empty_value: &'static str,

    pub nav_quote: &'static str,
    pub quote_builder_title: &'static str,
    pub quote_intro: &'static str,
    /// `{row}`: the row's number, from 1.
    pub quote_row_legend: &'static str,
    pub quote_product_label: &'static str,
    pub quote_width_label: &'static str,
    pub quote_height_label: &'static str,
    pub quote_glass_label: &'static str,
    pub quote_colour_label: &'static str,
    pub quote_quantity_label: &'static str,
    pub quote_choose: &'static str,
    pub quote_glass_default: &'static str,
    pub quote_colour_none: &'static str,
    pub quote_add_row: &'static str,
    pub quote_calculate: &'static str,
    pub quote_results_title: &'static str,
    pub quote_nothing_yet: &'static str,
    pub quote_problems: &'static str,
    pub col_row: &'static str,
    pub col_product: &'static str,
    pub col_size: &'static str,
    pub col_quantity: &'static str,
    pub col_profiles: &'static str,
    pub col_glass: &'static str,
    pub col_hardware: &'static str,
    pub col_consumables: &'static str,
    pub col_labour: &'static str,
    pub col_subtotal: &'static str,
    /// `{width}`, `{height}`: in cm.
    pub quote_size: &'static str,
    pub quote_cost: &'static str,
    pub quote_profit: &'static str,
    pub quote_indirect: &'static str,
    pub quote_discount: &'static str,
    pub quote_before_tax: &'static str,
    pub quote_tax: &'static str,
    pub quote_total: &'static str,
    pub quote_save_legend: &'static str,
    pub quote_client_label: &'static str,
    pub quote_save: &'static str,
    pub quote_no_clients: &'static str,
    /// `{row}`: the row's number; `{field}`: its label; `{problem}`: what is wrong.
    pub quote_row_problem: &'static str,
    pub quote_product_missing: &'static str,
    pub quote_product_unknown: &'static str,
    pub quote_size_invalid: &'static str,
    /// `{min}`, `{max}`: the product's range in cm.
    pub quote_size_range: &'static str,
    pub quote_quantity_invalid: &'static str,
    pub quote_glass_invalid: &'static str,
    pub quote_colour_invalid: &'static str,
    pub quote_invalid: &'static str,
    pub quote_client_missing: &'static str,
    pub quote_no_items: &'static str,
    pub quote_save_busy: &'static str,
    pub quote_terms_legend: &'static str,
    pub quote_terms_hint: &'static str,
    pub quote_profit_label: &'static str,
    pub quote_indirect_label: &'static str,
    pub quote_discount_label: &'static str,
    pub quote_tax_label: &'static str,
    pub quote_tax_default: &'static str,
    pub quote_term_problem: &'static str,
    pub quote_percent_invalid: &'static str,
    pub quote_tax_invalid: &'static str,
    pub quote_title_label: &'static str,
    pub quote_notes_label: &'static str,
    pub quote_text_invalid: &'static str,
    /// `{number}`: e.g. COT-000042.
    pub quote_title: &'static str,
    /// `{number}`: e.g. COT-000042.
    pub quote_saved: &'static str,
    pub quote_number_label: &'static str,
    pub quote_status_label: &'static str,
    pub quote_created_label: &'static str,
    pub quote_pdf: &'static str,
    pub quote_new: &'static str,
    pub quote_status_draft: &'static str,
    pub quote_status_sent: &'static str,
    pub quote_status_accepted: &'static str,
    pub quote_status_rejected: &'static str,
    pub quote_status_expired: &'static str,
    pub nav_quotes: &'static str,
    pub quotes_title: &'static str,
    pub quotes_filter_legend: &'static str,
    pub quotes_search_label: &'static str,
    pub quotes_status_all: &'static str,
    /// `{total}`.
    pub quotes_total: &'static str,
    pub quotes_none: &'static str,
    pub quotes_older: &'static str,
    pub quotes_newest: &'static str,
    pub quotes_search_invalid: &'static str,
    /// `{name}`.
    pub quotes_of_client: &'static str,
    pub quote_updated_label: &'static str,
    pub quote_read_only: &'static str,
    pub quote_send: &'static str,
    pub quote_accept: &'static str,
    pub quote_reject: &'static str,
    pub quote_revise: &'static str,
    pub quote_duplicate: &'static str,
    /// `{number}`.
    pub quote_sent_notice: &'static str,
    /// `{number}`.
    pub quote_accepted_notice: &'static str,
    /// `{number}`.
    pub quote_rejected_notice: &'static str,
    /// `{version}`, `{number}`.
    pub quote_revised_notice: &'static str,
    /// `{number}`.
    pub quote_duplicated_notice: &'static str,
    pub quote_stale: &'static str,
    /// `{status}`, `{action}`.
    pub quote_wrong_status: &'static str,
    /// `{total}`, `{before}`.
    pub quote_repriced: &'static str,
    pub quote_client_archived: &'static str,
    pub quote_verb_send: &'static str,
    pub quote_verb_accept: &'static str,
    pub quote_verb_reject: &'static str,
    pub quote_verb_revise: &'static str,
    pub quote_versions_title: &'static str,
    pub quote_version_label: &'static str,
    pub quote_priced_label: &'static str,
    pub quote_sent_label: &'static str,
    pub quote_not_sent: &'static str,
    /// `{version}`.
    pub quote_version_pdf: &'static str,
    pub quote_history_title: &'static str,
    pub quote_history_who: &'static str,
    pub quote_history_what: &'static str,
    pub quote_history_when: &'static str,
    pub quote_event_created: &'static str,
    pub quote_event_edited: &'static str,
    pub quote_event_sent: &'static str,
    pub quote_event_accepted: &'static str,
    pub quote_event_rejected: &'static str,
    pub quote_event_revised: &'static str,
    /// `{what}`, `{version}`.
    pub quote_event_line: &'static str,
    pub client_quotes_title: &'static str,
    pub client_quotes_none: &'static str,
    /// `{total}`.
    pub client_quotes_all: &'static str,

    pub error_title: &'static str,
    pub error_forbidden: &'static str,
    pub error_not_found: &'static str,
    pub error_csrf: &'static str,
    pub error_bad_request: &'static str,
    /// `{reference}`: the log's reference id.
    pub error_server: &'static str,
    pub error_busy: &'static str,

    /// `{d}`, `{m}`, `{y}`.
    pub date_pattern: &'static str,
    pub months: [&'static str; 12],
}

/// `template` with each `{name}` replaced by its value.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_owned();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_of_the_spanish_catalogue_is_written() {
        let json = serde_json::to_value(&ES_MX).expect("serializes");
        let map = json.as_object().expect("an object");
        for (key, value) in map {
            match value {
                serde_json::Value::String(text) => {
                    assert!(!text.trim().is_empty(), "{key} is empty");
                }
                serde_json::Value::Array(items) => assert!(
                    items
                        .iter()
                        .all(|i| i.as_str().is_some_and(|s| !s.is_empty())),
                    "{key} has an empty entry"
                ),
                other => panic!("{key} is {other}"),
            }
        }
        assert_eq!(ES_MX.lang, "es-MX");
    }

    #[test]
    fn placeholders_are_filled_by_name() {
        assert_eq!(
            fill(ES_MX.price_saved, &[("code", "VID-1"), ("price", "$1.00")]),
            "Precio de VID-1 guardado: $1.00."
        );
        for (text, names) in [
            (ES_MX.login_locked, &["minutes"][..]),
            (ES_MX.login_throttled, &["seconds"]),
            (ES_MX.price_stale, &["who", "code", "price"]),
            (ES_MX.history_title, &["code"]),
            (ES_MX.new_price_label, &["code"]),
            (ES_MX.error_server, &["reference"]),
            (ES_MX.filter_invalid, &["field"]),
            (ES_MX.history_total, &["total"]),
            (
                ES_MX.as_of_found,
                &["code", "date", "price", "source", "set"],
            ),
            (ES_MX.as_of_missing, &["code", "date"]),
            (ES_MX.preview_count, &["count"]),
            (ES_MX.bulk_codes_unknown, &["codes"]),
            (ES_MX.bulk_price_out_of_range, &["code"]),
            (ES_MX.bulk_applied, &["batch", "count"]),
            (ES_MX.batch_reverted_by, &["batch"]),
            (ES_MX.batch_reverts, &["batch"]),
            (ES_MX.revert_label, &["batch"]),
            (ES_MX.batch_reverted, &["batch", "count"]),
            (ES_MX.batch_superseded, &["batch", "codes"]),
            (ES_MX.import_problems, &["count"]),
            (ES_MX.import_ready, &["created", "updated", "unchanged"]),
            (ES_MX.import_done, &["created", "updated"]),
            (ES_MX.import_too_large, &["max"]),
            (ES_MX.clients_total, &["total"]),
            (ES_MX.client_field_nul, &["field"]),
            (ES_MX.client_updated, &["at"]),
            (ES_MX.client_created, &["name"]),
            (ES_MX.client_saved, &["name"]),
            (ES_MX.client_archived_notice, &["name"]),
            (ES_MX.client_restored_notice, &["name"]),
            (ES_MX.client_stale, &["at"]),
            (ES_MX.client_stale_field, &["field", "yours", "now"]),
            (ES_MX.quote_row_legend, &["row"]),
            (ES_MX.quote_size, &["width", "height"]),
            (ES_MX.quote_row_problem, &["row", "field", "problem"]),
            (ES_MX.quote_size_range, &["min", "max"]),
            (ES_MX.quote_title, &["number"]),
            (ES_MX.quote_saved, &["number"]),
            (ES_MX.quotes_total, &["total"]),
            (ES_MX.quotes_of_client, &["name"]),
            (ES_MX.quote_sent_notice, &["number"]),
            (ES_MX.quote_accepted_notice, &["number"]),
            (ES_MX.quote_rejected_notice, &["number"]),
            (ES_MX.quote_revised_notice, &["version", "number"]),
            (ES_MX.quote_duplicated_notice, &["number"]),
            (ES_MX.quote_wrong_status, &["status", "action"]),
            (ES_MX.quote_repriced, &["total", "before"]),
            (ES_MX.quote_version_pdf, &["version"]),
            (ES_MX.quote_event_line, &["what", "version"]),
            (ES_MX.client_quotes_all, &["total"]),
        ] {
            for name in names {
                assert!(text.contains(&format!("{{{name}}}")), "{text} lacks {name}");
            }
        }
    }
}
