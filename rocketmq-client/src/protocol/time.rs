//! Calendar arithmetic on UNIX milliseconds (UTC), without a date crate.

const DAY_MS: i64 = 86_400_000;

/// (year, month 1–12, day 1–31) of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Milliseconds at the start of the (UTC) month containing `ms`.
pub fn month_start(ms: i64) -> i64 {
    let days = ms.div_euclid(DAY_MS);
    let (_, _, day) = civil_from_days(days);
    (days - (day - 1)) * DAY_MS
}

/// `yyyy-MM-dd HH:mm:ss,SSS` in UTC, the shape of Apache's admin output.
pub fn format_utc(ms: i64) -> String {
    let days = ms.div_euclid(DAY_MS);
    let rest = ms.rem_euclid(DAY_MS);
    let (y, mo, d) = civil_from_days(days);
    let (h, mi, s, milli) = (
        rest / 3_600_000,
        rest / 60_000 % 60,
        rest / 1000 % 60,
        rest % 1000,
    );
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02},{milli:03}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        // 2024-03-15T12:00:00Z -> 2024-03-01T00:00:00Z
        assert_eq!(month_start(1_710_504_000_000), 1_709_251_200_000);
        assert_eq!(format_utc(1_710_504_000_123), "2024-03-15 12:00:00,123");
        assert_eq!(format_utc(0), "1970-01-01 00:00:00,000");
        assert_eq!(format_utc(951_782_400_000), "2000-02-29 00:00:00,000");
    }
}
