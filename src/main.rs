use std::process::ExitCode;

use clap::{Parser, Subcommand};

use cosell::app::{AppState, Application};
use cosell::auth::roles::Role;
use cosell::config::Config;

/// The co-sell publishing workflow API. Configuration comes from COSELL_* environment variables
/// (see the README).
#[derive(Parser)]
#[command(name = "cosell", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the API server (applies pending migrations first).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the OpenAPI document.
    Openapi,
    /// Administrative tasks.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create a staff user (support or reviewer).
    CreateStaff {
        #[arg(long)]
        email: String,
        #[arg(long)]
        display_name: String,
        #[arg(long, value_parser = ["support", "reviewer"])]
        role: String,
        /// The password; read from COSELL_ADMIN_PASSWORD when absent.
        #[arg(long, env = "COSELL_ADMIN_PASSWORD", hide_env_values = true)]
        password: String,
    },
    /// Import legacy solutions from a JSON file ({"solutions": [...]} or an array), in one transaction.
    ImportSolutions {
        /// The JSON file.
        file: std::path::PathBuf,
    },
    /// Create a demo organization with users of every role, staff, offers and solutions; prints the passwords.
    SeedDemo,
    /// Fill the database quickly with benchmark data (organizations, users, offers in every state, solutions, tickets).
    SeedBench {
        #[arg(long, default_value_t = 20)]
        organizations: usize,
        /// Offers per organization.
        #[arg(long, default_value_t = 50)]
        offers: usize,
    },
}

/// glibc raises its mmap threshold whenever a large block is freed, and from then on keeps such
/// blocks (argon2's 19 MiB per password check) in per-thread heaps that it rarely gives back. A
/// fixed threshold makes every large block a mapping of its own, returned when freed.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn tune_allocator() {
    // SAFETY: mallopt only changes allocator parameters; it is called before any thread starts.
    unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024) };
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn tune_allocator() {}

fn main() -> ExitCode {
    tune_allocator();
    let cli = Cli::parse();
    if let Command::Openapi = cli.command {
        // A closed pipe (`cosell openapi | head`) is not an error worth a panic.
        let _ = std::io::Write::write_all(&mut std::io::stdout(), cosell::app::openapi_json().as_bytes());
        return ExitCode::SUCCESS;
    }
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("cosell: invalid configuration: {e}");
            return ExitCode::from(2);
        }
    };
    cosell::telemetry::init(&config.log, config.log_format);
    match run(cli.command, &config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("cosell: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command, config: &Config) -> Result<(), String> {
    match command {
        Command::Openapi => unreachable!("handled before configuration is read"),
        Command::Serve => {
            let state = AppState::prepare(config)?;
            let _background = cosell::background::start(&state)?;
            actix_web::rt::System::new().block_on(async {
                let app = Application::build(config, state).map_err(|e| format!("cannot listen on {}: {e}", config.bind))?;
                tracing::info!(bind = %config.bind, database = ?config.database_url, "cosell is serving; Swagger UI at /swagger-ui/");
                app.run().await.map_err(|e| e.to_string())
            })
        }
        Command::Migrate => {
            let state = AppState::prepare(config)?;
            drop(state);
            println!("migrations are up to date");
            Ok(())
        }
        Command::Admin {
            command:
                AdminCommand::CreateStaff {
                    email,
                    display_name,
                    role,
                    password,
                },
        } => {
            let role: Role = role.parse()?;
            let state = AppState::prepare(config)?;
            let mut conn = state.pool.get().map_err(|e| e.to_string())?;
            let id = cosell::admin::create_staff(&mut conn, &email, &display_name, role, &password)?;
            println!("created {role} {email} ({id})");
            Ok(())
        }
        Command::Admin {
            command: AdminCommand::ImportSolutions { file },
        } => {
            let state = AppState::prepare(config)?;
            let mut conn = state.pool.get().map_err(|e| e.to_string())?;
            let report = cosell::admin::import_solutions_file(&mut conn, &file)?;
            println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
            Ok(())
        }
        Command::Admin {
            command: AdminCommand::SeedBench { organizations, offers },
        } => {
            let state = AppState::prepare(config)?;
            let mut conn = state.pool.get().map_err(|e| e.to_string())?;
            let report = cosell::admin::bench::seed(&mut conn, organizations, offers)?;
            println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
            Ok(())
        }
        Command::Admin {
            command: AdminCommand::SeedDemo,
        } => {
            let state = AppState::prepare(config)?;
            let users = actix_web::rt::System::new().block_on(cosell::admin::demo::seed(state))?;
            println!("Demo data created. Log in with POST /v1/auth/token (or Swagger UI) as:\n");
            println!("{:<10} {:<28} password", "role", "email");
            for user in users {
                println!("{:<10} {:<28} {}", user.role.as_str(), user.email, user.password);
            }
            println!(
                "\nThese are the document's examples, public on purpose: every request body example works on \
                 the demo.\nSeed the demo only on a server that nobody else can reach."
            );
            Ok(())
        }
    }
}
