//! The shipped deploy files agree with the code: the configuration keys they set
//! exist, nginx lets through every body the app accepts, and the alert rules and
//! dashboard only read metrics the app exports. (Whether each file is valid for
//! its tool, `nginx -t`, `promtool`, `systemd-analyze` and the Kubernetes schemas,
//! is checked by `deploy/check/run`.)

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &str) -> String {
    fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("read {path}: {e}"))
}

/// Every file under `dir` (relative to the repository), recursively.
fn files_under(dir: &str) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in fs::read_dir(dir).expect("read dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&root().join(dir), &mut out);
    out
}

/// `section.key` for every key of config/default.toml.
fn configuration_keys() -> BTreeSet<String> {
    let doc: toml::Table = read("config/default.toml")
        .parse()
        .expect("default.toml parses");
    let mut keys = BTreeSet::new();
    for (section, value) in &doc {
        match value.as_table() {
            Some(table) => keys.extend(table.keys().map(|k| format!("{section}.{k}"))),
            None => {
                keys.insert(section.clone());
            }
        }
    }
    keys
}

#[test]
fn environment_variables_in_deploy_files_name_existing_configuration_keys() {
    let keys = configuration_keys();
    let re = regex::Regex::new(r"VENTANAS__([A-Z0-9_]+?)__([A-Z0-9_]+)").expect("regex");
    let mut seen = 0;
    let mut unknown = Vec::new();
    let mut files = files_under("deploy");
    files.push(root().join("README.md"));
    for file in files {
        let Ok(text) = fs::read_to_string(&file) else {
            continue;
        };
        for caps in re.captures_iter(&text) {
            // The pattern itself, and the README's example of a misspelt key.
            if ["VENTANAS__SECTION__KEY", "VENTANAS__SERVER__PROT"].contains(&&caps[0]) {
                continue;
            }
            seen += 1;
            let key = format!("{}.{}", caps[1].to_lowercase(), caps[2].to_lowercase());
            if !keys.contains(&key) {
                unknown.push(format!("{}: {}", file.display(), &caps[0]));
            }
        }
    }
    assert!(
        seen > 10,
        "only {seen} settings found in deploy/ and README: is the pattern right?"
    );
    assert!(
        unknown.is_empty(),
        "settings that do not exist: {unknown:#?}"
    );
}

/// nginx's `client_max_body_size` in bytes (`64k`, `8m`, `512`).
fn nginx_size(value: &str) -> usize {
    let value = value.trim().to_lowercase();
    let (digits, unit) = match value.chars().last() {
        Some('k') => (&value[..value.len() - 1], 1024),
        Some('m') => (&value[..value.len() - 1], 1024 * 1024),
        Some('g') => (&value[..value.len() - 1], 1024 * 1024 * 1024),
        _ => (value.as_str(), 1),
    };
    digits.parse::<usize>().expect("a size") * unit
}

/// The body limit nginx applies to `path`: its exact-match location's, else the
/// HTTPS server block's (the last `server`, before its first `location`).
fn nginx_limit(conf: &str, path: &str) -> usize {
    let re = regex::Regex::new(r"client_max_body_size\s+([0-9]+[kKmMgG]?);").expect("regex");
    let location = conf
        .split_once(&format!("location = {path} {{"))
        .and_then(|(_, after)| re.captures(after.split('}').next().unwrap_or_default()));
    let server = || {
        let block = conf
            .rsplit_once("server {")
            .map_or(conf, |(_, block)| block);
        let head = block.split("location ").next().unwrap_or_default();
        re.captures_iter(head).last()
    };
    let found = location
        .or_else(server)
        .unwrap_or_else(|| panic!("no client_max_body_size for {path}"));
    nginx_size(&found[1])
}

fn app_setting(key: &str) -> usize {
    let doc: toml::Table = read("config/default.toml")
        .parse()
        .expect("default.toml parses");
    let (section, name) = key.split_once('.').expect("section.key");
    let value = doc[section][name].as_integer().expect("an integer setting");
    usize::try_from(value).expect("a positive size")
}

#[test]
fn nginx_lets_through_every_body_the_app_accepts() {
    let conf = read("deploy/nginx/ventanas.conf");
    let general = app_setting("server.max_body_bytes");
    let cases = [
        ("/api/v1/quotes", general),
        (
            ventanas::settings::company::LOGO_PATH,
            ventanas::settings::company::MAX_LOGO_BYTES,
        ),
        (
            ventanas::catalog::price_admin::import::PATH,
            app_setting("server.max_import_bytes"),
        ),
    ];
    // The web app's CSV upload and its confirm form (their limits from the app's own
    // function, so a renamed path fails here).
    let import = app_setting("server.max_import_bytes");
    let pages = [
        "/precios/importar",
        "/precios/importar/aplicar",
        "/administracion/empresa/logo",
    ]
    .map(|path| {
        let limit = ventanas::web::body_limit(path, import, general)
            .unwrap_or_else(|| panic!("{path} has no body limit of its own"));
        (path, limit)
    });
    for (path, app_limit) in cases.into_iter().chain(pages) {
        let nginx = nginx_limit(&conf, path);
        assert!(
            nginx >= app_limit,
            "nginx refuses bodies over {nginx} bytes on {path}, the app accepts {app_limit}"
        );
    }
    assert_eq!(nginx_size("64k"), 65_536);
    assert_eq!(nginx_size("8m"), 8 * 1024 * 1024);
}

/// The metric names the app exports (the constants of src/ops/metrics.rs).
fn exported_metrics() -> BTreeSet<String> {
    let re =
        regex::Regex::new(r#"pub const [A-Z_]+: &str = "(ventanas_[a-z_]+)";"#).expect("regex");
    re.captures_iter(&read("src/ops/metrics.rs"))
        .map(|c| c[1].to_owned())
        .collect()
}

#[test]
fn alerts_and_dashboard_read_only_metrics_the_app_exports() {
    let exported = exported_metrics();
    assert!(
        exported.len() >= 15,
        "metric constants not found: {exported:?}"
    );
    let used = regex::Regex::new(r"ventanas_[a-z_]+").expect("regex");
    for file in [
        "deploy/prometheus/alerts.yml",
        "deploy/grafana/ventanas.json",
    ] {
        let text = read(file);
        let mut names = 0;
        for m in used.find_iter(&text) {
            let name = m.as_str();
            let base = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|suffix| name.strip_suffix(suffix))
                .unwrap_or(name);
            names += 1;
            assert!(
                exported.contains(base),
                "{file} reads {name}, which the app does not export"
            );
        }
        assert!(names >= 8, "{file} reads only {names} metrics");
    }
}
