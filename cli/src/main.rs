//! `paywire`: sign, verify, schema, sandbox, qr and demo. Output meant for programs is
//! JSON on stdout; exit codes are part of the interface (0 ok, 1 not authentic / a flow
//! failed, 2 invalid input or usage).

use clap::{Parser, Subcommand};
use paywire_cli::commands::{self, schema, sign, verify, Endpoint, SecretSource};
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
    /// Validates, signs and encodes a request given as JSON keyed by the gateway document's wire names.
    Sign {
        /// feat/pay, weidoufu/miniapp, swiftpass/wap, swiftpass/wap-rsa, wechat-global/jsapi or xorpay/jsapi.
        endpoint: String,
        /// Signing key (weidoufu, swiftpass, xorpay); on the command line `ps` shows it.
        #[arg(long)]
        key: Option<String>,
        /// A file whose first line is the signing key.
        #[arg(long)]
        key_file: Option<String>,
        /// An environment variable holding the signing key.
        #[arg(long)]
        key_env: Option<String>,
        /// Input file, or `-` for standard input (the default).
        #[arg(long)]
        input: Option<String>,
        /// Print validation problems as JSON instead of one line each.
        #[arg(long)]
        json: bool,
        /// featapi bearer token.
        #[arg(long)]
        token: Option<String>,
        /// A file whose first line is the featapi bearer token.
        #[arg(long)]
        token_file: Option<String>,
        /// An environment variable holding the featapi bearer token.
        #[arg(long)]
        token_env: Option<String>,
        /// WeChat Pay Global merchant id.
        #[arg(long)]
        mchid: Option<String>,
        /// WeChat Pay Global merchant certificate serial.
        #[arg(long)]
        serial: Option<String>,
        /// WeChat Pay Global merchant private key (PEM file).
        #[arg(long)]
        private_key: Option<String>,
        /// Unix timestamp to sign with (WeChat Pay Global; default now).
        #[arg(long)]
        timestamp: Option<i64>,
        /// Nonce to sign with (WeChat Pay Global).
        #[arg(long)]
        nonce: Option<String>,
    },
    /// Verifies a response or notification from raw bytes (and headers).
    Verify {
        /// swiftpass/response, swiftpass/notify, weidoufu/notify, xorpay/notify,
        /// wechat-global/response or wechat-global/notify.
        kind: String,
        /// Key (MD5 / HMAC / concat schemes); on the command line `ps` shows it.
        #[arg(long)]
        key: Option<String>,
        /// A file whose first line is the key.
        #[arg(long)]
        key_file: Option<String>,
        /// An environment variable holding the key.
        #[arg(long)]
        key_env: Option<String>,
        /// Input file, or `-` for standard input (the default).
        #[arg(long)]
        input: Option<String>,
        /// A received header, `Name: value`; repeat for each.
        #[arg(long = "header")]
        headers: Vec<String>,
        /// WeChat Pay platform certificate (PEM file).
        #[arg(long)]
        platform_cert: Option<String>,
        /// WeChat Pay platform public key, or SwiftPass RSA public key (PEM file).
        #[arg(long)]
        platform_public_key: Option<String>,
        /// The id WeChat Pay gave with its public key (`PUB_KEY_ID_...`).
        #[arg(long)]
        platform_key_id: Option<String>,
        /// WeChat Pay APIv3 key (32 bytes).
        #[arg(long)]
        apiv3_key: Option<String>,
        /// A file whose first line is the APIv3 key.
        #[arg(long)]
        apiv3_key_file: Option<String>,
        /// An environment variable holding the APIv3 key.
        #[arg(long)]
        apiv3_key_env: Option<String>,
        /// The time to check v3 timestamps against (Unix seconds; default now).
        #[arg(long)]
        now: Option<i64>,
    },
    /// Prints an endpoint's parameter table.
    Schema {
        /// feat/pay, weidoufu/miniapp, swiftpass/wap, swiftpass/wap-rsa, wechat-global/jsapi or xorpay/jsapi.
        endpoint: String,
        /// markdown, json (the table) or json-schema (the request's JSON form).
        #[arg(long, default_value = "markdown")]
        format: String,
    },
    /// Runs the sandbox gateway until interrupted.
    Sandbox {
        /// Loopback address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
        /// JSON file overriding the sandbox credentials.
        #[arg(long)]
        config: Option<String>,
    },
    /// Prints a QR code (a NATIVE code_url) in the terminal, or writes a PNG.
    Qr {
        /// The text to encode.
        text: String,
        /// Write a PNG file instead.
        #[arg(long)]
        png: Option<String>,
    },
    /// Runs all five gateways end to end against an in-process sandbox.
    Demo,
    /// Many orders over all five gateways with a merchant that fails deliveries on purpose.
    Soak {
        /// Orders in all (1 to 1 000 000).
        #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
        orders: u32,
        /// Orders in flight at once (1 to 4096).
        #[arg(long, default_value_t = 8, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=4096))]
        concurrency: usize,
        /// Fraction of notification deliveries the merchant fails (0 to 0.95).
        #[arg(long, default_value_t = 0.3, value_parser = fail_rate)]
        fail_rate: f64,
        /// Faults to spread failures over: `all`, or a comma-separated list of before,
        /// after, slow, drop, apply-error, crash.
        #[arg(long, default_value = "before,after,slow,drop")]
        faults: String,
        /// Merchant instances behind the one notify URL, sharing one ledger.
        #[arg(long, default_value_t = 1, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=64))]
        instances: usize,
        /// The instances' shared ledger in Redis: a redis:// URL, or `auto` for a
        /// redis-server the soak starts on loopback (in memory without this option).
        #[arg(long)]
        redis: Option<String>,
        /// With `--redis auto`: kill Redis a quarter of the way through, and start it
        /// again after this many milliseconds (at most 600 000).
        #[arg(long, value_parser = clap::value_parser!(u64).range(0..=600_000))]
        redis_outage_ms: Option<u64>,
        /// The ledger's claim lease in milliseconds (how long a dead instance's claim
        /// blocks its order; 1 to 3 600 000).
        #[arg(long, default_value_t = 4000, value_parser = clap::value_parser!(u64).range(1..=3_600_000))]
        lease_ms: u64,
        /// Seed of the merchant's fault choices.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            eprintln!("cannot start the async runtime: {e}");
            ExitCode::from(2)
        })
}

fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("paywire: {message}");
    ExitCode::from(2)
}

/// Writes a line to standard output; a closed pipe (`paywire ... | head`) is not an
/// error worth a panic, so write errors are ignored.
fn out(text: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout().lock(), "{text}");
}

fn print_json(value: &serde_json::Value) {
    out(&serde_json::to_string_pretty(value).unwrap_or_default());
}

/// `--fail-rate`: a number from 0 to 0.95 (the merchant must acknowledge some deliveries).
fn fail_rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(rate) if (0.0..=0.95).contains(&rate) => Ok(rate),
        _ => Err("a number from 0 to 0.95".into()),
    }
}

/// The command line, or exit 2 with clap's message, every argument value in it starred.
fn parse_arguments() -> Result<Cli, ExitCode> {
    use clap::{error::ErrorKind, CommandFactory};
    let error = match Cli::try_parse() {
        Ok(cli) => return Ok(cli),
        Err(error) => error,
    };
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        error.exit();
    }
    let args: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let command = Cli::command();
    let subcommands: Vec<&str> = command.get_subcommands().map(|c| c.get_name()).collect();
    let message = error.render().to_string();
    eprint!("{}", commands::usage::redact(&message, &args, &subcommands));
    Err(ExitCode::from(2))
}

fn main() -> ExitCode {
    let cli = match parse_arguments() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    match cli.command {
        Command::Sign {
            endpoint,
            key,
            key_file,
            key_env,
            input,
            json,
            token,
            token_file,
            token_env,
            mchid,
            serial,
            private_key,
            timestamp,
            nonce,
        } => {
            let endpoint = match Endpoint::parse(&endpoint) {
                Ok(e) => e,
                Err(e) => return fail(e),
            };
            let body = match commands::read_input(input.as_deref()) {
                Ok(b) => b,
                Err(e) => return fail(e),
            };
            let secrets = SecretSource::new(key, key_file, key_env)
                .resolve("key")
                .and_then(|key| {
                    let token = SecretSource::new(token, token_file, token_env).resolve("token")?;
                    Ok((key, token))
                });
            let (key, token) = match secrets {
                Ok(s) => s,
                Err(e) => return fail(e),
            };
            let options = sign::SignOptions {
                key,
                token,
                mchid,
                serial,
                private_key,
                timestamp,
                nonce,
            };
            match sign::run(endpoint, &body, &options) {
                Ok(out) => {
                    print_json(&out);
                    ExitCode::SUCCESS
                }
                Err(sign::SignFailure::Usage(e)) => fail(e),
                Err(sign::SignFailure::Invalid(problems)) => {
                    if json {
                        print_json(&serde_json::Value::Array(problems));
                    } else {
                        for p in &problems {
                            eprintln!("{}", p["message"].as_str().unwrap_or_default());
                        }
                    }
                    ExitCode::from(2)
                }
            }
        }
        Command::Verify {
            kind,
            key,
            key_file,
            key_env,
            input,
            headers,
            platform_cert,
            platform_public_key,
            platform_key_id,
            apiv3_key,
            apiv3_key_file,
            apiv3_key_env,
            now,
        } => {
            let secrets = SecretSource::new(key, key_file, key_env)
                .resolve("key")
                .and_then(|key| {
                    let apiv3 = SecretSource::new(apiv3_key, apiv3_key_file, apiv3_key_env)
                        .resolve("apiv3-key")?;
                    Ok((key, apiv3))
                });
            let (key, apiv3_key) = match secrets {
                Ok(s) => s,
                Err(e) => return fail(e),
            };
            let body = match commands::read_input(input.as_deref()) {
                Ok(b) => b,
                Err(e) => return fail(e),
            };
            let options = verify::VerifyOptions {
                key,
                headers,
                platform_cert,
                platform_public_key,
                platform_key_id,
                apiv3_key,
                now,
            };
            let outcome = verify::run(&kind, &body, &options);
            print_json(&outcome.report);
            ExitCode::from(outcome.code)
        }
        Command::Schema { endpoint, format } => {
            match Endpoint::parse(&endpoint).and_then(|e| schema::render(e, &format)) {
                Ok(text) => {
                    out(&text);
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        Command::Sandbox { addr, config } => {
            let config = match config {
                None => Ok(paywire_sandbox::SandboxConfig::default()),
                Some(path) => commands::read_text(&path).and_then(|text| {
                    paywire_sandbox::SandboxConfig::from_json(&text).map_err(|e| e.to_string())
                }),
            };
            let config = match config {
                Ok(c) => c,
                Err(e) => return fail(e),
            };
            let addr = match addr.parse() {
                Ok(a) => a,
                Err(e) => return fail(format!("--addr {addr}: {e}")),
            };
            let rt = match runtime() {
                Ok(rt) => rt,
                Err(code) => return code,
            };
            rt.block_on(async {
                let sandbox = match paywire_sandbox::Sandbox::start(config, addr).await {
                    Ok(s) => s,
                    Err(e) => return fail(e),
                };
                out(&format!(
                    "paywire sandbox on {} (Ctrl-C to stop)",
                    sandbox.url()
                ));
                for line in sandbox.banner() {
                    out(&line);
                }
                let _ = tokio::signal::ctrl_c().await;
                ExitCode::SUCCESS
            })
        }
        Command::Qr { text, png } => match png {
            None => match paywire_cli::qr::terminal(&text) {
                Ok(drawn) => {
                    out(&drawn);
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            },
            Some(path) => {
                let written = std::fs::File::create(&path)
                    .map_err(|e| format!("{path}: {e}"))
                    .and_then(|f| paywire_cli::qr::png(&text, 8, std::io::BufWriter::new(f)));
                match written {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(e) => fail(e),
                }
            }
        },
        Command::Demo => match runtime() {
            Ok(rt) => rt.block_on(demo()),
            Err(code) => code,
        },
        Command::Soak {
            orders,
            concurrency,
            fail_rate,
            faults,
            instances,
            redis,
            redis_outage_ms,
            lease_ms,
            seed,
            json,
        } => {
            let faults = match paywire_cli::merchant::Fault::parse_list(&faults) {
                Ok(f) => f,
                Err(e) => return fail(e),
            };
            let rt = match runtime() {
                Ok(rt) => rt,
                Err(code) => return code,
            };
            let options = paywire_cli::soak::SoakOptions {
                orders,
                concurrency,
                fail_rate,
                faults,
                instances,
                redis,
                redis_outage: redis_outage_ms.map(std::time::Duration::from_millis),
                lease: std::time::Duration::from_millis(lease_ms),
                seed,
                progress: paywire_cli::progress::Progress::for_stderr(),
            };
            match rt.block_on(paywire_cli::soak::run(&options)) {
                Err(e) => fail(e),
                Ok(report) => {
                    if json {
                        print_json(&serde_json::to_value(&report).unwrap_or_default());
                    } else {
                        let f = &report.faults;
                        out(&format!(
                            "orders {}  paid {}  deliveries {}  applied {}  lost {}  applied_twice {}  amount_mismatch {}  instances {}  guard_unavailable {}  p50 {} ms  p99 {} ms",
                            report.orders, report.paid, report.deliveries, report.applied, report.lost,
                            report.applied_twice, report.amount_mismatch, report.instances,
                            report.guard_unavailable, report.p50_ms, report.p99_ms
                        ));
                        out(&format!(
                            "faults: before {}  after {}  slow {}  drop {}  apply_failed {}  crashed {}  (redis restarted: {})",
                            f.before, f.after, f.slow, f.drop, f.apply_failed, f.crashed, report.redis_restarted
                        ));
                        let peak = report
                            .peak_notify_connections
                            .map_or("not measurable here".to_owned(), |p| p.to_string());
                        out(&format!(
                            "notify connections: at most {peak} open at once (pool of {})",
                            report.delivery_workers
                        ));
                        for f in &report.failures {
                            out(&format!("  failed: {f}"));
                        }
                    }
                    if report.passed() {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::FAILURE
                    }
                }
            }
        }
    }
}

async fn demo() -> ExitCode {
    let demo = match paywire_cli::demo::Demo::start(0).await {
        Ok(d) => d,
        Err(e) => return fail(e),
    };
    out(&format!("sandbox on {}", demo.sandbox.url()));
    for line in demo.sandbox.banner() {
        out(&format!("  {line}"));
    }
    let mut stdout = std::io::stdout();
    let rows = demo.run_all(&mut stdout).await;
    out(&paywire_cli::demo::table(&rows));
    if rows.iter().all(|r| r.passed()) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
