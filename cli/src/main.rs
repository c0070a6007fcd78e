//! `paywire`: sign, verify, call, schema, sandbox, qr, demo and soak. Output meant for
//! programs is JSON on stdout; exit codes are part of the interface (0 ok, 1 not authentic
//! / a flow failed, 2 invalid input or usage, 3 an authentic error answer, 4 no answer, 5 an
//! HTTP error without an answer of the gateway's protocol).

#![forbid(unsafe_code)]

mod args;

use args::{Cli, Command};
use clap::Parser;
use paywire_cli::commands::{self, call, schema, sign, verify};
use paywire_providers::registry::Endpoint;
use paywire_providers::GATEWAYS;
use std::process::ExitCode;

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

/// What `sign` and `call` start from: the endpoint, the request's JSON and the signing
/// options with their secrets resolved; exit 2 with the reason otherwise.
fn request_input(
    endpoint: &str,
    input: Option<String>,
    signing: args::SigningArgs,
) -> Result<(&'static Endpoint, Vec<u8>, sign::SignOptions), ExitCode> {
    let endpoint = GATEWAYS.endpoint(endpoint).map_err(fail)?;
    let body = commands::read_input(input.as_deref()).map_err(fail)?;
    let options = signing.resolve().map_err(fail)?;
    Ok((endpoint, body, options))
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
    let mut words: Vec<&str> = command.get_subcommands().map(|c| c.get_name()).collect();
    words.extend(GATEWAYS.names());
    let message = error.render().to_string();
    eprint!("{}", commands::usage::redact(&message, &args, &words));
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
            input,
            json,
            signing,
        } => {
            let (endpoint, body, options) = match request_input(&endpoint, input, signing) {
                Ok(parts) => parts,
                Err(code) => return code,
            };
            match (endpoint.sign)(endpoint.name, &body, &options) {
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
            input,
            headers,
            platform,
            apiv3,
            merchant,
        } => {
            let secrets = key.resolve().and_then(|key| Ok((key, apiv3.resolve()?)));
            let (key, apiv3_key) = match secrets {
                Ok(s) => s,
                Err(e) => return fail(e),
            };
            let body = match commands::read_input(input.as_deref()) {
                Ok(b) => b,
                Err(e) => return fail(e),
            };
            let options = platform.load().and_then(|mut options| {
                options.headers = verify::headers(&headers)?;
                options.credentials.key = key.map(paywire::Secret::new);
                options.credentials.apiv3_key = apiv3_key.map(paywire::Secret::new);
                options.credentials.appid = merchant.appid;
                options.credentials.merchant_id = merchant.mchid;
                Ok(options)
            });
            let outcome = match (GATEWAYS.message(&kind), options) {
                (Ok(message), Ok(options)) => (message.verify)(&body, &options),
                (Err(e), _) | (_, Err(e)) => verify::usage(e),
            };
            print_json(&outcome.report);
            ExitCode::from(outcome.code)
        }
        Command::Call {
            endpoint,
            base_url,
            input,
            signing,
            platform,
        } => {
            let (endpoint, body, sign) = match request_input(&endpoint, input, signing) {
                Ok(parts) => parts,
                Err(code) => return code,
            };
            let mut verifying = match platform.load() {
                Ok(options) => options,
                Err(e) => return fail(e),
            };
            verifying.credentials.key = sign.credentials.key.clone();
            let options = call::CallOptions {
                base_url,
                verify: verifying,
                sign,
            };
            let rt = match runtime() {
                Ok(rt) => rt,
                Err(code) => return code,
            };
            let outcome = rt.block_on(call::run(endpoint, &body, &options));
            print_json(&outcome.report);
            ExitCode::from(outcome.code)
        }
        Command::Schema { endpoint, format } => {
            match GATEWAYS
                .endpoint(&endpoint)
                .and_then(|e| schema::render(e.schema, &format))
            {
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
        Command::Demo { verbose } => match runtime() {
            Ok(rt) => rt.block_on(demo(verbose)),
            Err(code) => code,
        },
        Command::Soak {
            orders,
            concurrency,
            fail_rate,
            faults,
            instances,
            ledger,
            ledger_url,
            redis,
            outage_ms,
            lease_ms,
            seed,
            json,
        } => {
            let ledger = match (redis, ledger) {
                (Some(url), _) => paywire_cli::soak::SoakLedger::parse("redis", Some(url)),
                (None, name) => paywire_cli::soak::SoakLedger::parse(
                    name.as_deref().unwrap_or("memory"),
                    ledger_url,
                ),
            };
            let ledger = match ledger {
                Ok(l) => l,
                Err(e) => return fail(e),
            };
            let faults = match paywire_cli::merchant::Fault::parse_list(&faults) {
                Ok(f) => f,
                Err(e) => return fail(e),
            };
            let rt = match runtime() {
                Ok(rt) => rt,
                Err(code) => return code,
            };
            let outage = outage_ms.map(std::time::Duration::from_millis);
            let lease = match lease_ms {
                Some(ms) => std::time::Duration::from_millis(ms),
                None => outage
                    .filter(|_| ledger.is_separate())
                    .map(paywire_cli::soak::shortest_lease_through)
                    .unwrap_or_default()
                    .max(std::time::Duration::from_secs(4)),
            };
            let options = paywire_cli::soak::SoakOptions {
                orders,
                concurrency,
                fail_rate,
                faults,
                instances,
                ledger,
                outage,
                lease,
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
                            "faults: before {}  after {}  slow {}  drop {}  apply_failed {}  crashed {}  slow_apply {}  crashed_after_write {}  panicked_after_write {}  (ledger {}, restarted: {})",
                            f.before, f.after, f.slow, f.drop, f.apply_failed, f.crashed, f.slow_apply,
                            f.crashed_after_write, f.panicked_after_write, report.ledger, report.ledger_restarted
                        ));
                        let d = &report.redelivery;
                        out(&format!(
                            "notifications sent again: orders {}  copies {}  acknowledged {}  unacknowledged {}",
                            d.orders, d.copies, d.acknowledged, d.unacknowledged
                        ));
                        for reason in &d.refused {
                            out(&format!("  not sent again: {reason}"));
                        }
                        let v = &report.recovery;
                        out(&format!(
                            "recovery from the signed query answers: queried {}  recovered {}  unsigned {}  failed {}",
                            v.queried, v.recovered, v.unsigned, v.failed
                        ));
                        for reason in &v.reasons {
                            out(&format!("  recovery failed: {reason}"));
                        }
                        let r = &report.refunds;
                        out(&format!(
                            "refunds ({}): orders {}  attempts {}  sent {}  committed {}  held_back {}  books_failed {}  refused {}  answers_lost {}  resent {}  unresolved {}  swept {}  unaccepted {}  lost {}  applied_twice {}  above_paid {}  short {}",
                            r.books, r.orders, r.attempts, r.sent, r.committed, r.held_back, r.books_failed, r.refused,
                            r.answers_lost, r.resent, r.unresolved, r.swept, r.unaccepted, r.lost, r.applied_twice, r.above_paid, r.short
                        ));
                        out(&format!(
                            "refund notifications: notified {}  written once {}  missing {}  twice {}  closed {}  closed_written {}  books_disagree {}  sent again {}  unacknowledged {}",
                            r.notified,
                            r.notified - r.notices_missing - r.notices_twice,
                            r.notices_missing,
                            r.notices_twice,
                            r.closed,
                            r.closed_written,
                            r.books_disagree,
                            r.notices_sent_again,
                            r.notices_again_unacknowledged
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

async fn demo(verbose: bool) -> ExitCode {
    let demo = match paywire_cli::demo::Demo::start(0).await {
        Ok(d) if verbose => d.with_trace(Box::new(std::io::stdout())),
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
