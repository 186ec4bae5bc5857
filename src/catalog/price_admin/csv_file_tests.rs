use super::*;

fn problems(text: &str) -> Vec<Problem> {
    read(text.as_bytes()).expect_err("problems")
}

#[test]
fn reads_commas_semicolons_quotes_and_a_bom() {
    let comma = "code,name,category,unit,price\nVID-X,\"Vidrio, especial\",glass,m2,85.50\n";
    let rows = read(comma.as_bytes()).expect("rows");
    assert_eq!(rows[0].name.as_deref(), Some("Vidrio, especial"));
    assert_eq!(rows[0].price.to_string(), "85.50");
    assert_eq!(rows[0].line, 2);
    let semi = "\u{feff}code;price;active\r\nVID-X;85.5;false\r\n";
    let rows = read(semi.as_bytes()).expect("rows");
    assert_eq!(
        (rows[0].code.as_str(), rows[0].active),
        ("VID-X", Some(false))
    );
    assert_eq!(
        rows[0].category, None,
        "absent columns keep what the material has"
    );
    assert_eq!(rows[0].bar_length_m, None);
}

#[test]
fn a_decimal_comma_is_named_as_such() {
    let found = problems("code;price\nVID-X;85,50\n");
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].line, found[0].column.as_str()), (2, "price"));
    assert_eq!(found[0].value, "85,50");
    assert!(
        found[0].reason().contains("decimal comma"),
        "{}",
        found[0].reason()
    );
    let quoted = problems("code,price\nVID-X,\"85,50\"\n");
    assert!(
        quoted[0].reason().contains("85.50"),
        "{}",
        quoted[0].reason()
    );
}

#[test]
fn every_problem_is_reported_with_its_physical_line() {
    let text = "code,name,category,unit,price,active\n\
                VID-A,Vidrio A,glass,m2,10.00,true\n\
                bad code,B,glass,m2,abc,maybe\n\
                \"VID-C\",\"multi\nline\",wood,m2,1.00,true\n\
                VID-A,again,glass,m2,12.00,true\n\
                VID-D,D,glass,m2\n";
    let found = problems(text);
    let summary: Vec<(u64, &str)> = found.iter().map(|p| (p.line, p.column.as_str())).collect();
    assert_eq!(
        summary,
        [
            (3, "code"),
            (3, "price"),
            (3, "active"),
            (4, "category"),
            (6, "code"),
            (7, ""),
        ]
    );
    assert!(
        found[4].reason().contains("line 2"),
        "{}",
        found[4].reason()
    );
}

#[test]
fn the_header_must_name_known_columns_and_the_required_ones() {
    let found = problems("code,prize\nVID-A,1.00\n");
    let columns: Vec<&str> = found.iter().map(|p| p.column.as_str()).collect();
    assert_eq!(columns, ["prize", "price"]);
    assert!(found.iter().all(|p| p.line == 1));
    assert_eq!(problems("")[0].line, 1);
    assert!(problems("code,price\n")[0]
        .reason()
        .contains("no materials"));
}

#[test]
fn currency_source_and_encoding_are_checked() {
    let found = problems("code,price,currency,source\nVID-A,1.00,USD,mine\n");
    let columns: Vec<&str> = found.iter().map(|p| p.column.as_str()).collect();
    assert_eq!(columns, ["currency", "source"]);
    let latin1 = b"code,name,price\nVID-A,Cristal\xf1o,1.00\n";
    let found = read(latin1).expect_err("not UTF-8");
    assert_eq!((found[0].column.as_str(), found[0].line), ("name", 2));
    assert!(found[0].reason().contains("UTF-8"));
}

#[test]
fn an_export_reads_back_as_the_same_rows() {
    let material = Material {
        code: "PER-X".to_owned(),
        name: "Perfil \"X\", 3\"".to_owned(),
        category: Category::Profile,
        unit: Unit::M,
        price: Money::parse("52.00").expect("money"),
        currency: CURRENCY.to_owned(),
        bar_length_m: Metres::parse("6").ok(),
        active: true,
        source: Source::Global,
        version: 1,
        updated_at: chrono::Utc::now(),
    };
    let file = export(std::slice::from_ref(&material)).expect("export");
    let text = String::from_utf8(file.clone()).expect("utf-8");
    assert!(text.starts_with("code,name,category,unit,price,currency,bar_length_m,active,source\n"));
    assert!(text.contains("52.00,MXN,6.000,true,global"), "{text}");
    let rows = read(&file).expect("reads back");
    assert_eq!(rows[0].name.as_deref(), Some(material.name.as_str()));
    assert_eq!(rows[0].bar_length_m, Some(material.bar_length_m));
    assert_eq!(
        (rows[0].category, rows[0].unit),
        (Some(Category::Profile), Some(Unit::M))
    );
}
