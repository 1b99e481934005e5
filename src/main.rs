use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// onpace: sales targets that people are accountable for.
#[derive(Parser)]
#[command(name = "onpace", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP service (the default).
    Serve {
        /// Fill a demo organisation first, unless it exists.
        #[arg(long)]
        demo: bool,
    },
    /// Deliver webhooks only (no HTTP service), until SIGTERM or ctrl-c. Any
    /// number may run beside `serve` (set ONPACE_WEBHOOK_WORKER=false there to
    /// leave deliveries to them).
    Worker,
    /// Create the database if needed and apply pending migrations.
    Migrate,
    /// Create an organisation and its first admin; prints the organisation's id.
    /// The password comes from ONPACE_ADMIN_PASSWORD, or is generated and printed once.
    Bootstrap {
        #[arg(long)]
        org: String,
        /// ISO 4217 reporting currency, e.g. EUR.
        #[arg(long)]
        currency: String,
        #[arg(long)]
        admin_email: String,
        #[arg(long, default_value = "Administrator")]
        admin_name: String,
    },
    /// Fill a demo organisation with teams, farmers and hunters, built around
    /// today's quarter; prints how to sign in.
    Demo {
        /// Drop the demo organisation first (all of it) and build it again.
        #[arg(long)]
        reset: bool,
    },
    /// Print the OpenAPI document.
    Openapi,
}

fn main() -> ExitCode {
    onpace::memory::keep_large_blocks_apart();
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve { demo: false });
    if let Command::Openapi = command {
        print!("{}", onpace::server::openapi_pretty());
        return ExitCode::SUCCESS;
    }
    onpace::init_logging();
    let config = match onpace::Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("onpace: configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    let result = match command {
        Command::Serve { demo } => onpace::cli::serve(config, demo),
        Command::Worker => onpace::cli::worker(config),
        Command::Migrate => onpace::cli::migrate(&config),
        Command::Bootstrap {
            org,
            currency,
            admin_email,
            admin_name,
        } => onpace::cli::bootstrap(&config, &org, &currency, &admin_email, &admin_name),
        Command::Demo { reset } => onpace::cli::demo(&config, reset),
        Command::Openapi => unreachable!("handled above"),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("onpace: {e}");
            ExitCode::FAILURE
        }
    }
}
