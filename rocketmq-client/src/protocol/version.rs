//! Apache's version numbers: a command's `version` is the ordinal of `MQVersion.Version`, the
//! name list of which is `versions.txt` (one a line, from `V3_0_0_SNAPSHOT` = 0; `V4_9_8` is
//! 409, `V5_3_3` 479).

const NAMES: &str = include_str!("versions.txt");

/// `MQVersion.getVersionDesc`: the name of ordinal `v`; the last name for anything past the
/// list, the first for a negative one.
pub fn version_desc(v: i32) -> &'static str {
    let names = || NAMES.lines();
    let last = names().last().unwrap_or("HIGHER_VERSION");
    usize::try_from(v.max(0))
        .ok()
        .and_then(|i| names().nth(i))
        .unwrap_or(last)
}

#[cfg(test)]
mod tests {
    use super::version_desc;
    use crate::protocol::CURRENT_VERSION;

    #[test]
    fn ordinals_name_apaches_versions() {
        assert_eq!(version_desc(0), "V3_0_0_SNAPSHOT");
        assert_eq!(version_desc(409), "V4_9_8");
        assert_eq!(version_desc(CURRENT_VERSION), "V5_3_3");
        assert_eq!(version_desc(100_000), "HIGHER_VERSION");
    }
}
