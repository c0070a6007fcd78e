//! The subcommands other than `demo`.

pub mod schema;
pub mod sign;
pub mod verify;

use std::io::Read;

/// The request endpoints, by their command-line names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `feat/pay`
    FeatPay,
    /// `weidoufu/miniapp`
    WeidoufuMiniapp,
    /// `swiftpass/wap`
    SwiftpassWap,
    /// `swiftpass/wap-rsa` (`sign_type` RSA_1_256)
    SwiftpassWapRsa,
    /// `wechat-global/jsapi`
    WechatGlobalJsapi,
    /// `xorpay/jsapi`
    XorpayJsapi,
}

impl Endpoint {
    /// Every endpoint name.
    pub const NAMES: &'static [&'static str] = &[
        "feat/pay",
        "weidoufu/miniapp",
        "swiftpass/wap",
        "swiftpass/wap-rsa",
        "wechat-global/jsapi",
        "xorpay/jsapi",
    ];

    /// Parses a name.
    pub fn parse(name: &str) -> Result<Self, String> {
        Ok(match name {
            "feat/pay" => Endpoint::FeatPay,
            "weidoufu/miniapp" => Endpoint::WeidoufuMiniapp,
            "swiftpass/wap" => Endpoint::SwiftpassWap,
            "swiftpass/wap-rsa" => Endpoint::SwiftpassWapRsa,
            "wechat-global/jsapi" => Endpoint::WechatGlobalJsapi,
            "xorpay/jsapi" => Endpoint::XorpayJsapi,
            other => {
                return Err(format!(
                    "unknown endpoint {other:?}; use one of {}",
                    Self::NAMES.join(", ")
                ))
            }
        })
    }
}

/// Reads `--input FILE` (or `-` / nothing for standard input).
pub fn read_input(input: Option<&str>) -> Result<Vec<u8>, String> {
    match input {
        None | Some("-") => {
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .map_err(|e| format!("reading standard input: {e}"))?;
            Ok(buf)
        }
        Some(path) => std::fs::read(path).map_err(|e| format!("reading {path}: {e}")),
    }
}

/// A file's text, for PEM options.
pub fn read_text(path: &str) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("reading {path}: {e}"))
}
