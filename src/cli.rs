//! The command line: `serve` (the default), `migrate`, `token`, `openapi`.

use crate::domain::case::Role;

/// What the binary was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Serve,
    Migrate,
    Token(TokenRequest),
    Seed(SeedRequest),
    OpenApi,
    Help,
}

/// `seed --cases N [--seed S] [--from DATE] [--to DATE]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedRequest {
    pub cases: u64,
    pub seed: u64,
    pub from: Option<chrono::NaiveDate>,
    pub to: Option<chrono::NaiveDate>,
}

/// `token --sub S --role R... --service X... --ttl T`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRequest {
    pub subject: String,
    pub roles: Vec<Role>,
    pub services: Vec<String>,
    pub ttl_seconds: i64,
}

pub const USAGE: &str = "\
council-feedback — the council's compliments, comments and complaints service

USAGE:
    council-feedback [serve]      migrate the database and serve the API (the default)
    council-feedback migrate      apply pending database migrations and exit
    council-feedback token --sub ID --role ROLE [--role ROLE ...] [--service ID ...] [--ttl 1h]
                                  print a JWT signed with the configured secret (JWT_SECRET or local mode)
    council-feedback openapi      print the OpenAPI document (regenerate openapi/openapi.json with it)
    council-feedback seed --cases N [--seed 1] [--from DATE] [--to DATE]
                                  migrate, then add N realistic cases received between the dates
                                  (default: 1 January two years ago to today), each played
                                  forward to --to; the same options give the same data

Roles: customer, investigating_officer, head_of_service, complaints_manager, partner.
--ttl takes seconds, or a number with s, m, h or d (default 1h).
Configuration comes from the environment and .env: see .env.example.";

/// Parses the arguments after the program name.
pub fn parse(args: &[String]) -> Result<Command, String> {
    let Some(first) = args.first() else {
        return Ok(Command::Serve);
    };
    match first.as_str() {
        "serve" if args.len() == 1 => Ok(Command::Serve),
        "migrate" if args.len() == 1 => Ok(Command::Migrate),
        "openapi" if args.len() == 1 => Ok(Command::OpenApi),
        "help" | "--help" | "-h" => Ok(Command::Help),
        "token" => parse_token(&args[1..]).map(Command::Token),
        "seed" => parse_seed(&args[1..]).map(Command::Seed),
        "serve" | "migrate" | "openapi" => Err(format!("`{first}` takes no arguments")),
        other => Err(format!("unknown command `{other}`; try --help")),
    }
}

fn parse_token(args: &[String]) -> Result<TokenRequest, String> {
    let mut subject = None;
    let mut roles = Vec::new();
    let mut services = Vec::new();
    let mut ttl_seconds = 3600;
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        let mut value = || {
            rest.next()
                .cloned()
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--sub" => subject = Some(value()?),
            "--role" => {
                let text = value()?;
                roles.push(Role::parse(&text).ok_or_else(|| {
                    format!("unknown role `{text}`; one of {}", Role::expected())
                })?);
            }
            "--service" => services.push(value()?),
            "--ttl" => ttl_seconds = parse_ttl(&value()?)?,
            other => return Err(format!("unknown option `{other}`")),
        }
    }
    let subject = subject
        .filter(|s| !s.trim().is_empty())
        .ok_or("--sub is required")?;
    if roles.is_empty() {
        return Err("give at least one --role".into());
    }
    Ok(TokenRequest {
        subject,
        roles,
        services,
        ttl_seconds,
    })
}

fn parse_seed(args: &[String]) -> Result<SeedRequest, String> {
    let mut request = SeedRequest {
        cases: 0,
        seed: 1,
        from: None,
        to: None,
    };
    let mut cases = None;
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        let value = rest.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let date = || {
            chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
                .map_err(|_| format!("{flag} `{value}` is not a date such as 2026-01-31"))
        };
        match flag.as_str() {
            "--cases" => {
                cases = Some(
                    value
                        .parse::<u64>()
                        .ok()
                        .filter(|n| *n <= 10_000_000)
                        .ok_or_else(|| {
                            format!("--cases `{value}` is not a number from 0 to 10000000")
                        })?,
                )
            }
            "--seed" => {
                request.seed = value
                    .parse()
                    .map_err(|_| format!("--seed `{value}` is not a whole number"))?
            }
            "--from" => request.from = Some(date()?),
            "--to" => request.to = Some(date()?),
            other => return Err(format!("unknown option `{other}`")),
        }
    }
    request.cases = cases.ok_or("--cases is required")?;
    if let (Some(from), Some(to)) = (request.from, request.to) {
        if from > to {
            return Err("--from must not be after --to".into());
        }
    }
    Ok(request)
}

fn parse_ttl(text: &str) -> Result<i64, String> {
    let (number, unit) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&text[..i], c),
        _ => (text, 's'),
    };
    let n: i64 = number
        .parse()
        .map_err(|_| format!("--ttl `{text}` is not a duration such as 3600, 15m or 8h"))?;
    let seconds = match unit {
        's' => n,
        'm' => n * 60,
        'h' => n * 3600,
        'd' => n * 86_400,
        _ => return Err(format!("--ttl `{text}`: the unit must be s, m, h or d")),
    };
    if !(1..=366 * 86_400).contains(&seconds) {
        return Err("--ttl must be between 1 second and 366 days".into());
    }
    Ok(seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn seed_takes_a_count_a_seed_and_dates() {
        assert_eq!(
            parse(&args(
                "seed --cases 1000 --seed 42 --from 2025-01-01 --to 2025-12-31"
            )),
            Ok(Command::Seed(SeedRequest {
                cases: 1000,
                seed: 42,
                from: chrono::NaiveDate::from_ymd_opt(2025, 1, 1),
                to: chrono::NaiveDate::from_ymd_opt(2025, 12, 31),
            }))
        );
        assert!(parse(&args("seed")).is_err());
        assert!(parse(&args("seed --cases many")).is_err());
        assert!(parse(&args("seed --cases 5 --from 2026-01-02 --to 2026-01-01")).is_err());
    }

    #[test]
    fn serve_is_the_default() {
        assert_eq!(parse(&[]), Ok(Command::Serve));
        assert_eq!(parse(&args("serve")), Ok(Command::Serve));
    }

    #[test]
    fn token_takes_repeated_roles_and_services() {
        let Ok(Command::Token(t)) =
            parse(&args("token --sub hos-1 --role head_of_service --role investigating_officer --service waste-care --service highways --ttl 2h"))
        else {
            panic!("expected a token command")
        };
        assert_eq!(t.subject, "hos-1");
        assert_eq!(
            t.roles,
            vec![Role::HeadOfService, Role::InvestigatingOfficer]
        );
        assert_eq!(t.services, vec!["waste-care", "highways"]);
        assert_eq!(t.ttl_seconds, 7200);
    }

    #[test]
    fn token_mistakes_are_explained() {
        assert!(parse(&args("token --role customer"))
            .unwrap_err()
            .contains("--sub"));
        assert!(parse(&args("token --sub a"))
            .unwrap_err()
            .contains("--role"));
        assert!(parse(&args("token --sub a --role admin"))
            .unwrap_err()
            .contains("unknown role"));
        assert!(parse(&args("token --sub a --role customer --ttl 5y")).is_err());
        assert!(parse(&args("frobnicate")).is_err());
    }
}
