//! serde `Serialize` / `Deserialize` for declared structs, keyed by wire names.
//!
//! The derive emits two one-line impls that call these non-generic-over-fields helpers,
//! so serde support adds almost no generated code per struct.

use crate::decode::json::NodeSeed;
use crate::decode::problem::DecodeErrors;
use crate::decode::Limits;
use crate::object::typed::{decode_object, Constants};
use crate::object::PayObject;
use crate::path::Path;
use crate::value::for_each_member;
use crate::value::FieldAccess;
use crate::value::{Wire, YuanBuf};
use serde::de::{DeserializeSeed, Error as _};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Deserializer, Serialize, Serializer};
use std::cell::RefCell;

struct WireSer<'a, 'w>(&'a Wire<'w>);

impl Serialize for WireSer<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Wire::Absent => s.serialize_none(),
            Wire::Str(v) => s.serialize_str(v),
            Wire::JsonText(j) => s.serialize_str(&j.text()),
            Wire::Int(i) => s.serialize_i64(*i),
            Wire::UInt(u) => s.serialize_u64(*u),
            Wire::Yuan(fen) => s.serialize_str(YuanBuf::new().format(*fen)),
            Wire::Object(o) => serialize_object(*o, s),
            Wire::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for i in 0..items.len() {
                    seq.serialize_element(&WireSer(&items.get(i)))?;
                }
                seq.end()
            }
        }
    }
}

/// Serializes a declared struct as a map keyed by wire names: constants, then fields
/// (path parameters included, absent optionals left out). No signature.
pub fn serialize_object<S: Serializer>(object: &dyn FieldAccess, s: S) -> Result<S::Ok, S::Error> {
    let schema = object.object_schema();
    let mut map = s.serialize_map(None)?;
    for_each_member(object, |name, value| {
        map.serialize_entry(name, &WireSer(&value))
    })?;
    for (i, field) in schema.fields.iter().enumerate() {
        if field.location != crate::schema::Location::Body {
            let value = object.field(i);
            if !value.is_absent() {
                map.serialize_entry(field.wire_name, &WireSer(&value))?;
            }
        }
    }
    map.end()
}

/// Deserializes a declared struct from a map keyed by wire names. Unknown members are
/// refused; constants may be left out but must match when present.
pub fn deserialize_object<'de, T: PayObject, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    let limits = Limits::default();
    let refusal = RefCell::new(None);
    let node = NodeSeed::new(&limits, &refusal).deserialize(d)?;
    let mut errors = DecodeErrors::new();
    match decode_object::<T>(Some(&node), &Path::Root, &mut errors, Constants::Optional) {
        Some(value) if errors.is_empty() => Ok(value),
        _ => Err(D::Error::custom(errors)),
    }
}
