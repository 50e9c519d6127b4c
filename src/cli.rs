//! The command line: `serve` (the default), `worker`, `migrate`, `token`, `openapi`, `seed`,
//! `retention run`, `projections rebuild`, read by clap:
//! every command has `--help`, `--version` works, and a bad value is one clear line.

use clap::error::ErrorKind;
use clap::{Args, CommandFactory, Parser, Subcommand};

use crate::domain::case::Role;

/// What the binary was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Serve,
    Worker,
    Migrate,
    Token(TokenRequest),
    Seed(SeedRequest),
    OpenApi,
    /// `retention run [--as-of DATE]`.
    Retention(RetentionRequest),
    /// `projections rebuild`: the reports' monthly projections, from the cases.
    ProjectionsRebuild,
}

/// `retention run [--as-of DATE]`: the daily retention pass, by hand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionRequest {
    /// The day the pass counts as today (default: today).
    pub as_of: Option<chrono::NaiveDate>,
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

/// The council's compliments, comments and complaints service.
///
/// Configuration comes from the environment and .env: see .env.example.
#[derive(Debug, Parser)]
#[command(name = "council-feedback", version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Sub>,
}

#[derive(Debug, Subcommand)]
enum Sub {
    /// Migrate the database and serve the API (the default); the background jobs (webhook
    /// delivery) run inside it.
    Serve,
    /// Migrate the database and run the background jobs (webhook delivery) alone, without
    /// serving: several may run at once on PostgreSQL.
    Worker,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print a JWT signed with the configured secret (JWT_SECRET, or local mode).
    Token(TokenArgs),
    /// Print the OpenAPI document (regenerate openapi/openapi.json with it).
    Openapi,
    /// Migrate, then add realistic cases received between the dates, each played forward to
    /// --to; the same options give the same data.
    Seed(SeedArgs),
    /// The retention schedule (RETENTION_ANONYMISE_AFTER, RETENTION_DOCUMENTS_AFTER).
    Retention(RetentionArgs),
    /// The reports' monthly projections (start-up rebuilds them when missing or outdated).
    Projections(ProjectionsArgs),
}

#[derive(Debug, Args)]
struct ProjectionsArgs {
    #[command(subcommand)]
    action: ProjectionsAction,
}

#[derive(Debug, Subcommand)]
enum ProjectionsAction {
    /// Migrate, then recompute the reports' monthly projections from the cases, in short
    /// steps that are safe while the service serves, taking up a rebuild left unfinished
    /// where it stopped, and print what was put right.
    Rebuild,
}

#[derive(Debug, Args)]
struct RetentionArgs {
    #[command(subcommand)]
    action: RetentionAction,
}

#[derive(Debug, Subcommand)]
enum RetentionAction {
    /// Migrate, then run the daily retention pass now: anonymise the finished cases whose
    /// time has come and delete old documents (the same pass the jobs run each day), and
    /// print what it did.
    Run {
        /// The day to count as today, e.g. to see what a later pass would do (default: today).
        #[arg(long = "as-of", value_name = "DATE", value_parser = date)]
        as_of: Option<chrono::NaiveDate>,
    },
}

#[derive(Debug, Args)]
struct TokenArgs {
    /// Whom the token speaks for (its `sub`).
    #[arg(long = "sub", value_name = "ID", value_parser = non_blank)]
    subject: String,
    /// customer, investigating_officer, head_of_service, complaints_manager, partner or web_form;
    /// repeat for several.
    #[arg(long = "role", value_name = "ROLE", required = true, value_parser = role)]
    roles: Vec<Role>,
    /// A service the caller works in; repeat for several.
    #[arg(long = "service", value_name = "ID")]
    services: Vec<String>,
    /// How long it is valid: seconds, or a number with s, m, h or d.
    #[arg(long, value_name = "DURATION", default_value = "1h", value_parser = ttl)]
    ttl: i64,
}

#[derive(Debug, Args)]
struct SeedArgs {
    /// How many cases to add (0 to 10000000).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(0..=10_000_000))]
    cases: u64,
    /// The random seed: the same seed and dates give the same cases.
    #[arg(long, value_name = "S", default_value_t = 1)]
    seed: u64,
    /// The first day cases are received (default: 1 January two years ago).
    #[arg(long, value_name = "DATE", value_parser = date)]
    from: Option<chrono::NaiveDate>,
    /// The day the cases are played forward to (default: today).
    #[arg(long, value_name = "DATE", value_parser = date)]
    to: Option<chrono::NaiveDate>,
}

/// Parses the arguments after the program name. `--help` and `--version` come back as errors
/// of their own kind, which print to standard output and exit 0 (`clap::Error::exit_code`).
pub fn parse(args: &[String]) -> Result<Command, clap::Error> {
    let cli = Cli::try_parse_from(
        std::iter::once("council-feedback".to_string()).chain(args.iter().cloned()),
    )?;
    Ok(match cli.command.unwrap_or(Sub::Serve) {
        Sub::Serve => Command::Serve,
        Sub::Worker => Command::Worker,
        Sub::Migrate => Command::Migrate,
        Sub::Openapi => Command::OpenApi,
        Sub::Retention(RetentionArgs {
            action: RetentionAction::Run { as_of },
        }) => Command::Retention(RetentionRequest { as_of }),
        Sub::Projections(ProjectionsArgs {
            action: ProjectionsAction::Rebuild,
        }) => Command::ProjectionsRebuild,
        Sub::Token(t) => Command::Token(TokenRequest {
            subject: t.subject,
            roles: t.roles,
            services: t.services,
            ttl_seconds: t.ttl,
        }),
        Sub::Seed(s) => {
            if let (Some(from), Some(to)) = (s.from, s.to) {
                if from > to {
                    return Err(Cli::command()
                        .error(ErrorKind::ArgumentConflict, "--from must not be after --to"));
                }
            }
            Command::Seed(SeedRequest {
                cases: s.cases,
                seed: s.seed,
                from: s.from,
                to: s.to,
            })
        }
    })
}

fn non_blank(text: &str) -> Result<String, String> {
    if text.trim().is_empty() {
        Err("must not be blank".into())
    } else {
        Ok(text.to_string())
    }
}

fn role(text: &str) -> Result<Role, String> {
    Role::parse(text).ok_or_else(|| format!("unknown role `{text}`; one of {}", Role::expected()))
}

fn date(text: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("`{text}` is not a date such as 2026-01-31"))
}

fn ttl(text: &str) -> Result<i64, String> {
    let (number, unit) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&text[..i], c),
        _ => (text, 's'),
    };
    let n: i64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration such as 3600, 15m or 8h"))?;
    let seconds = match unit {
        's' => Some(n),
        'm' => n.checked_mul(60),
        'h' => n.checked_mul(3600),
        'd' => n.checked_mul(86_400),
        _ => return Err(format!("`{text}`: the unit must be s, m, h or d")),
    };
    match seconds {
        Some(seconds) if (1..=366 * 86_400).contains(&seconds) => Ok(seconds),
        _ => Err("must be between 1 second and 366 days".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_string).collect()
    }

    fn refusal(text: &str) -> String {
        parse(&args(text)).expect_err(text).to_string()
    }

    #[test]
    fn seed_takes_a_count_a_seed_and_dates() {
        assert_eq!(
            parse(&args(
                "seed --cases 1000 --seed 42 --from 2025-01-01 --to 2025-12-31"
            ))
            .ok(),
            Some(Command::Seed(SeedRequest {
                cases: 1000,
                seed: 42,
                from: chrono::NaiveDate::from_ymd_opt(2025, 1, 1),
                to: chrono::NaiveDate::from_ymd_opt(2025, 12, 31),
            }))
        );
        assert!(refusal("seed").contains("--cases"));
        assert!(refusal("seed --cases many").contains("--cases"));
        assert!(refusal("seed --cases 10000001").contains("--cases"));
        assert!(refusal("seed --cases 5 --from 2026-01-02 --to 2026-01-01")
            .contains("--from must not be after --to"));
        assert!(refusal("seed --cases 5 --to 2026-02-30").contains("not a date"));
    }

    #[test]
    fn projections_rebuild_is_a_command_of_its_own() {
        assert_eq!(
            parse(&args("projections rebuild")).ok(),
            Some(Command::ProjectionsRebuild)
        );
        assert!(parse(&args("projections")).is_err());
        assert!(parse(&args("projections rebuild --now")).is_err());
    }

    #[test]
    fn retention_run_takes_an_optional_day() {
        assert_eq!(
            parse(&args("retention run --as-of 2033-01-31")).ok(),
            Some(Command::Retention(RetentionRequest {
                as_of: chrono::NaiveDate::from_ymd_opt(2033, 1, 31)
            }))
        );
        assert_eq!(
            parse(&args("retention run")).ok(),
            Some(Command::Retention(RetentionRequest { as_of: None }))
        );
        assert!(refusal("retention run --as-of tomorrow").contains("not a date"));
        assert!(refusal("retention").contains("run"));
    }

    #[test]
    fn serve_is_the_default() {
        assert_eq!(parse(&[]).ok(), Some(Command::Serve));
        assert_eq!(parse(&args("serve")).ok(), Some(Command::Serve));
        assert!(refusal("serve --port 1").contains("--port"));
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
        let Ok(Command::Token(t)) = parse(&args("token --sub a --role customer")) else {
            panic!("expected a token command")
        };
        assert_eq!(t.ttl_seconds, 3600, "an hour unless told");
    }

    #[test]
    fn token_mistakes_are_explained() {
        assert!(refusal("token --role customer").contains("--sub"));
        assert!(refusal("token --sub a").contains("--role"));
        assert!(refusal("token --sub a --role admin").contains("unknown role `admin`"));
        assert!(refusal("token --sub a --role customer --ttl 5y").contains("s, m, h or d"));
        assert!(refusal("token --sub a --role customer --ttl 400d").contains("366 days"));
        assert!(refusal("frobnicate").contains("frobnicate"));
    }

    #[test]
    fn every_command_has_help_and_the_binary_a_version() {
        for command in [
            "",
            "serve",
            "worker",
            "migrate",
            "token",
            "openapi",
            "seed",
            "retention",
            "retention run",
        ] {
            let asked = parse(&args(&format!("{command} --help"))).expect_err(command);
            assert_eq!(asked.kind(), ErrorKind::DisplayHelp, "{command}");
            assert_eq!(asked.exit_code(), 0, "{command}");
        }
        let help = parse(&args("seed --help")).expect_err("help").to_string();
        assert!(help.contains("--cases <N>"), "{help}");
        let version = parse(&args("--version")).expect_err("version");
        assert_eq!(version.kind(), ErrorKind::DisplayVersion);
        assert!(version.to_string().contains(env!("CARGO_PKG_VERSION")));
    }
}
