//! [`wire_enum!`](crate::wire_enum): string codes with known variants and a catch-all.

/// Declares an enum of string codes a gateway sends (`"ok"`, `"sign_error"`, ...), with a
/// variant per documented code and `Other(String)` for codes this version does not know:
/// an unexpected code is kept, never dropped or mistaken for a known one.
///
/// ```
/// paywire::wire_enum! {
///     /// A status.
///     pub enum Status {
///         /// Success.
///         Ok = "ok",
///         /// Bad signature.
///         SignError = "sign_error",
///     }
/// }
/// assert_eq!(Status::from_wire("ok"), Status::Ok);
/// assert_eq!(Status::from_wire("new_code"), Status::Other("new_code".into()));
/// assert_eq!(Status::SignError.as_str(), "sign_error");
/// ```
#[macro_export]
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A code this version of the declaration does not know, kept as received.
            Other(::std::string::String),
        }

        impl $name {
            /// Every documented code.
            pub const KNOWN: &'static [&'static str] = &[$($wire),*];

            /// The code as it travels.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )*
                    Self::Other(code) => code,
                }
            }

            /// The variant for a received code.
            pub fn from_wire(code: &str) -> Self {
                match code {
                    $( $wire => Self::$variant, )*
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::WireValue for $name {
            const KIND: $crate::schema::Kind = $crate::schema::Kind::Str;
            fn wire(&self) -> $crate::Wire<'_> {
                $crate::Wire::Str(self.as_str())
            }
            fn decode(
                node: ::core::option::Option<&$crate::Node>,
                at: &$crate::Path<'_>,
                errors: &mut $crate::decode::DecodeErrors,
            ) -> ::core::option::Option<Self> {
                <::std::string::String as $crate::WireValue>::decode(node, at, errors).map(|s| Self::from_wire(&s))
            }
        }
    };
}
