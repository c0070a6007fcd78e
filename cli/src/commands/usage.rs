//! Usage errors without secrets: clap's messages quote the arguments they refuse, and an
//! argument may be a key typed after the wrong option, or a PEM pasted where a path was
//! expected (`--private-key "$(cat key.pem)"`, which clap takes for an option since it
//! starts with dashes). Every argument is shown as `***` except option names, the
//! subcommand and the endpoint names, which carry no secret.

/// Whether `arg` may be repeated in an error: an option's name (`--key`, `-h`, not
/// `--key=VALUE`), or one of the command's fixed words (subcommands, endpoint and message
/// names).
fn is_safe(arg: &str, words: &[&str]) -> bool {
    let option_name = arg.starts_with('-')
        && arg.len() <= 40
        && !arg.contains('=')
        && arg[1..]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-');
    option_name || words.contains(&arg)
}

/// `message` with every argument of `args` (program name excluded) that is neither an
/// option's name nor one of `words` replaced by `***`; for `--name=value`, the value. A multi-line argument is
/// replaced line by line as well, in case the message shows only part of it.
pub fn redact(message: &str, args: &[String], words: &[&str]) -> String {
    let mut secrets: Vec<&str> = Vec::new();
    for arg in args.iter().skip(1) {
        if is_safe(arg, words) {
            continue;
        }
        if let Some((name, value)) = arg.split_once('=') {
            if is_safe(name, words) {
                secrets.push(value);
                continue;
            }
        }
        secrets.push(arg);
        secrets.extend(arg.lines().map(str::trim).filter(|l| l.len() >= 8));
    }
    // Longest first, so a line of a PEM is not replaced before the PEM it is part of.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut text = message.to_owned();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        text = text.replace(secret, "***");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn values_are_starred_and_names_kept() {
        let pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----";
        let argv = args(&[
            "paywire",
            "sign",
            "swiftpass/wap-rsa",
            "--private-key",
            pem,
            "--kye=hunter2-secret",
            "--key",
            "s3cr3t",
        ]);
        let message = format!(
            "error: unexpected argument '{pem}' found; also 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC', '--kye', hunter2-secret, s3cr3t in sign swiftpass/wap-rsa --private-key"
        );
        let shown = redact(&message, &argv, &["sign", "swiftpass/wap-rsa"]);
        assert!(
            !shown.contains("MIIE") && !shown.contains("BEGIN PRIVATE"),
            "{shown}"
        );
        assert!(
            !shown.contains("hunter2") && !shown.contains("s3cr3t"),
            "{shown}"
        );
        assert!(
            shown.contains("'--kye'") && shown.contains("sign swiftpass/wap-rsa --private-key"),
            "{shown}"
        );
    }

    #[test]
    fn a_message_without_arguments_is_unchanged() {
        let argv = args(&["paywire", "nonsense"]);
        assert_eq!(
            redact("error: no such command", &argv, &["sign"]),
            "error: no such command"
        );
        assert_eq!(redact("x", &args(&["paywire", ""]), &[]), "x");
    }
}
