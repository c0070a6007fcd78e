//! What the derives check when the user's crate compiles: the traits a field's type must
//! implement for the rules declared on it (each with the message that names the rule),
//! and the constant functions the generated assertions call. Reached through
//! `paywire::__private`; nothing here runs per request.

use crate::error::SchemaErrors;
use crate::money::{Fen, Yuan};
use crate::object::PayObject;
use crate::schema::{EmptyValues, HexCase, Kind, Schema, SignScheme, SignSpec};
use crate::value::{FieldAccess, WireValue};

/// Types whose text `len`, `chars` and the text formats can measure.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a string: `len`, `chars` and text formats apply to string fields",
    label = "this rule needs a String or Option<String> field",
    note = "use `range` for integers and amounts"
)]
pub trait TextValue {}
impl TextValue for ::std::string::String {}
impl<T> TextValue for crate::json_text::JsonText<T> {}
impl<C, T> TextValue for crate::encrypted::Encrypted<C, T> {}
impl TextValue for crate::text_or_number::TextOrNumber {}
impl<T: TextValue> TextValue for Option<T> {}

/// Types `range` can bound, with the bounds of the type itself.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an integer: `range` applies to integer and amount fields",
    label = "this rule needs an integer, Fen or Yuan field",
    note = "use `len` or `chars` for strings"
)]
pub trait IntegerValue {
    /// Smallest value of the type.
    const MIN: i128;
    /// Largest value of the type.
    const MAX: i128;
}

macro_rules! integer_value {
    ($($t:ty),*) => {$(
        impl IntegerValue for $t {
            const MIN: i128 = <$t>::MIN as i128;
            const MAX: i128 = <$t>::MAX as i128;
        }
    )*};
}
integer_value!(u8, u16, u32, u64, i8, i16, i32, i64);

impl IntegerValue for Fen {
    const MIN: i128 = 0;
    const MAX: i128 = u64::MAX as i128;
}
impl IntegerValue for Yuan {
    const MIN: i128 = 0;
    const MAX: i128 = u64::MAX as i128;
}
impl<T: IntegerValue> IntegerValue for Option<T> {
    const MIN: i128 = T::MIN;
    const MAX: i128 = T::MAX;
}

/// `Option<_>`: the only types that may be absent.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is always present: `required_if`, `group` and `optional` need an `Option<_>` field",
    label = "make this field an Option<_>"
)]
pub trait OptionalValue {}
impl<T> OptionalValue for Option<T> {}

/// Unsigned integers: what counts the items of an indexed family.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot count the items of an indexed family",
    label = "the count member must be an unsigned integer field (u32, or Option<u32> when it may be absent)"
)]
pub trait CountValue {}
impl CountValue for u8 {}
impl CountValue for u16 {}
impl CountValue for u32 {}
impl CountValue for u64 {}
impl CountValue for usize {}
impl<T: CountValue> CountValue for Option<T> {}

/// Compile-time check that an indexed family's count member is a count.
pub const fn assert_count<T: CountValue>() {}

/// Compile-time check that the items of an indexed family are declared objects.
pub const fn assert_item<T: PayObject>() {}

/// Whether every member of an indexed family's item travels as text (or is a family of
/// its own), as a flat body needs.
pub const fn is_flat_item(schema: &Schema) -> bool {
    let mut i = 0;
    while i < schema.fields.len() {
        let flat = match &schema.fields[i].kind {
            Kind::Indexed { item, .. } => is_flat_item(item),
            kind => is_flat_kind(kind),
        };
        if !flat {
            return false;
        }
        i += 1;
    }
    true
}

/// Compile-time check that a field is text.
pub const fn assert_text<T: TextValue>() {}
/// Compile-time check that a field is an `Option`.
pub const fn assert_optional<T: OptionalValue>() {}

/// Which bound of a declared `range` the field's type cannot hold: 0 neither, 1 the
/// lower, 2 the upper.
pub const fn range_misfit<T: IntegerValue>(min: i128, max: i128) -> u8 {
    if min < T::MIN {
        1
    } else if max > T::MAX {
        2
    } else {
        0
    }
}

/// The `Kind` of a field type.
pub const fn kind_of<T: WireValue>() -> Kind {
    T::KIND
}

/// Whether a field type travels as one text value (not a nested object or array), as
/// XML and form bodies need.
pub const fn is_flat<T: WireValue>() -> bool {
    is_flat_kind(&T::KIND)
}

const fn is_flat_kind(kind: &Kind) -> bool {
    match kind {
        Kind::Object(_) | Kind::Array(_) | Kind::Indexed { .. } => false,
        Kind::OneOf(kinds) => {
            let mut i = 0;
            while i < kinds.len() {
                if !is_flat_kind(&kinds[i]) {
                    return false;
                }
                i += 1;
            }
            true
        }
        _ => true,
    }
}

/// Whether a field type may be absent.
pub const fn is_optional<T: WireValue>() -> bool {
    T::OPTIONAL
}

/// The schema of a type whose derive failed (never read: the build has already failed).
pub const EMPTY_SCHEMA: Schema = Schema {
    name: "",
    doc: "",
    format: None,
    sign: SignSpec {
        scheme: SignScheme::None,
        key_name: "",
        case: HexCase::Upper,
        field: "",
        order: &[],
        empty: EmptyValues::Skip,
    },
    fields: &[],
    constants: &[],
    allow_unknown: false,
    groups: &[],
    signed_if: None,
};

/// The reporting interpreter alone, without the fast check (tests compare the two).
pub fn report(object: &dyn FieldAccess) -> Result<(), SchemaErrors> {
    crate::validate::validate_root(object)
}
