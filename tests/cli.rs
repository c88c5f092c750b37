//! The `mimamori` command as an operator uses it.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::both;
use crate::support::TestDb;

pub(crate) fn mimamori(url: &str, args: &[&str], stdin: &str) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mimamori"))
        .args(args)
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
