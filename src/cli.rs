//! The command line: `chatd [serve]`, `chatd migrate`, `chatd seed`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{self, Config};

#[derive(Parser, Debug)]
#[command(
    name = "chatd",
    version,
    about = "A self-hosted chat server in one binary on one SQLite file.",
    long_about = "A self-hosted chat server in one binary on one SQLite file.\n\n\
        Configuration comes from Rocket.toml (profiles debug/release/default) in the current \
        folder, each key overridable by an environment variable ROCKET_<KEY>, e.g. \
        ROCKET_PORT=9000 or ROCKET_DATABASE_PATH=/srv/chat.db.",
    after_help = "Examples:\n  \
        chatd                       migrate, then serve on the configured address\n  \
        chatd migrate               apply pending schema migrations and exit\n  \
        chatd seed                  load the demo users and chats (safe to repeat)\n  \
        chatd seed --users 1000 --conversations 1000 --messages 100\n                              \
        add a large synthetic data set for benchmarks\n  \
        chatd backup                write a checked snapshot (safe while serving)\n  \
        chatd restore FILE          put a backup in place (stop the server first)\n  \
        chatd user list             accounts; also: user reset-password|disable|enable NAME"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Apply pending migrations, then serve HTTP (the default).
    Serve,
    /// Apply pending migrations, print what was applied, and exit.
    Migrate,
    /// Apply pending migrations, then load demo data (or, with options, synthetic data).
    Seed(crate::seed::SeedArgs),
    /// Write a checked snapshot of the database, also while the server runs.
    Backup {
        /// Folder for the backup (default: `backups/` beside the database).
        #[arg(long)]
        to: Option<std::path::PathBuf>,
    },
    /// Account administration: list, reset-password, disable, enable (safe while serving).
    #[command(subcommand)]
    User(crate::admin::UserCommand),
    /// Replace the database with a backup; refuses while a server uses it. The replaced
    /// database is kept aside as `<database>.replaced-<time>`.
    Restore {
        /// The backup file to restore.
        file: std::path::PathBuf,
    },
}

/// Runs the command line; the exit code is non-zero with a message on stderr on failure.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    crate::logging::init();
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(),
        Command::Migrate => migrate(),
        Command::Seed(args) => seed(&args),
        Command::Backup { to } => backup(to.as_deref()),
        Command::Restore { file } => restore(&file),
        Command::User(command) => load_config().and_then(|config| {
            crate::db::migrate::run(&config.database_path)?;
            crate::admin::run(&config.database_path, &command)
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("chatd: {message}");
            ExitCode::FAILURE
        }
    }
}

fn load_config() -> Result<Config, String> {
    Config::from_figment(&config::figment())
}

fn migrate() -> Result<(), String> {
    let config = load_config()?;
    let applied = crate::db::migrate::run(&config.database_path)?;
    let path = config.database_path.display();
    if applied.is_empty() {
        println!("{path}: schema is up to date, no migration applied");
    } else {
        for name in &applied {
            println!("{path}: applied migration {name}");
        }
    }
    Ok(())
}

fn seed(args: &crate::seed::SeedArgs) -> Result<(), String> {
    let config = load_config()?;
    crate::db::migrate::run(&config.database_path)?;
    crate::seed::run(&config.database_path, args)
}

fn backup(to: Option<&std::path::Path>) -> Result<(), String> {
    let config = load_config()?;
    let written = crate::backup::backup(&config.database_path, &config.media_path(), to)?;
    println!(
        "media: {} new files copied (the others were already there)",
        written.media_copied
    );
    println!("backup written and checked: {}", written.path.display());
    Ok(())
}

fn restore(file: &std::path::Path) -> Result<(), String> {
    let config = load_config()?;
    let aside = crate::backup::restore(&config.database_path, &config.media_path(), file)?;
    println!(
        "restored {} from {}",
        config.database_path.display(),
        file.display()
    );
    if let Some(aside) = aside {
        println!("the replaced database was kept as {}", aside.display());
    }
    Ok(())
}

fn serve() -> Result<(), String> {
    let config = load_config()?;
    // Held until serve returns: `chatd restore` refuses while it is.
    let _lock = crate::backup::lock_for_serving(&config.database_path)?;
    crate::limits::connections::raise_fd_limit();
    let rocket = crate::build_rocket(config::figment())?;
    rocket::execute(async move {
        let ignited = rocket
            .ignite()
            .await
            .map_err(|e| format!("cannot start: {e}"))?;
        let db = ignited.state::<crate::db::Db>().cloned();
        let served = ignited
            .launch()
            .await
            .map(|_| ())
            .map_err(|e| format!("server stopped with an error: {e}"));
        // Every acknowledged write is already on disk; closing finishes what is queued and
        // folds the WAL into the database file, so a stopped server leaves one file behind.
        if let Some(db) = db {
            match db.close().await {
                Ok(true) => {}
                Ok(false) => tracing::warn!(
                    "the WAL could not be folded into the database at exit (it is kept)"
                ),
                Err(e) => tracing::error!("closing the database: {}", e.describe()),
            }
        }
        served
    })?;
    tracing::info!("chatd stopped");
    Ok(())
}
