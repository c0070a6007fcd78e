//! The received wire tree: what a body parses into before typed decoding.
//!
//! Parsers for the three formats produce [`Node`]s; verification reads them raw (every
//! received field, unknown ones included), and typed decoding reads them by wire name.

use std::fmt;

/// One received value.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// Text from an XML element or a form pair: every value there is text, so integers
    /// and amounts are parsed from it.
    Text(String),
    /// A JSON string.
    Str(String),
    /// A JSON number, as written.
    Number(serde_json::Number),
    /// A JSON boolean.
    Bool(bool),
    /// A JSON `null` (treated as absent).
    Null,
    /// A JSON object (or the XML root / the whole form).
    Object(NodeObject),
    /// A JSON array.
    Array(Vec<Node>),
}

impl Node {
    /// A short name of the node's type, for "expected X, got Y" messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Node::Text(_) | Node::Str(_) => "a string",
            Node::Number(_) => "a number",
            Node::Bool(_) => "a boolean",
            Node::Null => "null",
            Node::Object(_) => "an object",
            Node::Array(_) => "an array",
        }
    }

    /// The text of a string node.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Node::Text(s) | Node::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// Members of an object in the order received. A name that comes again with another
/// value is refused by every parser; an exact repeat (same name, same value, as in
/// SwiftPass's documented success answer) is kept once. So each name occurs once.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NodeObject {
    entries: Vec<(String, Node)>,
}

impl NodeObject {
    /// An empty object.
    pub fn new() -> Self {
        NodeObject::default()
    }

    /// An empty object with room for `capacity` members.
    pub fn with_capacity(capacity: usize) -> Self {
        NodeObject {
            entries: Vec::with_capacity(capacity),
        }
    }

    /// Adds a member. An exact repeat of a member already present is kept once; the same
    /// name with another value is given back, for the parser to refuse.
    pub fn insert(&mut self, name: String, value: Node) -> Result<(), (String, Node)> {
        match self.get(&name) {
            Some(existing) if *existing == value => return Ok(()),
            Some(_) => return Err((name, value)),
            None => {}
        }
        self.entries.push((name, value));
        Ok(())
    }

    /// The member with this name.
    pub fn get(&self, name: &str) -> Option<&Node> {
        self.entries.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// Removes and returns the member with this name.
    pub fn remove(&mut self, name: &str) -> Option<Node> {
        let i = self.entries.iter().position(|(k, _)| k == name)?;
        Some(self.entries.remove(i).1)
    }

    /// Members in received order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Node)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no members.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl fmt::Display for Node {
    /// Renders strings as their text and everything else as compact JSON.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Node::Text(s) | Node::Str(s) => f.write_str(s),
            Node::Number(n) => write!(f, "{n}"),
            Node::Bool(b) => write!(f, "{b}"),
            Node::Null => f.write_str("null"),
            Node::Object(o) => {
                f.write_str("{")?;
                for (i, (k, v)) in o.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{}:", serde_json::Value::from(k))?;
                    match v {
                        Node::Text(s) | Node::Str(s) => {
                            write!(f, "{}", serde_json::Value::from(s.as_str()))?
                        }
                        other => write!(f, "{other}")?,
                    }
                }
                f.write_str("}")
            }
            Node::Array(items) => {
                f.write_str("[")?;
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    match v {
                        Node::Text(s) | Node::Str(s) => {
                            write!(f, "{}", serde_json::Value::from(s.as_str()))?
                        }
                        other => write!(f, "{other}")?,
                    }
                }
                f.write_str("]")
            }
        }
    }
}
