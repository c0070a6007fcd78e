//! Beijing-time (UTC+8) renderings of a Unix time, as the gateways write them.

/// `(year, month, day, hour, minute, second)` in UTC+8.
fn beijing(unix: i64) -> (i64, u32, u32, u32, u32, u32) {
    let t = unix + 8 * 3600;
    let (days, secs) = (t.div_euclid(86_400), t.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        year,
        month,
        day,
        (secs / 3600) as u32,
        (secs % 3600 / 60) as u32,
        (secs % 60) as u32,
    )
}

/// `yyyyMMddHHmmss`.
pub fn compact(unix: i64) -> String {
    let (y, mo, d, h, mi, s) = beijing(unix);
    format!("{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}")
}

/// `yyyy-MM-dd HH:mm:ss`.
pub fn spaced(unix: i64) -> String {
    let (y, mo, d, h, mi, s) = beijing(unix);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
}

/// RFC 3339 with `+08:00`.
pub fn rfc3339(unix: i64) -> String {
    let (y, mo, d, h, mi, s) = beijing(unix);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}+08:00")
}

#[cfg(test)]
mod tests {
    #[test]
    fn known_instants() {
        // 1554208460 is 2019-04-02T12:34:20Z, 20:34:20 in Beijing.
        assert_eq!(super::compact(1_554_208_460), "20190402203420");
        assert_eq!(super::rfc3339(1_554_208_460), "2019-04-02T20:34:20+08:00");
        assert_eq!(super::spaced(0), "1970-01-01 08:00:00");
        // A leap day, late in the Beijing day.
        assert_eq!(super::compact(1_709_222_399), "20240229235959");
        assert_eq!(super::spaced(1_709_135_999), "2024-02-28 23:59:59");
    }
}
