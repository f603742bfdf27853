//! The stamp page link as a QR code: the modules as one SVG path, drawn by the component.

use qrcode::{Color, QrCode};

/// Modules of quiet zone around the code (the standard asks for 4).
pub const QUIET: usize = 4;

/// A QR code as SVG path data: `(size, d)`, `size` counting the quiet zone on both sides, `d`
/// one `h1v1h-1z` square per dark module. `None` when the text does not fit in a QR code.
pub fn qr_path(text: &str) -> Option<(usize, String)> {
    let code = QrCode::new(text.as_bytes()).ok()?;
    let width = code.width();
    let mut d = String::new();
    for (i, color) in code.to_colors().into_iter().enumerate() {
        if color == Color::Dark {
            let (x, y) = (i % width + QUIET, i / width + QUIET);
            d.push_str(&format!("M{x} {y}h1v1h-1z"));
        }
    }
    Some((width + 2 * QUIET, d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_the_dark_modules_of_the_link() {
        let url = "http://127.0.0.1:8080/stamp/AbCdEf0123456789";
        let (size, d) = qr_path(url).expect("fits");
        let code = QrCode::new(url.as_bytes()).expect("fits");
        assert_eq!(size, code.width() + 8);
        let dark = code.to_colors().iter().filter(|c| **c == Color::Dark).count();
        assert_eq!(d.matches('M').count(), dark);
        // The top-left finder pattern starts at the quiet zone's edge.
        assert!(d.starts_with("M4 4h1v1h-1z"), "{}", &d[..40]);
        assert_ne!(qr_path("other").map(|(_, d)| d), Some(d));
    }

    #[test]
    fn text_too_long_for_a_qr_code_is_refused() {
        assert!(qr_path(&"x".repeat(8000)).is_none());
    }
}
