//! The codebase's layout rules, checked on the source itself so they hold as the
//! team grows: small files, SQL only in `repo.rs` files, a pure pricing engine, one
//! `#[OpenApi]` per URL prefix in one file, and no area reaching back into the
//! composition root.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Every `.rs` file under `src/`, with its text.
fn sources() -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .expect("src is readable")
            .map(|e| e.expect("entry").path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("source is UTF-8");
                out.push((path, text));
            }
        }
    }
    let mut out = Vec::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut out);
    assert!(out.len() > 50, "found the sources");
    out
}

fn relative(path: &Path) -> String {
    path.strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .expect("under the crate")
        .display()
        .to_string()
}

#[test]
fn no_source_file_is_over_600_lines() {
    let long: Vec<String> = sources()
        .iter()
        .filter(|(_, text)| text.lines().count() > 600)
        .map(|(path, text)| format!("{} ({} lines)", relative(path), text.lines().count()))
        .collect();
    assert!(long.is_empty(), "split these by concern: {long:?}");
}

#[test]
fn sql_lives_only_in_repo_files() {
    let offenders: Vec<String> = sources()
        .iter()
        .filter(|(path, text)| {
            path.file_name().is_some_and(|n| n != "repo.rs")
                && (text.contains("sqlx::query")
                    || text.contains("query_as(")
                    || text.contains("query_scalar("))
        })
        .map(|(path, _)| relative(path))
        .collect();
    assert!(
        offenders.is_empty(),
        "move this SQL to the area's repo.rs: {offenders:?}"
    );
}

#[test]
fn the_pricing_engine_knows_nothing_of_http_or_sql() {
    let offenders: Vec<String> = sources()
        .iter()
        .filter(|(path, _)| relative(path).starts_with("src/pricing/"))
        .filter(|(_, text)| text.contains("poem") || text.contains("sqlx"))
        .map(|(path, _)| relative(path))
        .collect();
    assert!(
        offenders.is_empty(),
        "pricing must stay pure: {offenders:?}"
    );
}

#[test]
fn each_url_prefix_has_one_openapi_in_one_file() {
    let mut prefixes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut without_prefix = Vec::new();
    for (path, text) in sources() {
        for attribute in text.split("#[OpenApi(").skip(1) {
            let attribute = attribute.split(")]").next().unwrap_or_default();
            match attribute
                .split("prefix_path = \"")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
            {
                Some(prefix) => prefixes
                    .entry(prefix.to_owned())
                    .or_default()
                    .push(relative(&path)),
                None => without_prefix.push(relative(&path)),
            }
        }
    }
    let shared: Vec<_> = prefixes
        .iter()
        .filter(|(_, files)| files.len() > 1)
        .collect();
    assert!(shared.is_empty(), "one OpenApi per prefix: {shared:?}");
    // Operations endpoints (/health, /ready, /metrics) sit at the root by design.
    assert_eq!(
        without_prefix,
        ["src/ops/api.rs"],
        "every other API has a prefix"
    );
    // No prefix is nested in another's file set: /api/v1/materials/{code}/colours is
    // served by the materials API, not a second one.
    for (prefix, files) in &prefixes {
        for (other, other_files) in &prefixes {
            if other != prefix && other.starts_with(&format!("{prefix}/")) {
                assert_eq!(
                    files, other_files,
                    "{other} belongs in the file of {prefix}"
                );
            }
        }
    }
}

#[test]
fn no_area_imports_the_composition_root() {
    let offenders: Vec<String> = sources()
        .iter()
        .filter(|(path, _)| {
            !["src/api.rs", "src/lib.rs", "src/startup.rs"].contains(&relative(path).as_str())
        })
        .filter(|(_, text)| {
            // Unit tests may build the whole API; the code itself may not reach it.
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            code.contains("crate::api::") || code.contains("crate::api;")
        })
        .map(|(path, _)| relative(path))
        .collect();
    assert!(
        offenders.is_empty(),
        "areas import leaf modules, not crate::api: {offenders:?}"
    );
}
