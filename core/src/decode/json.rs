//! Strict JSON: duplicate members and excessive depth are refused (serde_json's own
//! `Value` keeps the last duplicate silently).

use super::node::{Node, NodeObject};
use super::{checked_text, DecodeError, Limits};
use crate::schema::Format;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use std::cell::RefCell;
use std::fmt;

/// Parses a JSON document whose top level must be an object.
pub fn parse_object(body: &[u8], limits: &Limits) -> Result<NodeObject, DecodeError> {
    match parse(body, limits)? {
        Node::Object(o) => Ok(o),
        other => Err(DecodeError::malformed(
            Format::Json,
            format!(
                "expected an object at the top level, got {}",
                other.type_name()
            ),
        )),
    }
}

/// Parses any JSON document.
pub fn parse(body: &[u8], limits: &Limits) -> Result<Node, DecodeError> {
    let text = checked_text(body, limits)?;
    if text.trim().is_empty() {
        return Err(DecodeError::Empty);
    }
    let refusal = RefCell::new(None);
    let seed = NodeSeed::new(limits, &refusal);
    let mut de = serde_json::Deserializer::from_str(text);
    let result = seed
        .deserialize(&mut de)
        .and_then(|node| de.end().map(|()| node));
    match result {
        Ok(node) => Ok(node),
        Err(e) => Err(refusal
            .into_inner()
            .unwrap_or_else(|| DecodeError::malformed(Format::Json, e.to_string()))),
    }
}

/// A serde seed that builds a [`Node`], refusing duplicates and excessive depth.
pub(crate) struct NodeSeed<'a> {
    depth: usize,
    limits: &'a Limits,
    /// The typed reason behind a custom serde error, so it survives serde_json's wrapping.
    refusal: &'a RefCell<Option<DecodeError>>,
    path: String,
}

impl<'a> NodeSeed<'a> {
    pub(crate) fn new(limits: &'a Limits, refusal: &'a RefCell<Option<DecodeError>>) -> Self {
        NodeSeed {
            depth: 0,
            limits,
            refusal,
            path: String::from("#"),
        }
    }

    fn refuse<E: de::Error>(&self, error: DecodeError) -> E {
        let message = error.to_string();
        *self.refusal.borrow_mut() = Some(error);
        E::custom(message)
    }

    fn child(&self, segment: &str) -> NodeSeed<'_> {
        NodeSeed {
            depth: self.depth + 1,
            limits: self.limits,
            refusal: self.refusal,
            path: format!(
                "{}/{}",
                self.path,
                segment.replace('~', "~0").replace('/', "~1")
            ),
        }
    }
}

impl<'de> DeserializeSeed<'de> for NodeSeed<'_> {
    type Value = Node;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for NodeSeed<'_> {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Number(v.into()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        Ok(Node::Number(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        serde_json::Number::from_f64(v)
            .map(Node::Number)
            .ok_or_else(|| E::custom("a number that is not finite"))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Str(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
        Ok(Node::Str(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        if self.depth >= self.limits.max_depth {
            return Err(self.refuse(DecodeError::TooDeep {
                limit: self.limits.max_depth,
            }));
        }
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self.child(&items.len().to_string()))? {
            items.push(item);
        }
        Ok(Node::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        if self.depth >= self.limits.max_depth {
            return Err(self.refuse(DecodeError::TooDeep {
                limit: self.limits.max_depth,
            }));
        }
        let mut object = NodeObject::new();
        while let Some(key) = map.next_key::<String>()? {
            let child = self.child(&key);
            let path = child.path.clone();
            let value = map.next_value_seed(child)?;
            if object.insert(key, value).is_err() {
                return Err(self.refuse(DecodeError::Duplicate { path }));
            }
        }
        Ok(Node::Object(object))
    }
}
