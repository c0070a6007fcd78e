//! QR codes for NATIVE `code_url`s: in the terminal, or as a PNG file.

use std::io::Write;

/// The QR code of `text` drawn with Unicode half blocks; an error when the text does
/// not fit in a QR code.
pub fn terminal(text: &str) -> Result<String, String> {
    let code = qrcode::QrCode::new(text.as_bytes())
        .map_err(|e| format!("cannot encode {} bytes as a QR code: {e}", text.len()))?;
    Ok(code
        .render::<qrcode::render::unicode::Dense1x2>()
        .dark_color(qrcode::render::unicode::Dense1x2::Light)
        .light_color(qrcode::render::unicode::Dense1x2::Dark)
        .quiet_zone(true)
        .build())
}

/// Writes the QR code of `text` as a grayscale PNG, `scale` pixels per module.
pub fn png(text: &str, scale: u32, out: impl Write) -> Result<(), String> {
    let code = qrcode::QrCode::new(text.as_bytes()).map_err(|e| e.to_string())?;
    let modules = code.width() as u32;
    let quiet = 4;
    let side = (modules + 2 * quiet) * scale;
    let colors = code.to_colors();
    let mut pixels = Vec::with_capacity((side * side) as usize);
    for y in 0..side {
        for x in 0..side {
            let (mx, my) = (
                (x / scale) as i64 - i64::from(quiet),
                (y / scale) as i64 - i64::from(quiet),
            );
            let inside = mx >= 0 && my >= 0 && (mx as u32) < modules && (my as u32) < modules;
            let dark =
                inside && colors[(my as u32 * modules + mx as u32) as usize] == qrcode::Color::Dark;
            pixels.push(if dark { 0 } else { 255 });
        }
    }
    let mut encoder = png::Encoder::new(out, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
    writer.write_image_data(&pixels).map_err(|e| e.to_string())
}
