//! JSON-pointer paths for error reports (`#/detail/goods_detail/0/goods_name`).
//!
//! A [`Path`] is a linked list on the stack: building one costs nothing, and it is
//! rendered to text only when an error is reported.

use std::fmt;

/// Where in a (possibly nested) value something is.
#[derive(Debug, Clone, Copy)]
pub enum Path<'a> {
    /// The top-level object: `#`.
    Root,
    /// A member of the object at the parent path.
    Key(&'a Path<'a>, &'a str),
    /// An element of the array at the parent path.
    Index(&'a Path<'a>, usize),
}

impl<'a> Path<'a> {
    /// The path of member `key` below `self`.
    pub fn key(&'a self, key: &'a str) -> Path<'a> {
        Path::Key(self, key)
    }

    /// The path of element `index` below `self`.
    pub fn index(&'a self, index: usize) -> Path<'a> {
        Path::Index(self, index)
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root => f.write_str("#"),
            Path::Key(parent, key) => {
                write!(f, "{parent}/")?;
                // RFC 6901 escaping, so an unknown key containing `/` cannot fake a path.
                for c in key.chars() {
                    match c {
                        '~' => f.write_str("~0")?,
                        '/' => f.write_str("~1")?,
                        c => fmt::Write::write_char(f, c)?,
                    }
                }
                Ok(())
            }
            Path::Index(parent, i) => write!(f, "{parent}/{i}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Path;

    #[test]
    fn renders_json_pointers() {
        let root = Path::Root;
        let detail = root.key("detail");
        let goods = detail.key("goods_detail");
        let first = goods.index(0);
        assert_eq!(
            first.key("goods_name").to_string(),
            "#/detail/goods_detail/0/goods_name"
        );
        assert_eq!(root.to_string(), "#");
        assert_eq!(root.key("a/b~c").to_string(), "#/a~1b~0c");
    }
}
