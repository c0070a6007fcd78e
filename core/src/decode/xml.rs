//! Strict, flat gateway XML: `<xml><field>text</field>...</xml>`.
//!
//! Refused: DTDs (so no entity can be declared, expanded or fetched), entities other than
//! the five predefined ones, processing instructions, declared encodings other than
//! UTF-8, attributes, nested elements, a second root, duplicate fields, invalid UTF-8 and
//! bodies over the size limit. Text and CDATA sections are concatenated, so a value that
//! was CDATA-split or escaped on the way out comes back unchanged.

use super::node::{Node, NodeObject};
use super::{checked_text, DecodeError, Limits};
use crate::schema::Format;
use quick_xml::events::Event;
use quick_xml::Reader;

/// Parses a flat XML body into its fields (the root element's children).
pub fn parse(body: &[u8], limits: &Limits) -> Result<NodeObject, DecodeError> {
    let text = checked_text(body, limits)?;
    if text.trim().is_empty() {
        return Err(DecodeError::Empty);
    }
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;

    // Gateway messages carry a dozen or two members: room for them up front.
    let mut fields = NodeObject::with_capacity(16);
    let mut root_seen = false;
    let mut root_closed = false;
    // The field being read: its name and text so far.
    let mut current: Option<(String, String)> = None;
    let mut in_root = false;

    loop {
        let event = reader
            .read_event()
            .map_err(|e| malformed(&reader, &e.to_string()))?;
        match event {
            Event::Decl(decl) => {
                if let Some(Ok(encoding)) = decl.encoding() {
                    let encoding = encoding.into_owned();
                    if !encoding.eq_ignore_ascii_case("utf-8") {
                        return Err(DecodeError::Encoding { encoding });
                    }
                }
            }
            Event::DocType(_) => return Err(DecodeError::Doctype),
            Event::PI(_) => return Err(DecodeError::ProcessingInstruction),
            Event::Comment(_) => {}
            Event::Start(start) | Event::Empty(start)
                if !start.attributes_raw().trim().is_empty() =>
            {
                let name = element_name(start.name().as_ref());
                return Err(malformed(
                    &reader,
                    &format!("attributes on <{name}> are not expected"),
                ));
            }
            Event::Start(start) => {
                let name = element_name(start.name().as_ref());
                if root_closed {
                    return Err(malformed(&reader, "a second root element"));
                }
                if !in_root {
                    root_seen = true;
                    in_root = true;
                } else if let Some((field, _)) = &current {
                    return Err(DecodeError::NotFlat {
                        path: format!("#/{field}/{name}"),
                    });
                } else {
                    current = Some((name, String::new()));
                }
            }
            Event::Empty(start) => {
                let name = element_name(start.name().as_ref());
                if root_closed {
                    return Err(malformed(&reader, "a second root element"));
                }
                if !in_root {
                    root_seen = true;
                    root_closed = true;
                } else if let Some((field, _)) = &current {
                    return Err(DecodeError::NotFlat {
                        path: format!("#/{field}/{name}"),
                    });
                } else {
                    insert(&mut fields, name, String::new())?;
                }
            }
            Event::End(_) => match current.take() {
                Some((name, value)) => insert(&mut fields, name, value)?,
                None => {
                    in_root = false;
                    root_closed = true;
                }
            },
            Event::Text(t) => match &mut current {
                Some((_, value)) => push_checked(&reader, value, &t.xml10_content())?,
                None if t.trim().is_empty() => {}
                None => return Err(malformed(&reader, "text outside a field")),
            },
            Event::CData(c) => match &mut current {
                Some((_, value)) => push_checked(&reader, value, &c.xml10_content())?,
                None => return Err(malformed(&reader, "CDATA outside a field")),
            },
            Event::GeneralRef(r) => {
                let Some((_, value)) = &mut current else {
                    return Err(malformed(&reader, "an entity reference outside a field"));
                };
                match r.resolve_char_ref() {
                    Ok(Some(c)) if is_xml_char(c) => value.push(c),
                    Ok(Some(_)) | Err(_) => {
                        return Err(malformed(
                            &reader,
                            &format!("invalid character reference &{};", &*r),
                        ))
                    }
                    Ok(None) => value.push(match &*r {
                        "lt" => '<',
                        "gt" => '>',
                        "amp" => '&',
                        "apos" => '\'',
                        "quot" => '"',
                        other => {
                            return Err(DecodeError::Entity {
                                name: other.to_owned(),
                            })
                        }
                    }),
                }
            }
            Event::Eof => break,
        }
    }
    if !root_seen {
        return Err(malformed(&reader, "no root element"));
    }
    if !root_closed {
        return Err(malformed(&reader, "unexpected end of document"));
    }
    Ok(fields)
}

fn element_name(raw: &str) -> String {
    raw.to_owned()
}

fn insert(fields: &mut NodeObject, name: String, value: String) -> Result<(), DecodeError> {
    fields
        .insert(name, Node::Text(value))
        .map_err(|(name, _)| DecodeError::Duplicate {
            path: format!("#/{name}"),
        })
}

/// A malformed-XML error at the reader's position.
fn malformed(reader: &Reader<&[u8]>, what: &str) -> DecodeError {
    DecodeError::malformed(
        Format::Xml,
        format!("{what} at byte {}", reader.buffer_position()),
    )
}

/// Appends received text, refusing what XML 1.0 does not allow in a document (NUL and
/// other controls, U+FFFE, U+FFFF), as their character references are refused.
fn push_checked(reader: &Reader<&[u8]>, value: &mut String, text: &str) -> Result<(), DecodeError> {
    if let Some(c) = first_forbidden(text) {
        return Err(malformed(
            reader,
            &format!("a character XML does not allow (U+{:04X})", u32::from(c)),
        ));
    }
    if value.is_empty() {
        // The common case, one text or CDATA section per field: one allocation of the
        // right size.
        *value = text.to_owned();
    } else {
        value.push_str(text);
    }
    Ok(())
}

/// The first character of `text` XML 1.0 does not allow. In UTF-8 text those are the C0
/// controls other than tab, line feed and carriage return (single bytes below 0x20) and
/// U+FFFE and U+FFFF (`EF BF BE`, `EF BF BF`), so a byte scan finds where to look and
/// ordinary text is never decoded character by character.
fn first_forbidden(text: &str) -> Option<char> {
    let suspect = text
        .bytes()
        .position(|b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0xEF)?;
    // A control byte or a lead byte: a character boundary either way.
    text[suspect..].chars().find(|&c| !is_xml_char(c))
}

/// The characters XML 1.0 allows in a document.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}
