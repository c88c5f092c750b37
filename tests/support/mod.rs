//! Test support: a database on each backend ([`TestDb`]), the real server on port 0
//! ([`TestServer`]), a browser-like HTTP client with a cookie jar ([`Client`]), and a small city
//! ([`Fixture`]).
//!
//! PostgreSQL tests need `MIMAMORI_TEST_PG`, an admin URL of a throwaway cluster; `scripts/test`
//! starts one and sets it. Without it they fail (never skip) with a message saying so.

#![allow(
    dead_code,
    reason = "each test module uses a different part of the support code"
)]

pub mod chunks;
pub mod peers;
pub mod push;

use std::collections::HashMap;
use std::sync::OnceLock;

use awc::http::StatusCode;
use diesel::Connection;
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use mimamori::admin::{self, Actor, NewResident, NewUser};
use mimamori::config::Config;
use mimamori::db::{DatabaseUrl, Db};
use mimamori::domain::{Address, Date, DistrictCode, Kana, Login, Name, Password, Role};
use serde_json::Value;

/// Both backends, for tests that run on each: `both!(name, body_fn)` makes `name::sqlite` and
/// `name::postgres`.
#[macro_export]
macro_rules! both {
    ($name:ident, $body:ident) => {
        mod $name {
            #[actix_web::test]
            async fn sqlite() {
                super::$body($crate::support::TestDb::sqlite()).await
            }
            #[actix_web::test]
            async fn postgres() {
                super::$body($crate::support::TestDb::postgres()).await
            }
        }
    };
}

/// A fresh, empty database, removed when dropped.
pub struct TestDb {
    pub url: DatabaseUrl,
    _dir: Option<tempfile::TempDir>,
    pg_name: Option<String>,
}

pub fn pg_admin_url() -> String {
    std::env::var("MIMAMORI_TEST_PG").expect(
        "MIMAMORI_TEST_PG is not set: PostgreSQL tests need a throwaway cluster. \
         Run the tests with scripts/test, which starts one.",
    )
}

/// `postgresql:///postgres?host=/x` → same URL with another database name.
pub fn pg_url_for(admin: &str, db: &str) -> String {
    let (base, query) = admin.split_once('?').unwrap_or((admin, ""));
    let base = match base.rfind('/') {
        Some(i) if i > base.find("://").map(|j| j + 2).unwrap_or(0) => &base[..i],
        _ => base,
    };
    if query.is_empty() {
        format!("{base}/{db}")
    } else {
        format!("{base}/{db}?{query}")
    }
}

impl TestDb {
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("tempdir");
        TestDb {
            url: DatabaseUrl::Sqlite(dir.path().join("mimamori.sqlite3")),
            _dir: Some(dir),
            pg_name: None,
        }
    }

    /// SQLite in a directory made under `parent` (a small filesystem, for disk-full tests).
    pub fn sqlite_in(parent: &std::path::Path) -> TestDb {
        let dir = tempfile::tempdir_in(parent).expect("tempdir");
        TestDb {
            url: DatabaseUrl::Sqlite(dir.path().join("mimamori.sqlite3")),
            _dir: Some(dir),
            pg_name: None,
        }
    }

    pub fn postgres() -> TestDb {
        let admin = pg_admin_url();
        let name = format!("mimamori_t_{}", uuid::Uuid::new_v4().simple());
        let mut conn = PgConnection::establish(&admin).expect("connect to the test cluster");
        conn.batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create test database");
        TestDb {
            url: DatabaseUrl::Postgres(pg_url_for(&admin, &name)),
            _dir: None,
            pg_name: Some(name),
        }
    }

    /// The PostgreSQL database's name (`None` on SQLite).
    pub fn pg_name(&self) -> Option<&str> {
        self.pg_name.as_deref()
    }

    pub fn open(&self) -> Db {
        Db::open(&self.url, 4).expect("open test database")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(name) = &self.pg_name
            && let Ok(mut conn) = PgConnection::establish(&pg_admin_url())
        {
            let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

pub const PASSWORD: &str = "correct horse battery";

fn password_hash() -> String {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| mimamori::auth::hash_password(&Password::parse(PASSWORD).unwrap()).unwrap())
        .clone()
}

/// Two districts (A: 神楽岡, B: 永山); per district a lead and commissioners; residents assigned.
pub struct Fixture {
    pub district_a: String,
    pub district_b: String,
    /// login → user id
    pub users: HashMap<String, String>,
    /// rA1 (assigned to comm-a), rA2 (comm-a2), rB1 (comm-b)
    pub residents: HashMap<String, String>,
    /// rA1's assignment
    pub assignment_a1: String,
    /// Enrolment codes by commissioner login.
    pub codes: HashMap<String, String>,
    /// Device ids by commissioner login.
    pub devices: HashMap<String, String>,
}

impl Fixture {
    pub fn user(&self, login: &str) -> &str {
        &self.users[login]
    }
    pub fn resident(&self, key: &str) -> &str {
        &self.residents[key]
    }
}

pub fn seed(db: &Db) -> Fixture {
    db.write_blocking(|conn| {
        let actor = Actor::cli();
        let a = admin::create_district(
            conn,
            &actor,
            DistrictCode::parse("kaguraoka").unwrap(),
            Name::parse("神楽岡").unwrap(),
        )?;
        let b = admin::create_district(
            conn,
            &actor,
            DistrictCode::parse("nagayama").unwrap(),
            Name::parse("永山").unwrap(),
        )?;
        let mut users = HashMap::new();
        for (login, role, district) in [
            ("admin", Role::Admin, None),
            ("staff", Role::CityStaff, None),
            ("lead-a", Role::DistrictLead, Some(a.id.clone())),
            ("lead-b", Role::DistrictLead, Some(b.id.clone())),
            ("comm-a", Role::Commissioner, Some(a.id.clone())),
            ("comm-a2", Role::Commissioner, Some(a.id.clone())),
            ("comm-b", Role::Commissioner, Some(b.id.clone())),
        ] {
            let u = admin::create_user(
                conn,
                &actor,
                NewUser {
                    login: Login::parse(login).unwrap(),
                    display_name: Name::parse(&format!("{login} さん")).unwrap(),
                    role,
                    district_id: district,
                    password_hash: password_hash(),
                },
            )?;
            users.insert(login.to_string(), u.id);
        }
        let mut residents = HashMap::new();
        let mut assignment_a1 = String::new();
        for (key, district, comm, name) in [
            ("rA1", &a.id, "comm-a", "試験 花子"),
            ("rA2", &a.id, "comm-a2", "試験 太郎"),
            ("rB1", &b.id, "comm-b", "試験 次郎"),
        ] {
            let r = admin::create_resident(
                conn,
                &actor,
                NewResident {
                    district_id: district.clone(),
                    name: Name::parse(name).unwrap(),
                    kana: Kana::parse("しけん").unwrap(),
                    address: Address::parse("旭川市（試験）1条1丁目").unwrap(),
                    contact_interval_days: None,
                },
            )?;
            let asg = admin::assign(
                conn,
                &actor,
                &r.id,
                &users[comm],
                Date::parse("2025-12-01").unwrap(),
                None,
            )?;
            if key == "rA1" {
                assignment_a1 = asg.id;
            }
            residents.insert(key.to_string(), r.id);
        }
        let mut codes = HashMap::new();
        let mut devices = HashMap::new();
        for login in ["comm-a", "comm-a2", "comm-b"] {
            let (device, code) = admin::issue_device(
                conn,
                &actor,
                Name::parse(&format!("{login} tablet")).unwrap(),
            )?;
            codes.insert(login.to_string(), code);
            devices.insert(login.to_string(), device.id);
        }
        Ok(Fixture {
            district_a: a.id,
            district_b: b.id,
            users,
            residents,
            assignment_a1,
            codes,
            devices,
        })
    })
    .expect("seed fixture")
}

/// The real server on 127.0.0.1:0 over a test database, with the fixture seeded.
pub struct TestServer {
    pub origin: String,
    pub db: Db,
    hub: mimamori::sync::hub::Hub,
    pub fx: Fixture,
    _handle: actix_web::dev::ServerHandle,
    _testdb: TestDb,
}

impl TestServer {
    pub async fn start(testdb: TestDb) -> TestServer {
        Self::start_with(testdb, |_| {}).await
    }

    pub async fn start_with(testdb: TestDb, tweak: impl FnOnce(&mut Config)) -> TestServer {
        let db = testdb.open();
        let fx = seed(&db);
        let mut config = Config::for_database(testdb.url.clone());
        tweak(&mut config);
        let running = mimamori::app::start(config, db.clone())
            .await
            .expect("start server");
        let handle = running.server.handle();
        actix_web::rt::spawn(running.server);
        TestServer {
            origin: running.state.origin.clone(),
            hub: running.state.hub.clone(),
            db,
            fx,
            _handle: handle,
            _testdb: testdb,
        }
    }

    /// The database URL, for another server process on the same database.
    pub fn db_url(&self) -> String {
        match &self._testdb.url {
            DatabaseUrl::Postgres(u) => u.clone(),
            DatabaseUrl::Sqlite(p) => format!("sqlite:{}", p.display()),
        }
    }

    /// The server's sync hub (to observe memory use).
    pub fn hub(&self) -> &mimamori::sync::hub::Hub {
        &self.hub
    }

    /// A browser-like client (sends our Origin, keeps cookies).
    pub fn client(&self) -> Client {
        Client::for_origin(&self.origin)
    }

    /// A client logged in as `login` (commissioners first enrol their tablet).
    pub async fn login(&self, login: &str) -> Client {
        let mut c = self.client();
        if let Some(code) = self.fx.codes.get(login) {
            let (s, body) = c
                .post("/api/devices/enrol", &serde_json::json!({ "code": code }))
                .await;
            assert_eq!(s, StatusCode::OK, "enrol {login}: {body}");
        }
        let (s, body) = c
            .post(
                "/api/session",
                &serde_json::json!({ "login": login, "password": PASSWORD }),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "login {login}: {body}");
        c
    }
}

/// A response as a test sees it.
pub struct Resp {
    pub status: StatusCode,
    pub headers: awc::http::header::HeaderMap,
    pub body: Value,
}

pub struct Client {
    pub origin: String,
    /// The `Origin` header to send on requests (None: send none).
    pub send_origin: Option<String>,
    pub cookies: HashMap<String, String>,
    /// Sent as `X-Mimamori-App-Version` when set (the app sends its version on every request).
    pub app_version: Option<String>,
    http: awc::Client,
}

impl Client {
    /// A browser-like client of the server at `origin` (sends it as Origin, keeps cookies).
    pub fn for_origin(origin: &str) -> Client {
        Client {
            origin: origin.to_string(),
            send_origin: Some(origin.to_string()),
            cookies: HashMap::new(),
            app_version: None,
            http: awc::Client::builder()
                .timeout(std::time::Duration::from_secs(30))
                .finish(),
        }
    }

    /// The `Cookie` header this client sends.
    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub async fn get(&mut self, path: &str) -> (StatusCode, Value) {
        let r = self.request("GET", path, None, None).await;
        (r.status, r.body)
    }

    pub async fn post(&mut self, path: &str, body: &Value) -> (StatusCode, Value) {
        let bytes = serde_json::to_vec(body).unwrap();
        let r = self
            .request("POST", path, Some("application/json"), Some(bytes))
            .await;
        (r.status, r.body)
    }

    pub async fn put(&mut self, path: &str, body: &Value) -> (StatusCode, Value) {
        let bytes = serde_json::to_vec(body).unwrap();
        let r = self
            .request("PUT", path, Some("application/json"), Some(bytes))
            .await;
        (r.status, r.body)
    }

    pub async fn delete(&mut self, path: &str) -> (StatusCode, Value) {
        let r = self.request("DELETE", path, None, None).await;
        (r.status, r.body)
    }

    /// Any request; keeps the cookies the server sets.
    pub async fn request(
        &mut self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> Resp {
        let method = awc::http::Method::from_bytes(method.as_bytes()).unwrap();
        // A pooled keep-alive connection the server closed as it idled out (actix: 5 s) can be
        // picked just as it goes: the request never reached the server, so sending it again on a
        // fresh connection is what a browser does too. Once.
        for attempt in 0..2 {
            match self
                .try_request(&method, path, content_type, body.clone())
                .await
            {
                Err(awc::error::SendRequestError::Connect(
                    awc::error::ConnectError::Disconnected,
                )) if attempt == 0 => {}
                Err(e) => panic!("request: {e:?}"),
                Ok(resp) => return resp,
            }
        }
        unreachable!("the second attempt returns or panics")
    }

    async fn try_request(
        &mut self,
        method: &awc::http::Method,
        path: &str,
        content_type: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> Result<Resp, awc::error::SendRequestError> {
        let mut req = self
            .http
            .request(method.clone(), format!("{}{}", self.origin, path));
        if let Some(o) = &self.send_origin {
            req = req.insert_header(("Origin", o.as_str()));
        }
        if !self.cookies.is_empty() {
            let cookie = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            req = req.insert_header(("Cookie", cookie));
        }
        if let Some(ct) = content_type {
            req = req.insert_header(("Content-Type", ct));
        }
        if let Some(v) = &self.app_version {
            req = req.insert_header(("X-Mimamori-App-Version", v.as_str()));
        }
        let mut resp = match body {
            Some(b) => req.send_body(b).await,
            None => req.send().await,
        }?;
        for v in resp.headers().get_all("set-cookie") {
            let c = awc::cookie::Cookie::parse(v.to_str().unwrap().to_string()).unwrap();
            if c.value().is_empty() {
                self.cookies.remove(c.name());
            } else {
                self.cookies
                    .insert(c.name().to_string(), c.value().to_string());
            }
        }
        let bytes = resp.body().limit(16 * 1024 * 1024).await.expect("body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        Ok(Resp {
            status: resp.status(),
            headers: resp.headers().clone(),
            body,
        })
    }
}

/// The error code of an error body.
pub fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("")
}

/// The server binary as its own process (for restarts and `kill -9`), on port 0.
pub struct ServerProcess {
    pub child: tokio::process::Child,
    pub origin: String,
}

/// Starts `mimamori serve` on `database_url` with extra environment variables; returns once it
/// prints its origin.
pub async fn spawn_server(database_url: &str, env: &[(&str, &str)]) -> ServerProcess {
    use tokio::io::AsyncBufReadExt;
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_mimamori"));
    cmd.arg("serve")
        .env("DATABASE_URL", database_url)
        .env("MIMAMORI_BIND", "127.0.0.1:0")
        .env("RUST_LOG", "error")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("start mimamori serve");
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let origin = loop {
        let line = tokio::time::timeout(std::time::Duration::from_secs(20), lines.next_line())
            .await
            .expect("server starts within 20 s")
            .unwrap()
            .expect("server prints its origin");
        if let Some(o) = line.strip_prefix("Mimamori: ") {
            break o.to_string();
        }
    };
    ServerProcess { child, origin }
}
