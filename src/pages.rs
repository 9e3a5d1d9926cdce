//! Page arithmetic and the counts the views show ("Showing 31–60 of 1,234", "1 bar"), kept
//! out of components so they have plain tests.

use audit_model::PageInfo;

use crate::field::FieldError;

pub use audit_model::page::thousands;

/// "Showing 31–60 of 1,234", from the API's page metadata and the rows actually received.
pub fn showing(info: &PageInfo, rows: usize) -> String {
    if info.total_elements == 0 || rows == 0 {
        return format!("Showing 0 of {}", thousands(info.total_elements));
    }
    let size = info.size.max(1);
    let first = (info.number.max(1) - 1) * size + 1;
    let last = first + rows as u64 - 1;
    format!(
        "Showing {}–{} of {}",
        thousands(first),
        thousands(last),
        thousands(info.total_elements)
    )
}

/// The last page number for the metadata (at least 1).
pub fn last_page(info: &PageInfo) -> u32 {
    info.total_pages.clamp(1, u64::from(u32::MAX)) as u32
}

/// The page to show for a requested one: within 1..=last.
pub fn clamp_page(requested: u32, info: &PageInfo) -> u32 {
    requested.clamp(1, last_page(info))
}

/// A count with its noun, singular for one: `1 bar`, `0 bars`, `1,234 events`.
pub fn count_of(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// A size for people: `812 bytes`, `4.2 kB`, `2.4 MB` (decimal units, as browsers report
/// storage).
pub fn bytes(n: u64) -> String {
    match n {
        0..1_000 => count_of(n, "byte", "bytes"),
        1_000..1_000_000 => format!("{} kB", fixed(n, 100, 1)),
        _ => format!("{} MB", fixed(n, 100_000, 1)),
    }
}

/// `n / unit` rounded half up, with `digits` decimals (1 or 2), written by integer arithmetic:
/// core's float formatting costs about 11 kB of wasm, and these are the app's only decimals.
fn fixed(n: u64, unit: u64, digits: u32) -> String {
    let scaled = (n + unit / 2) / unit;
    let den = 10u64.pow(digits);
    format!("{}.{:0w$}", scaled / den, scaled % den, w = digits as usize)
}

/// An SVG coordinate with two decimals (`12.35`), for the non-negative lengths the charts draw.
pub fn coord(x: f64) -> String {
    fixed((x.max(0.0) * 100.0).round() as u64, 1, 2)
}

/// A page number typed by a person: digits only (spaces around allowed), from 1 to `last`.
/// Anything else — `2.5`, `-3`, `1e2`, `abc` — is refused with a message that says what to type.
pub fn parse_page_input(text: &str, last: u32) -> Result<u32, FieldError> {
    let t = text.trim();
    let whole = !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    match t.parse::<u32>() {
        Ok(n) if whole && (1..=last).contains(&n) => Ok(n),
        _ => Err(FieldError::from(format!(
            "Type a whole page number from 1 to {}.",
            thousands(u64::from(last))
        ))),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_read_in_decimal_units() {
        assert_eq!(super::bytes(1), "1 byte");
        assert_eq!(super::bytes(999), "999 bytes");
        assert_eq!(super::bytes(4_200), "4.2 kB");
        assert_eq!(super::bytes(2_437_112), "2.4 MB");
        assert_eq!(super::bytes(4_950), "5.0 kB");
        assert_eq!(super::bytes(999_949), "999.9 kB");
        assert_eq!(super::bytes(1_000_000), "1.0 MB");
        assert_eq!(super::coord(0.0), "0.00");
        assert_eq!(super::coord(12.345_6), "12.35");
        assert_eq!(super::coord(1000.0 / 7.0), "142.86");
        assert_eq!(super::coord(0.05), "0.05");
    }

    use super::*;

    fn info(number: u64, size: u64, total: u64) -> PageInfo {
        PageInfo {
            size,
            total_elements: total,
            total_pages: total.div_ceil(size),
            number,
        }
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1234), "1,234");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn showing_ranges() {
        assert_eq!(showing(&info(2, 30, 1234), 30), "Showing 31–60 of 1,234");
        assert_eq!(
            showing(&info(42, 30, 1234), 4),
            "Showing 1,231–1,234 of 1,234"
        );
        assert_eq!(showing(&info(1, 30, 0), 0), "Showing 0 of 0");
    }

    #[test]
    fn page_limits() {
        assert_eq!(last_page(&info(1, 30, 0)), 1);
        assert_eq!(last_page(&info(1, 30, 61)), 3);
        assert_eq!(clamp_page(0, &info(1, 30, 61)), 1);
        assert_eq!(clamp_page(9, &info(1, 30, 61)), 3);
    }

    #[test]
    fn typed_page_numbers_are_taken_whole_or_refused() {
        assert_eq!(parse_page_input("7", 167), Ok(7));
        assert_eq!(parse_page_input(" 167 ", 167), Ok(167));
        assert_eq!(parse_page_input("007", 167), Ok(7));
        for bad in [
            "2.5",
            "-3",
            "1e2",
            "",
            " ",
            "abc",
            "0",
            "168",
            "+4",
            "99999999999",
        ] {
            assert_eq!(
                parse_page_input(bad, 167),
                Err(FieldError::from("Type a whole page number from 1 to 167.")),
                "{bad:?}"
            );
        }
        assert_eq!(
            parse_page_input("x", 1_200),
            Err(FieldError::from(
                "Type a whole page number from 1 to 1,200."
            ))
        );
    }

    #[test]
    fn counts_agree_with_their_nouns() {
        assert_eq!(count_of(1, "bar", "bars"), "1 bar");
        assert_eq!(count_of(0, "bar", "bars"), "0 bars");
        assert_eq!(count_of(1_234, "event", "events"), "1,234 events");
    }
}
