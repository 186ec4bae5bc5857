use super::*;
use crate::catalog::MaterialCode;

fn current(id: Option<MaterialId>, price: &str, active: bool) -> Current {
    Current {
        id,
        code: "VID-X".to_owned(),
        name: "Vidrio X".to_owned(),
        category: Category::Glass,
        unit: Unit::M2,
        price: price.parse().expect("decimal"),
        bar_length_m: None,
        active,
    }
}

fn row(price: &str) -> Row {
    Row {
        line: 2,
        code: MaterialCode::parse("VID-X").expect("code"),
        name: None,
        category: None,
        unit: None,
        price: Money::parse(price).expect("money"),
        bar_length_m: None,
        active: None,
    }
}

#[test]
fn a_row_equal_to_what_applies_changes_nothing() {
    let default = current(None, "85.00", true);
    let own = current(Some(MaterialId::new_random()), "90.00", true);
    let d = decide(&row("85.00"), None, Some(&default)).expect("decided");
    assert!(matches!(d.action, Action::Unchanged) && d.item.is_none());
    let d = decide(&row("90.00"), Some(&own), Some(&default)).expect("decided");
    assert!(matches!(d.action, Action::Unchanged) && d.item.is_none());
}

#[test]
fn a_new_price_for_a_default_makes_the_row_the_tenants_own() {
    let default = current(None, "85.00", true);
    let d = decide(&row("88.00"), None, Some(&default)).expect("decided");
    assert!(matches!(d.action, Action::Create(_)));
    let item = d.item.expect("a price change");
    assert_eq!((item.source, item.created_row), (Source::Global, true));
    assert_eq!(item.old.map(|m| m.to_string()).as_deref(), Some("85.00"));
}

#[test]
fn deactivating_withdraws_and_a_new_material_needs_its_fields() {
    let default = current(None, "85.00", true);
    let own = current(Some(MaterialId::new_random()), "90.00", true);
    let mut off = row("90.00");
    off.active = Some(false);
    let d = decide(&off, Some(&own), Some(&default)).expect("decided");
    let item = d.item.expect("a withdrawal");
    assert!(item.withdrawn);
    assert_eq!(item.new.to_string(), "85.00", "the default applies again");
    assert!(
        decide(&off, None, Some(&default)).is_err(),
        "a default cannot be deactivated"
    );

    let problems = decide(&row("10.00"), None, None).expect_err("problems");
    let columns: Vec<&str> = problems.iter().map(|p| p.column.as_str()).collect();
    assert_eq!(columns, ["name", "category", "unit"]);
}

#[test]
fn an_override_keeps_the_defaults_category_and_units_fit() {
    let default = current(None, "85.00", true);
    let mut profile = row("10.00");
    profile.category = Some(Category::Profile);
    profile.unit = Some(Unit::M);
    let problems = decide(&profile, None, Some(&default)).expect_err("problems");
    assert_eq!(problems[0].column, "category");
    let mut metres = row("10.00");
    metres.unit = Some(Unit::M);
    let problems = decide(&metres, None, Some(&default)).expect_err("problems");
    assert_eq!(
        (problems[0].column.as_str(), problems[0].value.as_str()),
        ("unit", "m")
    );
}
