//! Writing an error where the engine looks for runtime errors: the file
//! given to runc with `--log`, in runc's own format.

use std::io::Write;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

/// Appends one error line to runc's log file: `{"level":"error","msg":..,
/// "time":..}` for `--log-format json`, logrus text otherwise, the message
/// quoted so that it stays on one line. Failure to write is ignored: the
/// message also goes to stderr.
pub fn append_error(log: &Path, json: bool, msg: &str) {
    let time = rfc3339_now();
    let line = if json {
        let mut map = serde_json::Map::new();
        map.insert("level".into(), "error".into());
        map.insert("msg".into(), msg.into());
        map.insert("time".into(), time.into());
        let mut line = serde_json::Value::Object(map).to_string();
        line.push('\n');
        line
    } else {
        format!(
            "time=\"{time}\" level=error msg={}\n",
            serde_json::Value::from(msg)
        )
    };
    // Not through a symlink, not into a FIFO: see logging::open_append.
    if let Ok(mut f) = crate::logging::open_append(log, 0o640) {
        let _ = f.write_all(line.as_bytes());
    }
}

/// The current UTC time as RFC 3339 with nanoseconds, as Go's
/// `time.RFC3339Nano` prints it.
pub fn rfc3339_now() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    rfc3339(now.as_secs(), now.subsec_nanos())
}

fn rfc3339(secs: u64, nanos: u32) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    let frac = if nanos == 0 {
        String::new()
    } else {
        let s = format!(".{nanos:09}");
        s.trim_end_matches('0').to_string()
    };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}{frac}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to (year, month, day), after H. Hinnant.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_dates() {
        assert_eq!(rfc3339(0, 0), "1970-01-01T00:00:00Z");
        assert_eq!(
            rfc3339(1_795_860_000, 500_000_000),
            "2026-11-28T10:00:00.5Z"
        );
        assert_eq!(rfc3339(951_782_400, 0), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn appends_json_and_text_lines() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("log.json");
        std::fs::write(&p, "{\"level\":\"info\",\"msg\":\"before\"}\n").unwrap();
        append_error(&p, true, "bad \"thing\"");
        let text = std::fs::read_to_string(&p).unwrap();
        let last: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
        assert_eq!(last["level"], "error");
        assert_eq!(last["msg"], "bad \"thing\"");
        assert!(last["time"].as_str().unwrap().ends_with('Z'));
        let t = dir.path().join("log.txt");
        append_error(&t, false, "oops");
        let text = std::fs::read_to_string(&t).unwrap();
        assert!(text.contains("level=error msg=\"oops\""), "{text}");
    }
}
