//! Keeping WeChat Pay's platform keys current: when an answer or notification names a
//! serial the merchant does not hold (WeChat Pay rotated its key), download the
//! certificates again, at most once per interval, and verify with the new ones.

use crate::wechat::v3::{self as wechat_v3, MerchantSigner, PlatformKeys};
use paywire::client::Client;
use paywire::{Secret, VerifyError};
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

/// Why the keys could not be brought up to date.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// The download got no answer.
    #[error("certificate download: {0}")]
    Transport(String),
    /// The answer was refused (not 200, not signed, not decryptable).
    #[error("certificate download refused: {0}")]
    Answer(String),
    /// The serial is still unknown after a download, or a download was made too recently
    /// to make another.
    #[error("no platform key with serial {serial}: not among the downloaded certificates")]
    Unknown {
        /// The serial asked for.
        serial: String,
    },
}

/// Platform keys that refresh themselves from the certificate download.
pub struct PlatformKeysRefresh {
    keys: RwLock<PlatformKeys>,
    last_download: Mutex<Option<Instant>>,
    interval: Duration,
    client: Client,
    base_url: String,
    signer: MerchantSigner,
    apiv3_key: Secret,
}

impl PlatformKeysRefresh {
    /// Starts from `initial` (possibly empty, or a WeChat Pay public key in public-key
    /// mode); downloads from `base_url` with `signer`, at most once per `interval`.
    pub fn new(
        initial: PlatformKeys,
        client: Client,
        base_url: &str,
        signer: MerchantSigner,
        apiv3_key: Secret,
        interval: Duration,
    ) -> Self {
        PlatformKeysRefresh {
            keys: RwLock::new(initial),
            last_download: Mutex::new(None),
            interval,
            client,
            base_url: base_url.to_owned(),
            signer,
            apiv3_key,
        }
    }

    /// The keys held now.
    pub fn current(&self) -> PlatformKeys {
        self.keys.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Keys holding the one that signed a message with these headers: the current keys
    /// if they know its `Wechatpay-Serial`, otherwise after a download (unless one was
    /// made less than the interval ago).
    pub async fn keys_for(&self, headers: &http::HeaderMap) -> Result<PlatformKeys, RefreshError> {
        let serial = headers
            .get("Wechatpay-Serial")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .trim()
            .to_owned();
        let current = self.current();
        if current.contains(&serial) {
            return Ok(current);
        }
        let due = {
            let mut last = self.last_download.lock().unwrap_or_else(|p| p.into_inner());
            let due = last.is_none_or(|at| at.elapsed() >= self.interval);
            if due {
                *last = Some(Instant::now());
            }
            due
        };
        if due {
            self.download().await?;
        }
        let refreshed = self.current();
        if refreshed.contains(&serial) {
            Ok(refreshed)
        } else {
            Err(RefreshError::Unknown { serial })
        }
    }

    /// Downloads the certificates now and adds them to the keys held.
    pub async fn download(&self) -> Result<(), RefreshError> {
        let now = unix_now();
        let nonce = paywire::sign::md5_hex(
            format!("{now}{:?}", Instant::now()).as_bytes(),
            paywire::schema::HexCase::Upper,
        );
        let request =
            crate::wechat_global::certificates_request(&self.base_url, &self.signer, now, &nonce)
                .map_err(|e| RefreshError::Transport(e.to_string()))?;
        let answer = self
            .client
            .send(request)
            .await
            .map_err(|e| RefreshError::Transport(e.to_string()))?;
        if answer.status() != http::StatusCode::OK {
            return Err(RefreshError::Answer(format!(
                "HTTP {}: {}",
                answer.status(),
                String::from_utf8_lossy(answer.body())
            )));
        }
        let trusted = self.current();
        let downloaded = wechat_v3::read_certificates(
            &trusted,
            answer.headers(),
            answer.body(),
            now,
            &self.apiv3_key,
        )
        .map_err(|e: VerifyError| RefreshError::Answer(e.to_string()))?;
        self.keys
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .merge(downloaded);
        Ok(())
    }
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
