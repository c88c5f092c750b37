//! The `mimamori` command: `serve`, `migrate`, `demo`, `admin …`. See `--help`.

use std::io::BufRead;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use mimamori::admin::{self, Actor};
use mimamori::config::{Config, LogFormat};
use mimamori::db::{Create, Db, accounts, directory};
use mimamori::domain::{Address, Date, DistrictCode, Invalid, Kana, Login, Name, Password, Role};
use mimamori::error::AppError;

#[derive(Parser)]
#[command(
    name = "mimamori",
    version,
    about = "見守り — field records for 民生委員児童委員"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (migrates the database first). It refuses a database that holds no Mimamori
    /// data (a missing or empty SQLite file, an empty PostgreSQL database) unless `--init` is given:
    /// a deleted or moved file must not come back as an empty city.
    Serve {
        /// Create the database if it holds no Mimamori data yet (a new installation).
        #[arg(long)]
        init: bool,
    },
    /// Apply pending migrations and exit.
    Migrate {
        /// Only list the applied and the pending migrations; change nothing.
        #[arg(long)]
        status: bool,
    },
    /// Seed the demo city into an empty database (or reuse an earlier demo) and serve it.
    Demo {
        /// Seed and print the logins, but do not start the server.
        #[arg(long)]
        no_serve: bool,
    },
    /// Administration from the host.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Take a consistent backup of the database while the server runs (SQLite: VACUUM INTO;
    /// PostgreSQL: pg_dump), with its checksum in DEST.sha256. It holds personal data and keys:
    /// keep it as the database is kept.
    Backup {
        /// A new file.
        dest: std::path::PathBuf,
    },
    /// Print the effective configuration (passwords hidden) and any MIMAMORI_* variable that is
    /// not a setting (a misspelling would otherwise be a silent default).
    Config,
    /// Restore a backup into an empty database (DATABASE_URL), after checking its checksum.
    Restore { src: std::path::PathBuf },
    /// Check a backup: its checksum, and that every document loads and holds its projected contacts.
    Verify { src: std::path::PathBuf },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Replace the Web Push (VAPID) key pair. Every push subscription is dropped: tablets subscribe
    /// again with the new key at their next start. Never done automatically. A running server keeps
    /// the key it started with: restart it afterwards.
    RotateVapid,
    /// Create a district (地区).
    CreateDistrict {
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
    },
    /// Create a user; the password is read from the first line of standard input.
    CreateUser {
        #[arg(long)]
        login: String,
        #[arg(long)]
        name: String,
        /// commissioner | district_lead | city_staff | admin
        #[arg(long)]
        role: String,
        /// District code (for commissioners and leads).
        #[arg(long)]
        district: Option<String>,
    },
    /// Register a resident (見守り対象者).
    CreateResident {
        #[arg(long)]
        district: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        kana: String,
        #[arg(long)]
        address: String,
        #[arg(long)]
        interval_days: Option<i32>,
    },
    /// Assign a resident to a commissioner from a date (and until a last day).
    Assign {
        #[arg(long)]
        resident: String,
        /// The commissioner's login.
        #[arg(long)]
        commissioner: String,
        #[arg(long)]
        from: String,
        #[arg(long)]
        until: Option<String>,
    },
    /// Set the last day of an assignment.
    EndAssignment {
        #[arg(long)]
        id: String,
        #[arg(long)]
        until: String,
    },
    /// Register a loaned tablet and print its one-time enrolment code.
    EnrolDevice {
        #[arg(long)]
        label: String,
    },
    /// Revoke a device: its sessions end at once.
    RevokeDevice {
        #[arg(long)]
        id: String,
    },
    /// End every session of a user.
    RevokeSessions {
        #[arg(long)]
        login: String,
    },
    /// Give a user a temporary password (printed once: hand it over in person), to be replaced at
    /// their next login; every session of theirs ends.
    ResetPassword {
        #[arg(long)]
        login: String,
    },
    /// Disable a user: no login, and every session and sync connection of theirs ends.
    DisableUser {
        #[arg(long)]
        login: String,
    },
    /// Enable a disabled user again (reset the password too if it may have leaked).
    EnableUser {
        #[arg(long)]
        login: String,
    },
}

fn main() -> ExitCode {
    let _ = dotenvy::dotenv();
    let format = match mimamori::config::log_format() {
        Ok(f) => f,
        Err(e) => {
            eprintln!("mimamori: {e}");
            return ExitCode::FAILURE;
        }
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let json = format == LogFormat::Json;
    if json {
        // One object per line; the request span's id on each line logged inside a request.
        tracing_subscriber::fmt()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .with_env_filter(filter)
            .with_target(false)
            .init();
    } else {
        // Colours only on a terminal: journald (the systemd unit) would store the escape codes.
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_target(false)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
            .init();
    }
    let cli = Cli::parse();
    match run(cli, json) {
        Ok(()) => ExitCode::SUCCESS,
        // A log collector reads only JSON lines: the reason goes into the log then.
        Err(msg) if json => {
            tracing::error!(error = %msg, "mimamori stopped");
            ExitCode::FAILURE
        }
        Err(msg) => {
            eprintln!("mimamori: {msg}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli, json_log: bool) -> Result<(), String> {
    let unknown = mimamori::config::unknown_variable_lines();
    if let Command::Config = &cli.command {
        for line in mimamori::config::describe() {
            println!("{line}");
        }
        for line in &unknown {
            println!("warning: {line}");
        }
        return Config::from_environment()
            .map(|_| ())
            .map_err(|e| e.to_string());
    }
    for line in &unknown {
        if json_log {
            tracing::warn!("{line}");
        } else {
            eprintln!("mimamori: warning: {line}");
        }
    }
    if let Command::Verify { src } = &cli.command {
        let v = mimamori::backup::verify(src)?;
        println!(
            "{}: checksum ok; {} documents load, {} projected contacts are in them",
            src.display(),
            v.documents,
            v.contacts
        );
        return Ok(());
    }
    let config = Config::from_environment().map_err(|e| e.to_string())?;
    match &cli.command {
        Command::Migrate { status: true } => {
            return print_migration_status(&config);
        }
        Command::Backup { dest } => {
            let bytes = mimamori::backup::backup(&config.database_url, dest)?;
            println!(
                "backup written: {} ({bytes} bytes) and its .sha256",
                dest.display()
            );
            return Ok(());
        }
        Command::Restore { src } => {
            mimamori::backup::restore(src, &config.database_url)?;
            println!("restored {} into {}", src.display(), config.database_url);
            return Ok(());
        }
        _ => {}
    }
    // Only an explicit first start, `migrate` and `demo` may create the database.
    let create = match cli.command {
        Command::Serve { init: false } | Command::Admin(_) => Create::Refused,
        _ => Create::Allowed,
    };
    let db = Db::open_with(&config.database_url, config.db_pool_size, create)
        .map_err(|e| e.to_string())?;
    match cli.command {
        Command::Migrate { .. } => {
            println!("database {} is migrated", config.database_url);
            Ok(())
        }
        Command::Serve { .. } => serve(config, db, json_log),
        Command::Demo { no_serve } => {
            let city = mimamori::demo::ensure(&db).map_err(|e| e.to_string())?;
            print_demo(&city, &config);
            if no_serve {
                Ok(())
            } else {
                serve(config, db, json_log)
            }
        }
        Command::Backup { .. }
        | Command::Restore { .. }
        | Command::Verify { .. }
        | Command::Config => Ok(()),
        Command::Admin(cmd) => admin_command(&db, &config, cmd).map_err(|e| match e {
            AppError::Invalid { field, message, .. } => format!("{field}: {message}"),
            AppError::Conflict { field, message } => format!("{field}: {message}"),
            other => other.to_string(),
        }),
    }
}

fn serve(config: Config, db: Db, json_log: bool) -> Result<(), String> {
    actix_web::rt::System::new().block_on(async move {
        let running = mimamori::app::start(config, db)
            .await
            .map_err(|e| format!("cannot listen: {e}"))?;
        tracing::info!(
            origin = %running.state.origin,
            version = mimamori::version::VERSION,
            build = mimamori::version::BUILD.unwrap_or("-"),
            "Mimamori is serving"
        );
        // For whoever started it (scripts wait for this line); with JSON logs, stdout holds JSON
        // only, and the line above says the same.
        if !json_log {
            println!("Mimamori: {}", running.state.origin);
        }
        let handle = running.server.handle();
        let hub = running.state.hub.clone();
        actix_web::rt::spawn(async move {
            let signal = stop_requested().await;
            close_sync_sockets(&hub, signal).await;
            // Stops accepting and lets requests in flight finish (5 s at most).
            handle.stop(true).await;
        });
        let served = running.server.await.map_err(|e| e.to_string());
        drain_committer(&running.state.hub).await;
        served
    })
}

/// Waits for SIGTERM (systemd stopping the service) or SIGINT (Ctrl-C) and names it. Should the
/// handlers not install, it never returns, and the signal's default action ends the process.
async fn stop_requested() -> &'static str {
    use actix_web::rt::signal::unix::{SignalKind, signal};
    match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(mut term), Ok(mut int)) => tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = int.recv() => "SIGINT",
        },
        (Err(e), _) | (_, Err(e)) => {
            tracing::warn!(error = %e, "cannot handle SIGTERM/SIGINT: they end the process at once");
            std::future::pending().await
        }
    }
}

/// Tells every sync connection to close with 1001 (going away), so that its tablet reconnects to
/// the next process, and waits until their sockets are closed (3 s at most). Each connection first
/// stores its sync states; every change acknowledged to a tablet is stored already.
async fn close_sync_sockets(hub: &mimamori::sync::hub::Hub, signal: &'static str) {
    const WAIT: std::time::Duration = std::time::Duration::from_secs(3);
    let open = hub.open_sockets();
    tracing::info!(signal, sockets = open, "stopping: closing the sync sockets");
    hub.go_away();
    let started = std::time::Instant::now();
    while hub.sockets_closing() > 0 && started.elapsed() < WAIT {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let left = hub.sockets_closing();
    if left > 0 {
        tracing::warn!(
            sockets = left,
            "stopping: sync sockets still closing after 3 s"
        );
    } else {
        tracing::info!(
            ms = started.elapsed().as_millis() as u64,
            "stopping: every sync socket is closed"
        );
    }
}

/// Waits until the committer has written everything queued before now: changes tablets sent
/// just before the stop are stored rather than lost with the process (they were not acknowledged
/// yet, so the tablets would send them again — but now they need not). An empty job goes through
/// the same queue; once it is committed, so is everything before it.
async fn drain_committer(hub: &mimamori::sync::hub::Hub) {
    use mimamori::sync::committer::CommitJob;
    let barrier = CommitJob::SyncStates {
        storage_id: hub.storage_id().to_string(),
        states: Vec::new(),
    };
    let waited = std::time::Instant::now();
    match tokio::time::timeout(std::time::Duration::from_secs(10), hub.commit(barrier)).await {
        Ok(Ok(())) => tracing::info!(
            ms = waited.elapsed().as_millis() as u64,
            "stopped: everything queued is committed"
        ),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "stopped: the committer could not finish its queue")
        }
        Err(_) => tracing::warn!("stopped: the committer did not finish its queue within 10 s"),
    }
}

/// `mimamori migrate --status`: one line per migration, applied first, then pending; changes
/// nothing (a missing SQLite file is not created).
fn print_migration_status(config: &Config) -> Result<(), String> {
    let status = mimamori::db::ops::migration_status(&config.database_url)?;
    if let Some(why) = status.empty {
        println!("{}: {why}", config.database_url);
    }
    for name in &status.applied {
        println!("applied  {name}");
    }
    for name in &status.pending {
        println!("pending  {name}");
    }
    for version in &status.unknown {
        println!(
            "unknown  {version} (applied by a newer Mimamori than {}: do not run this one against it)",
            mimamori::version::VERSION
        );
    }
    println!(
        "{} applied, {} pending",
        status.applied.len(),
        status.pending.len()
    );
    Ok(())
}

fn print_demo(city: &mimamori::demo::DemoCity, config: &Config) {
    let origin = config
        .public_origin
        .clone()
        .unwrap_or_else(|| format!("http://{}", config.bind));
    println!();
    println!(
        "デモ市 (demo city) {}: {} residents. Password for every login: {}",
        if city.freshly_seeded {
            "seeded"
        } else {
            "reused"
        },
        city.residents,
        mimamori::demo::PASSWORD
    );
    for (login, role, name) in &city.logins {
        println!("  {login:<24} {:<14} {name}", role.as_str());
    }
    println!(
        "Tablet enrolment codes (one per commissioner, valid 7 days; a commissioner logs in only on an enrolled tablet):"
    );
    for (login, code) in &city.enrolment_codes {
        println!(
            "  {login:<24} {code}   {}",
            mimamori::api::admin::enrolment_url(&origin, code)
        );
    }
    println!();
}

fn v<T>(field: &str, r: Result<T, Invalid>) -> Result<T, AppError> {
    mimamori::api::json::field(field, r)
}

/// The id of the user with this login (CLI commands name users by login).
fn user_id_of(conn: &mut mimamori::db::DbConn, login: &str) -> Result<String, AppError> {
    accounts::user_by_login(conn, login)?
        .map(|u| u.id)
        .ok_or_else(|| AppError::invalid("login", "unknown", "no such login"))
}

fn district_id(db: &Db, code: &str) -> Result<String, AppError> {
    let code = code.to_string();
    db.read_blocking(move |conn| {
        directory::district_by_code(conn, &code)?
            .map(|d| d.id)
            .ok_or_else(|| AppError::invalid("district", "unknown", "no such district code"))
    })
}

fn admin_command(db: &Db, config: &Config, cmd: AdminCommand) -> Result<(), AppError> {
    let actor = Actor::cli();
    match cmd {
        AdminCommand::CreateDistrict { code, name } => {
            let (code, name) = (
                v("code", DistrictCode::parse(&code))?,
                v("name", Name::parse(&name))?,
            );
            let d = db.write_blocking(|conn| admin::create_district(conn, &actor, code, name))?;
            println!("district {} ({}) id {}", d.code, d.name, d.id);
        }
        AdminCommand::CreateUser {
            login,
            name,
            role,
            district,
        } => {
            let role = Role::parse(&role).ok_or_else(|| {
                AppError::invalid(
                    "role",
                    "unknown",
                    "commissioner | district_lead | city_staff | admin",
                )
            })?;
            let district_id = match district {
                Some(code) => Some(district_id(db, &code)?),
                None => None,
            };
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|e| AppError::internal_in("reading the password from stdin", e))?;
            let password = v(
                "password",
                Password::parse(line.trim_end_matches(['\r', '\n'])),
            )?;
            let (login, name) = (
                v("login", Login::parse(&login))?,
                v("name", Name::parse(&name))?,
            );
            let u = db.write_blocking(|conn| {
                admin::create_user_with_password(
                    conn,
                    &actor,
                    login,
                    name,
                    role,
                    district_id,
                    &password,
                )
            })?;
            println!("user {} ({}) id {}", u.login, u.role, u.id);
        }
        AdminCommand::CreateResident {
            district,
            name,
            kana,
            address,
            interval_days,
        } => {
            let new = admin::NewResident {
                district_id: district_id(db, &district)?,
                name: v("name", Name::parse(&name))?,
                kana: v("kana", Kana::parse(&kana))?,
                address: v("address", Address::parse(&address))?,
                contact_interval_days: interval_days,
            };
            let r = db.write_blocking(|conn| admin::create_resident(conn, &actor, new))?;
            println!("resident id {}", r.id);
        }
        AdminCommand::Assign {
            resident,
            commissioner,
            from,
            until,
        } => {
            let from = v("from", Date::parse(&from))?;
            let until = until.map(|u| v("until", Date::parse(&u))).transpose()?;
            let a = db.write_blocking(|conn| {
                let c = accounts::user_by_login(conn, &commissioner)?
                    .ok_or_else(|| AppError::invalid("commissioner", "unknown", "no such login"))?;
                admin::assign(conn, &actor, &resident, &c.id, from, until)
            })?;
            println!("assignment id {}", a.id);
        }
        AdminCommand::EndAssignment { id, until } => {
            let until = v("until", Date::parse(&until))?;
            let a = db.write_blocking(|conn| admin::end_assignment(conn, &actor, &id, until))?;
            println!(
                "assignment {} ends on {}",
                a.id,
                a.ends_on.unwrap_or_default()
            );
        }
        AdminCommand::EnrolDevice { label } => {
            let label = v("label", Name::parse(&label))?;
            let (d, code) = db.write_blocking(|conn| admin::issue_device(conn, &actor, label))?;
            let origin = config
                .public_origin
                .clone()
                .unwrap_or_else(|| format!("http://{}", config.bind));
            println!(
                "device id {}\nenrolment code {code}\n{}",
                d.id,
                mimamori::api::admin::enrolment_url(&origin, &code)
            );
        }
        AdminCommand::RevokeDevice { id } => {
            db.write_blocking(|conn| admin::revoke_device(conn, &actor, &id))?;
            println!("device {id} revoked");
        }
        AdminCommand::RotateVapid => {
            let (vapid, dropped) = db.write_blocking(|conn| {
                let r = mimamori::push::Vapid::rotate(conn)?;
                admin::record(
                    conn,
                    &actor,
                    "push.rotate_vapid",
                    "settings",
                    None,
                    serde_json::json!({ "dropped_subscriptions": r.1 }),
                )?;
                Ok(r)
            })?;
            println!(
                "new VAPID public key {}; {dropped} push subscriptions dropped; \
                 restart the server now (it signs with the key it started with, and tablets \
                 subscribe again when it serves the new one)",
                vapid.public
            );
        }
        AdminCommand::RevokeSessions { login } => {
            let n = db.write_blocking(|conn| {
                let id = user_id_of(conn, &login)?;
                admin::revoke_user_sessions(conn, &actor, &id)
            })?;
            println!("{n} sessions revoked");
        }
        AdminCommand::ResetPassword { login } => {
            let temporary = mimamori::auth::new_temporary_password();
            let hash = mimamori::auth::hash_password(&temporary)?;
            let n = db.write_blocking(|conn| {
                let id = user_id_of(conn, &login)?;
                admin::reset_password(conn, &actor, &id, &hash)
            })?;
            println!(
                "temporary password for {login}: {} (shown once; {n} sessions ended; \
                 they choose their own at the next login)",
                temporary.expose()
            );
        }
        AdminCommand::DisableUser { login } => set_disabled(db, &actor, &login, true)?,
        AdminCommand::EnableUser { login } => set_disabled(db, &actor, &login, false)?,
    }
    Ok(())
}

fn set_disabled(db: &Db, actor: &Actor, login: &str, disable: bool) -> Result<(), AppError> {
    db.write_blocking(|conn| {
        let id = user_id_of(conn, login)?;
        admin::set_user_disabled(conn, actor, &id, disable)
    })?;
    println!("{login} {}", if disable { "disabled" } else { "enabled" });
    Ok(())
}
