//! The keys `#[pay(...)]` takes, each name written once: the parser matches on these
//! enums, and "did you mean" and "goes on the struct / on a field" read their lists.

/// Declares a key enum with its names, the list of its variants and the lookup by name.
macro_rules! keys {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal,)* }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)*
        }

        impl $name {
            /// Every key, in the order the documentation lists them.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The key as written in `#[pay(...)]`.
            pub const fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)*
                }
            }

            /// The key written as `name`, if there is one.
            pub fn from_name(name: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|k| k.name() == name)
            }

            /// Every key's name.
            pub fn names() -> Vec<&'static str> {
                Self::ALL.iter().map(|k| k.name()).collect()
            }
        }
    };
}

keys!(
    /// A key of the struct's `#[pay(...)]`.
    ContainerKey {
        /// `format = "json" | "xml" | "form"`
        Format = "format",
        /// `sign = "md5-sorted" | ... | custom(Type)`
        Sign = "sign",
        /// `sign_key = "key"`
        SignKey = "sign_key",
        /// `sign_case = "upper" | "lower"`
        SignCase = "sign_case",
        /// `sign_field = "sign"`
        SignField = "sign_field",
        /// `sign_empty = "skip" | "keep"`
        SignEmpty = "sign_empty",
        /// `constant(service = "pay.weixin.wap", pay_method = 200)`
        Constant = "constant",
        /// `crate = "::my_reexport::paywire"`
        Crate = "crate",
        /// `validate_with = path::to::check`
        ValidateWith = "validate_with",
        /// `signed_if(status = "0")` (responses: unsigned failure answers)
        SignedIf = "signed_if",
    }
);

keys!(
    /// A key of a field's `#[pay(...)]` other than a text format (those are
    /// `TextFormat::ALL`).
    FieldKey {
        /// `len = 1..=32` (UTF-8 bytes)
        Len = "len",
        /// `chars = 1..=127` (Unicode scalar values)
        Chars = "chars",
        /// `range = 1..=999_999_999` (integers)
        Range = "range",
        /// `one_of("0", "100", "200")`
        OneOf = "one_of",
        /// `required_if(pay_type = "1")`
        RequiredIf = "required_if",
        /// `rename = "subOpenId"`
        Rename = "rename",
        /// `sign = 1` (md5-concat position)
        Sign = "sign",
        /// `no_sign`
        NoSign = "no_sign",
        /// `path` (a URL path parameter: not in the body, not signed)
        Path = "path",
        /// `group = "direct"`
        Group = "group",
        /// `optional` (with `group`: not required when the group is in use)
        Optional = "optional",
        /// `indexed(count = "refund_count")` (members `name_$n` of a flat body)
        Indexed = "indexed",
    }
);
