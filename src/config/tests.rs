use super::*;

fn config_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config")
}

#[test]
fn env_vars_override_files_and_keep_types() {
    let vars = vec![
        ("VENTANAS__SERVER__PORT".to_owned(), "9123".to_owned()),
        ("VENTANAS__REDIS__URL".to_owned(), String::new()),
        ("UNRELATED".to_owned(), "x".to_owned()),
    ];
    let settings = Settings::load_from(&config_dir(), "local", vars).expect("loads");
    assert_eq!(settings.server.port, 9123);
    assert_eq!(settings.redis.url.expose_secret(), "");
    assert!(settings
        .database
        .url
        .expose_secret()
        .contains("ventanas_app_local"));
}

#[test]
fn a_list_is_set_from_one_comma_separated_variable() {
    let settings = Settings::load_from(&config_dir(), "local", Vec::new()).expect("loads");
    assert!(
        settings.server.allowed_origins.is_empty(),
        "none by default"
    );
    let vars = env_vars(&[(
        "VENTANAS__SERVER__ALLOWED_ORIGINS",
        "https://a.example.com, https://b.example.com,",
    )]);
    let settings = Settings::load_from(&config_dir(), "local", vars).expect("loads");
    assert_eq!(
        settings.server.allowed_origins,
        ["https://a.example.com", "https://b.example.com"]
    );
}

#[test]
fn a_non_numeric_port_is_a_clear_error() {
    let vars = vec![("VENTANAS__SERVER__PORT".to_owned(), "eighty".to_owned())];
    let err = Settings::load_from(&config_dir(), "local", vars).expect_err("must fail");
    assert!(format!("{err:#}").contains("VENTANAS__SERVER__PORT"));
}

#[test]
fn an_unknown_environment_name_is_an_error() {
    let err = Settings::load_from(&config_dir(), "prod", Vec::new()).expect_err("must fail");
    assert!(format!("{err:#}").contains("prod.toml"), "{err:#}");
}

fn env_vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn a_misspelt_environment_variable_is_refused_naming_it() {
    let err = Settings::load_from(
        &config_dir(),
        "local",
        env_vars(&[("VENTANAS__SERVER__PROT", "1")]),
    )
    .expect_err("must fail");
    let msg = format!("{err:#}");
    assert!(msg.contains("VENTANAS__SERVER__PROT"), "{msg}");
    assert!(msg.contains("server.prot"), "{msg}");
    assert!(msg.contains("unknown field `prot`"), "{msg}");
}

#[test]
fn an_environment_variable_naming_an_unknown_section_is_refused() {
    let err = Settings::load_from(
        &config_dir(),
        "local",
        env_vars(&[("VENTANAS__SERVR__PORT", "9000")]),
    )
    .expect_err("must fail");
    let msg = format!("{err:#}");
    assert!(msg.contains("VENTANAS__SERVR__PORT"), "{msg}");
    assert!(msg.contains("unknown field `servr`"), "{msg}");
}

#[test]
fn an_environment_variable_cannot_replace_a_section() {
    let err = Settings::load_from(
        &config_dir(),
        "local",
        env_vars(&[("VENTANAS__SERVER", "x")]),
    )
    .expect_err("must fail");
    let msg = format!("{err:#}");
    assert!(msg.contains("VENTANAS__SERVER:"), "{msg}");
    assert!(msg.contains("is a section"), "{msg}");
}

#[test]
fn single_underscore_variables_are_not_settings() {
    let vars = env_vars(&[
        ("VENTANAS_ENV", "test"),
        ("VENTANAS_CONFIG_DIR", "/nowhere"),
    ]);
    assert!(Settings::load_from(&config_dir(), "local", vars).is_ok());
}

#[test]
fn log_format_is_pretty_or_json_and_nothing_else() {
    let settings = Settings::load_from(&config_dir(), "production", Vec::new()).expect("loads");
    assert_eq!(settings.telemetry.format, LogFormat::Json);
    let vars = env_vars(&[("VENTANAS__TELEMETRY__FORMAT", "pretty")]);
    let settings = Settings::load_from(&config_dir(), "production", vars).expect("loads");
    assert_eq!(settings.telemetry.format, LogFormat::Pretty);

    let vars = env_vars(&[("VENTANAS__TELEMETRY__FORMAT", "xml")]);
    let err = Settings::load_from(&config_dir(), "local", vars).expect_err("must fail");
    let msg = format!("{err:#}");
    assert!(msg.contains("telemetry.format"), "{msg}");
    assert!(msg.contains("VENTANAS__TELEMETRY__FORMAT"), "{msg}");
    assert!(msg.contains("unknown variant `xml`"), "{msg}");
}

#[test]
fn debug_output_redacts_every_url_and_password() {
    let vars = env_vars(&[
        (
            "VENTANAS__DATABASE__URL",
            "postgres://ventanas_app:app-pw-1@db:5432/ventanas",
        ),
        (
            "VENTANAS__DATABASE__PLATFORM_URL",
            "postgres://ventanas_platform:platform-pw-2@db:5432/ventanas",
        ),
        (
            "VENTANAS__DATABASE__OWNER_URL",
            "postgres://ventanas_owner:owner-pw-3@db:5432/ventanas",
        ),
        ("VENTANAS__REDIS__URL", "redis://:redis-pw-4@cache:6379"),
        (
            "VENTANAS__IDEMPOTENCY__SECRET",
            "idempotency-secret-5-of-at-least-32-bytes",
        ),
    ]);
    let settings = Settings::load_from(&config_dir(), "production", vars)
        .expect("loads")
        .with_database_name("other");
    assert_eq!(
        settings.database.owner_url.expose_secret(),
        "postgres://ventanas_owner:owner-pw-3@db:5432/other",
        "the secret itself is intact"
    );
    for shown in [format!("{settings:?}"), format!("{settings:#?}")] {
        for secret in [
            "app-pw-1",
            "platform-pw-2",
            "owner-pw-3",
            "redis-pw-4",
            "idempotency-secret-5",
            "@db:",
        ] {
            assert!(!shown.contains(secret), "{secret} shown in {shown}");
        }
        assert!(shown.contains("REDACTED"), "{shown}");
        assert!(
            shown.contains("max_connections"),
            "other settings still show"
        );
    }
}

/// A directory with the real `default.toml` and a `<env>.toml` of our own.
fn dir_with_env_file(env: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ventanas-config-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::copy(config_dir().join("default.toml"), dir.join("default.toml"))
        .expect("default.toml copied");
    std::fs::write(dir.join(format!("{env}.toml")), text).expect("env file written");
    dir
}

#[test]
fn an_unknown_key_in_a_file_is_refused_naming_key_and_file() {
    let dir = dir_with_env_file("typo", "[database]\nmax_conections = 3\n");
    let err = Settings::load_from(&dir, "typo", Vec::new()).expect_err("must fail");
    let _ = std::fs::remove_dir_all(&dir);
    let msg = format!("{err:#}");
    assert!(msg.contains("database.max_conections"), "{msg}");
    assert!(msg.contains("typo.toml"), "{msg}");
    assert!(msg.contains("unknown field `max_conections`"), "{msg}");
}

#[test]
fn database_name_is_replaced_keeping_credentials_and_query() {
    assert_eq!(
        replace_database_name("postgres://u:p@h:5432/ventanas?sslmode=disable", "t1"),
        "postgres://u:p@h:5432/t1?sslmode=disable"
    );
    assert_eq!(
        replace_database_name("postgres://u@h", "t2"),
        "postgres://u@h/t2"
    );
}

#[test]
fn redis_is_one_server_a_cluster_or_none_never_both() {
    let load = |pairs: &[(&str, &str)]| {
        Settings::load_from(&config_dir(), "local", env_vars(pairs)).expect("loads")
    };
    let single = load(&[]);
    assert_eq!(
        single.redis.topology().expect("valid"),
        RedisTopology::Single("redis://127.0.0.1:6379".to_owned())
    );
    let cluster = load(&[
        ("VENTANAS__REDIS__URL", ""),
        (
            "VENTANAS__REDIS__CLUSTER_URLS",
            "redis://10.0.0.1:6379, redis://10.0.0.2:6379,",
        ),
    ]);
    assert_eq!(
        cluster.redis.topology().expect("valid"),
        RedisTopology::Cluster(vec![
            "redis://10.0.0.1:6379".to_owned(),
            "redis://10.0.0.2:6379".to_owned()
        ])
    );
    assert_eq!(
        load(&[("VENTANAS__REDIS__URL", " ")])
            .redis
            .topology()
            .expect("valid"),
        RedisTopology::None
    );
    let both = load(&[("VENTANAS__REDIS__CLUSTER_URLS", "redis://10.0.0.1:6379")]);
    let err = both.redis.topology().expect_err("both set").to_string();
    assert!(
        err.contains("redis.url") && err.contains("redis.cluster_urls"),
        "{err}"
    );
    // The cluster's URLs may carry a password: never in the debug output.
    let secret = load(&[
        ("VENTANAS__REDIS__URL", ""),
        (
            "VENTANAS__REDIS__CLUSTER_URLS",
            "redis://:hunter2@10.0.0.1:6379",
        ),
    ]);
    assert!(!format!("{secret:?}").contains("hunter2"));
}
