//! `paywire`: sign, verify, schema, sandbox, qr and demo.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Chinese payment gateways, declared once: sign, verify and try them locally.
#[derive(Parser)]
#[command(name = "paywire", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs all five gateways end to end against an in-process sandbox.
    Demo,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match cli.command {
        Command::Demo => runtime.block_on(demo()),
    }
}

async fn demo() -> ExitCode {
    let demo = match paywire_cli::demo::Demo::start(0).await {
        Ok(d) => d,
        Err(e) => {
            eprintln!("demo: {e}");
            return ExitCode::from(2);
        }
    };
    println!("sandbox on {}", demo.sandbox.url());
    for line in demo.sandbox.banner() {
        println!("  {line}");
    }
    let mut stdout = std::io::stdout();
    let rows = demo.run_all(&mut stdout).await;
    println!("{}", paywire_cli::demo::table(&rows));
    if rows.iter().all(|r| r.passed()) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
