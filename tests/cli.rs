//! The `mimamori` command as an operator uses it.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::both;
use crate::support::TestDb;

pub(crate) fn mimamori(url: &str, args: &[&str], stdin: &str) -> (bool, String, String) {
    mimamori_with(url, args, stdin, &[])
}

fn mimamori_with(
    url: &str,
    args: &[&str],
    stdin: &str,
    env: &[(&str, &str)],
) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mimamori"))
        .args(args)
        .envs(env.iter().copied())
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run mimamori");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

both!(the_admin_cli_sets_up_a_district, admin_cli);
async fn admin_cli(db: TestDb) {
    let url = db.url.to_string();
    let (ok, out, err) = mimamori(&url, &["migrate"], "");
    assert!(ok, "{err}");
    assert!(out.contains("migrated"));
    let (ok, out, err) = mimamori(
        &url,
        &[
            "admin",
            "create-district",
            "--code",
            "suehiro",
            "--name",
            "末広",
        ],
        "",
    );
    assert!(ok, "{err}");
    assert!(out.contains("suehiro"));
    let (ok, _, err) = mimamori(
        &url,
        &[
            "admin",
            "create-district",
            "--code",
            "suehiro",
            "--name",
            "末広",
        ],
        "",
    );
    assert!(!ok);
    assert!(err.trim().starts_with("mimamori: code:"), "{err}");
    let (ok, out, err) = mimamori(
        &url,
        &[
            "admin",
            "create-user",
            "--login",
            "suehiro-01",
            "--name",
            "末広 委員",
            "--role",
            "commissioner",
            "--district",
            "suehiro",
        ],
        "a long enough password\n",
    );
    assert!(ok, "{err}");
    assert!(out.contains("suehiro-01"));
    let (ok, out, err) = mimamori(&url, &["admin", "enrol-device", "--label", "末広-01"], "");
    assert!(ok, "{err}");
    assert!(out.contains("enrolment code"), "{out}");
    let (ok, _, err) = mimamori(
        &url,
        &[
            "admin",
            "create-user",
            "--login",
            "x1",
            "--name",
            "x",
            "--role",
            "boss",
        ],
        "pw\n",
    );
    assert!(!ok);
    assert!(err.contains("role"), "{err}");
}

#[test]
fn the_server_refuses_to_start_on_an_unreachable_database() {
    let (ok, _, err) = mimamori("postgresql://127.0.0.1:1/mimamori", &["serve"], "");
    assert!(!ok);
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("mimamori: cannot open database"), "{err}");
}

/// A deleted or moved database is not silently replaced by an empty one: `serve` refuses it with one
/// line saying what to do, creates nothing, and starts with `--init` on a new installation.
#[test]
fn serve_refuses_a_missing_database_unless_told_to_create_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gone.sqlite3");
    let url = path.to_string_lossy().to_string();
    let (ok, _, err) = mimamori(&url, &["serve"], "");
    assert!(!ok, "serve refused");
    assert!(
        err.contains("does not exist") && err.contains("--init"),
        "{err}"
    );
    assert!(!path.exists(), "nothing created");
    let (ok, _, err) = mimamori(
        &url,
        &["admin", "create-district", "--code", "x", "--name", "x"],
        "",
    );
    assert!(!ok && err.contains("--init"), "{err}");
    let (ok, out, err) = mimamori(&url, &["migrate"], "");
    assert!(ok, "{err}");
    assert!(out.contains("migrated"));
    assert!(path.exists());
}

/// Configuration that catches mistakes (issue 24 item 5): a misspelt variable is named with the one
/// it resembles (before, it was a silent default); a password in DATABASE_URL is not printed; a
/// plain-http public origin other than this machine is refused unless allowed on purpose.
#[test]
fn the_configuration_names_misspellings_hides_passwords_and_refuses_remote_http() {
    let pg = "postgres://mimamori:s3cret-pass@db.example/mimamori";
    let (ok, out, err) = mimamori_with(
        pg,
        &["config"],
        "",
        &[
            ("MIMAMORI_SYNC_EVICT_AFTER_SEC", "5"),
            ("MIMAMORI_BIND", "127.0.0.1:9000"),
        ],
    );
    assert!(ok, "{err}");
    assert!(
        out.contains("warning: MIMAMORI_SYNC_EVICT_AFTER_SEC is not a Mimamori setting and is ignored (did you mean MIMAMORI_SYNC_EVICT_AFTER_SECS?)"),
        "{out}"
    );
    assert!(out.contains("MIMAMORI_BIND=127.0.0.1:9000"), "{out}");
    assert!(
        out.contains("postgres://mimamori:***@db.example/mimamori"),
        "{out}"
    );
    assert!(
        !out.contains("s3cret-pass") && !err.contains("s3cret-pass"),
        "{out}{err}"
    );

    let remote = [("MIMAMORI_PUBLIC_ORIGIN", "http://mimamori.city.example")];
    let (ok, _, err) = mimamori_with(pg, &["config"], "", &remote);
    assert!(!ok && err.contains("is not https"), "{err}");
    let allowed = [remote[0], ("MIMAMORI_ALLOW_HTTP", "true")];
    let (ok, _, err) = mimamori_with(pg, &["config"], "", &allowed);
    assert!(ok, "{err}");
    let local = [("MIMAMORI_PUBLIC_ORIGIN", "http://127.0.0.1:8080")];
    let (ok, _, err) = mimamori_with(pg, &["config"], "", &local);
    assert!(ok, "this machine over http is fine: {err}");
}

/// Every variable the server reads is in the README's one table.
#[test]
fn every_setting_is_in_the_readme_table() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let table: String = readme
        .lines()
        .filter(|l| l.starts_with("| `"))
        .collect::<Vec<_>>()
        .join("\n");
    for name in mimamori::config::KNOWN {
        assert!(
            table.contains(&format!("| `{name}` |")),
            "{name} is missing from the README's table"
        );
    }
}
