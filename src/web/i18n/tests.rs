use super::*;

/// Every text under `map` (sub-structs included) is written.
fn assert_written(prefix: &str, map: &serde_json::Map<String, serde_json::Value>) {
    for (key, value) in map {
        let key = format!("{prefix}{key}");
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
            serde_json::Value::Object(inner) => assert_written(&format!("{key}."), inner),
            other => panic!("{key} is {other}"),
        }
    }
}

#[test]
fn every_text_of_the_spanish_catalogue_is_written() {
    let json = serde_json::to_value(&ES_MX).expect("serializes");
    assert_written("", json.as_object().expect("an object"));
    assert!(json["admin_catalog"]["taxes"]["title"].is_string());
    assert!(json["builder"].is_object());
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
        (ES_MX.users_total, &["total"]),
        (ES_MX.user_field_nul, &["field"]),
        (ES_MX.user_created, &["email"]),
        (ES_MX.user_role_changed, &["email"]),
        (ES_MX.user_deactivated, &["email"]),
        (ES_MX.user_reactivated, &["email"]),
        (ES_MX.logo_too_large, &["kib"]),
        (ES_MX.labour_saved, &["type"]),
        (ES_MX.labour_rate_invalid, &["type"]),
        (ES_MX.labour_complexity_invalid, &["type"]),
    ] {
        for name in names {
            assert!(text.contains(&format!("{{{name}}}")), "{text} lacks {name}");
        }
    }
}

#[test]
fn the_admin_catalogue_placeholders_are_filled_by_name() {
    let texts = &ES_MX.admin_catalog;
    for (text, names) in [
        (texts.labour_restore_label, &["type"][..]),
        (texts.labour_restored, &["type"]),
        (texts.taxes.percent, &["rate"]),
        (texts.taxes.remove_label, &["code", "date"]),
        (texts.taxes.removed, &["code", "date"]),
        (texts.taxes.created, &["code", "date"]),
        (texts.taxes.exists, &["code", "date"]),
        (texts.taxes.in_use, &["code"]),
        (texts.colours.rename_label, &["code"]),
        (texts.colours.remove_label, &["code"]),
        (texts.colours.saved, &["code"]),
        (texts.colours.removed, &["code"]),
        (texts.webhooks.remove_label, &["url"]),
        (texts.webhooks.deliveries_label, &["url"]),
        (texts.products.kind_window, &["type"]),
        (texts.products.range, &["min", "max"]),
        (texts.webhooks.rotate_label, &["url"]),
        (texts.product_form.edit_title, &["code"]),
        (texts.product_form.line_legend, &["line"]),
        (texts.product_form.saved, &["code"]),
        (texts.product_form.removed, &["code"]),
        (texts.product_form.restored, &["code"]),
        (texts.product_form.exists, &["code"]),
        (texts.product_form.material_invalid, &["line"]),
        (texts.product_form.material_missing, &["line", "code"]),
        (
            texts.product_form.material_kind,
            &["line", "code", "category"],
        ),
        (texts.product_form.category_invalid, &["line"]),
        (texts.product_form.description_invalid, &["line"]),
        (texts.product_form.waste_invalid, &["line"]),
        (
            texts.product_form.formula_invalid,
            &["line", "field", "formula"],
        ),
        (
            texts.product_form.not_for_category,
            &["line", "field", "category"],
        ),
        (texts.product_form.piece_length_needed, &["line"]),
        (texts.product_form.piece_sizes_needed, &["line"]),
        (texts.product_form.line_field, &["line", "field"]),
    ] {
        for name in names {
            assert!(text.contains(&format!("{{{name}}}")), "{text} lacks {name}");
        }
    }
}
