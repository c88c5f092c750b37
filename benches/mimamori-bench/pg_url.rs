//! PostgreSQL URLs for the benchmark's per-round databases (included by the integration tests too).

/// `url` with its database name replaced (`postgresql://…/name?params`).
pub fn pg_with_database(url: &str, name: &str) -> Result<(String, String), String> {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let path_at = base.find("://").map(|i| i + 3).unwrap_or(0);
    let slash = base[path_at..]
        .find('/')
        .map(|i| i + path_at)
        .ok_or("give the database name in the PostgreSQL URL (…/name)")?;
    let current = base[slash + 1..].to_string();
    if current.is_empty() {
        return Err("give the database name in the PostgreSQL URL (…/name)".into());
    }
    let rest = if query.is_empty() {
        String::new()
    } else {
        format!("?{query}")
    };
    Ok((format!("{}/{name}{rest}", &base[..slash]), current))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_round_database_is_named_in_the_url_the_bench_was_given() {
        use super::pg_with_database;
        let socket = "postgresql:///postgres?host=/tmp/bench-pg&port=5498&user=postgres";
        assert_eq!(
            pg_with_database(socket, "round_1").unwrap(),
            (
                "postgresql:///round_1?host=/tmp/bench-pg&port=5498&user=postgres".to_string(),
                "postgres".to_string()
            )
        );
        assert_eq!(
            pg_with_database("postgres://u:p@db:5432/mimamori", "r").unwrap(),
            (
                "postgres://u:p@db:5432/r".to_string(),
                "mimamori".to_string()
            )
        );
        assert!(pg_with_database("postgres://u@db:5432", "r").is_err());
        assert!(pg_with_database("postgres://u@db:5432/", "r").is_err());
    }
}
