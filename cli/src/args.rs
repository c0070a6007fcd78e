//! The command line's shape: subcommands and the option groups several of them share.

use clap::{Args, Parser, Subcommand};
use paywire::keys::MerchantKey;
use paywire::Secret;
use paywire_cli::commands::read_text;
use paywire_cli::commands::SecretSource;
use paywire_providers::registry::{Credentials, SignOptions, VerifyOptions};

/// Chinese payment gateways, declared once: sign, verify and try them locally.
#[derive(Parser)]
#[command(name = "paywire", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Validates, signs and encodes a request given as JSON keyed by the gateway document's wire names.
    Sign {
        /// The endpoint, `gateway/name` (feat/pay, swiftpass/wap, ...; an unknown name lists them).
        endpoint: String,
        /// Input file, or `-` for standard input (the default).
        #[arg(long)]
        input: Option<String>,
        /// Print validation problems as JSON instead of one line each.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        signing: SigningArgs,
    },
    /// Verifies a response or notification from raw bytes (and headers).
    Verify {
        /// The message, `gateway/response` or `gateway/notify` (swiftpass/notify, ...; an
        /// unknown name lists them).
        kind: String,
        #[command(flatten)]
        key: KeyArgs,
        /// Input file, or `-` for standard input (the default).
        #[arg(long)]
        input: Option<String>,
        /// A received header, `Name: value`; repeat for each.
        #[arg(long = "header")]
        headers: Vec<String>,
        #[command(flatten)]
        platform: PlatformArgs,
        #[command(flatten)]
        apiv3: Apiv3Args,
        #[command(flatten)]
        merchant: MerchantArgs,
    },
    /// Builds, signs and sends a request, then verifies the answer and prints both.
    Call {
        /// The endpoint, `gateway/name` (feat/pay, swiftpass/wap, ...; an unknown name lists them).
        endpoint: String,
        /// The gateway's base URL (a module's BASE_URL, or the sandbox's
        /// http://127.0.0.1:PORT/GATEWAY); SwiftPass: the full gateway URL, as assigned.
        #[arg(long)]
        base_url: String,
        /// Input file, or `-` for standard input (the default).
        #[arg(long)]
        input: Option<String>,
        #[command(flatten)]
        signing: SigningArgs,
        #[command(flatten)]
        platform: PlatformArgs,
    },
    /// Prints an endpoint's parameter table.
    Schema {
        /// The endpoint, `gateway/name` (feat/pay, swiftpass/wap, ...; an unknown name lists them).
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
    Demo {
        /// Show each request's sign string (key as ***), body, answer and notification.
        #[arg(long)]
        verbose: bool,
    },
    /// Many orders over all five gateways with a merchant that fails deliveries on purpose.
    Soak {
        /// Orders in all (1 to 1 000 000).
        #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
        orders: u32,
        /// Orders in flight at once (1 to 4096).
        #[arg(long, default_value_t = 8, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=4096))]
        concurrency: usize,
        /// Fraction of notification deliveries the merchant fails (0 to 0.95).
        #[arg(long, default_value_t = 0.3, value_parser = parse_fail_rate)]
        fail_rate: f64,
        /// Faults to spread failures over: `all`, or a comma-separated list of before,
        /// after, slow, drop (around the delivery), apply-error, crash, slow-apply,
        /// crash-after-write, panic-after-write (inside the shop's write). A ledger apart
        /// from the shop's database (memory, redis) applies a payment again after a
        /// crash-after-write or panic-after-write, and the soak reports it.
        #[arg(long, default_value = "before,after,slow,drop")]
        faults: String,
        /// Merchant instances behind the one notify URL, sharing one ledger.
        #[arg(long, default_value_t = 1, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=64))]
        instances: usize,
        /// Where payments are applied: memory or redis (a ledger apart from the shop's
        /// database), sqlite, postgres or mariadb (inside the shop's own transaction).
        /// Without --ledger-url, redis, postgres and mariadb start a server of their own on
        /// loopback and sqlite uses a file in a temporary folder.
        #[arg(long, value_parser = ["memory", "redis", "sqlite", "postgres", "mariadb"])]
        ledger: Option<String>,
        /// The ledger's server: a redis://, postgres:// or mysql:// URL.
        #[arg(long)]
        ledger_url: Option<String>,
        /// The same as --ledger redis --ledger-url URL (`auto`: a server of its own).
        #[arg(long, conflicts_with_all = ["ledger", "ledger_url"])]
        redis: Option<String>,
        /// With a server the soak starts itself (--ledger redis, postgres or mariadb): kill it a
        /// quarter of the way through, and start it again after this many milliseconds
        /// (at most 600 000).
        #[arg(long, alias = "redis-outage-ms", value_parser = clap::value_parser!(u64).range(0..=600_000))]
        outage_ms: Option<u64>,
        /// The ledger's claim lease in milliseconds (how long a dead instance's claim
        /// blocks its order; 1 to 3 600 000). Default 4000, or with --outage-ms and a
        /// ledger apart from the database the shortest lease that outlasts the outage,
        /// if that is longer.
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=3_600_000))]
        lease_ms: Option<u64>,
        /// Seed of the merchant's fault choices.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// The signing key of sorted and concat schemes.
#[derive(Args)]
pub struct KeyArgs {
    /// Signing key (weidoufu, swiftpass, xorpay); on the command line `ps` shows it.
    #[arg(long)]
    key: Option<String>,
    /// A file whose first line is the key.
    #[arg(long)]
    key_file: Option<String>,
    /// An environment variable holding the key.
    #[arg(long)]
    key_env: Option<String>,
}

impl KeyArgs {
    /// The key, from whichever source was given.
    pub fn resolve(self) -> Result<Option<String>, String> {
        SecretSource::new(self.key, self.key_file, self.key_env).resolve("key")
    }
}

/// featapi's bearer token.
#[derive(Args)]
pub struct TokenArgs {
    /// featapi bearer token.
    #[arg(long)]
    token: Option<String>,
    /// A file whose first line is the featapi bearer token.
    #[arg(long)]
    token_file: Option<String>,
    /// An environment variable holding the featapi bearer token.
    #[arg(long)]
    token_env: Option<String>,
}

/// WeChat Pay's APIv3 key.
#[derive(Args)]
pub struct Apiv3Args {
    /// WeChat Pay APIv3 key (32 bytes).
    #[arg(long)]
    apiv3_key: Option<String>,
    /// A file whose first line is the APIv3 key.
    #[arg(long)]
    apiv3_key_file: Option<String>,
    /// An environment variable holding the APIv3 key.
    #[arg(long)]
    apiv3_key_env: Option<String>,
}

impl Apiv3Args {
    /// The APIv3 key, from whichever source was given.
    pub fn resolve(self) -> Result<Option<String>, String> {
        SecretSource::new(self.apiv3_key, self.apiv3_key_file, self.apiv3_key_env)
            .resolve("apiv3-key")
    }
}

/// Everything that signs a request.
#[derive(Args)]
pub struct SigningArgs {
    #[command(flatten)]
    key: KeyArgs,
    #[command(flatten)]
    token: TokenArgs,
    /// WeChat Pay Global merchant id.
    #[arg(long)]
    mchid: Option<String>,
    /// WeChat Pay Global merchant certificate serial.
    #[arg(long)]
    serial: Option<String>,
    /// Merchant private key, PEM file (WeChat Pay Global, SwiftPass RSA_1_256).
    #[arg(long)]
    private_key: Option<String>,
    /// Unix timestamp to sign with (WeChat Pay Global; default now).
    #[arg(long)]
    timestamp: Option<i64>,
    /// Nonce to sign with (WeChat Pay Global).
    #[arg(long)]
    nonce: Option<String>,
    /// What the order was paid, in fen: a refund whose request names no paid total
    /// (xorpay/refund) is sent only when it is at most this.
    #[arg(long)]
    paid_fen: Option<u64>,
}

impl SigningArgs {
    /// The options `sign` and `call` take, secrets resolved and the private key loaded.
    pub fn resolve(self) -> Result<SignOptions, String> {
        let t = self.token;
        let private_key = match &self.private_key {
            None => None,
            Some(path) => Some(
                MerchantKey::from_pem(&read_text(path)?)
                    .map_err(|e| format!("--private-key {path}: {e}"))?,
            ),
        };
        let token = SecretSource::new(t.token, t.token_file, t.token_env).resolve("token")?;
        Ok(SignOptions {
            credentials: Credentials {
                key: self.key.resolve()?.map(Secret::new),
                token: token.map(Secret::new),
                merchant_id: self.mchid,
                serial: self.serial,
                private_key,
                ..Credentials::default()
            },
            timestamp: self.timestamp,
            nonce: self.nonce,
            paid: self.paid_fen.map(paywire::Fen::new),
        })
    }
}

/// The merchant's own ids, which a message must name to be the merchant's.
#[derive(Args)]
pub struct MerchantArgs {
    /// The merchant's WeChat appid (wechat-v2/refund-notify).
    #[arg(long)]
    pub appid: Option<String>,
    /// The merchant's id at the gateway (wechat-v2/refund-notify: mch_id).
    #[arg(long)]
    pub mchid: Option<String>,
}

/// The gateway's keys that verify what it signs, and the time to check against.
#[derive(Args)]
pub struct PlatformArgs {
    /// WeChat Pay platform certificate (PEM file).
    #[arg(long)]
    platform_cert: Option<String>,
    /// WeChat Pay platform public key, or SwiftPass RSA public key (PEM file).
    #[arg(long)]
    platform_public_key: Option<String>,
    /// The id WeChat Pay gave with its public key (`PUB_KEY_ID_...`).
    #[arg(long)]
    platform_key_id: Option<String>,
    /// The time to check v3 timestamps against (Unix seconds; default now).
    #[arg(long)]
    now: Option<i64>,
}

impl PlatformArgs {
    /// The options `verify` and `call` take, the PEM files read (key, headers and APIv3
    /// key left empty).
    pub fn load(self) -> Result<VerifyOptions, String> {
        let read = |path: Option<String>| path.as_deref().map(read_text).transpose();
        Ok(VerifyOptions {
            credentials: Credentials {
                platform_cert_pem: read(self.platform_cert)?,
                platform_public_key_pem: read(self.platform_public_key)?,
                platform_key_id: self.platform_key_id,
                ..Credentials::default()
            },
            now: self.now,
            ..VerifyOptions::default()
        })
    }
}

/// `--fail-rate`: a number from 0 to 0.95 (the merchant must acknowledge some deliveries).
fn parse_fail_rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(rate) if (0.0..=0.95).contains(&rate) => Ok(rate),
        _ => Err("a number from 0 to 0.95".into()),
    }
}
