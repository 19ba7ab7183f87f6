//! Calendar days and times in UTC from Unix milliseconds: the day a session was played, for reports and screens.

/// `YYYY-MM-DD` in UTC for a Unix time in milliseconds: the day something was played.
pub fn utc_day(ms: i64) -> String {
    let mut date = utc_date(ms);
    date.truncate(10);
    date
}

/// `YYYY-MM-DD HH:MM` in UTC for a Unix time in milliseconds (civil-from-days, no calendar crate needed).
pub fn utc_date(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02}", rem / 3600, rem % 3600 / 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_minutes_in_utc() {
        assert_eq!(utc_date(0), "1970-01-01 00:00");
        assert_eq!(utc_date(1_795_866_000_000), "2026-11-28 11:40");
        assert_eq!(utc_day(1_795_866_000_000), "2026-11-28");
        // Leap days, and the day before the epoch.
        assert_eq!(utc_day(951_782_400_000), "2000-02-29");
        assert_eq!(utc_date(-60_000), "1969-12-31 23:59");
    }
}
