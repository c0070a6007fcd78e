//! The validator: one non-generic interpreter over [`Schema`] and [`FieldAccess`], so
//! each derived struct contributes a table, not code.

use crate::error::{Actual, SchemaError, SchemaErrors, Violation};
use crate::path::Path;
use crate::rules;
use crate::schema::{Kind, Rule, Schema};
use crate::value::FieldAccess;
use crate::value::Wire;

/// Validates a root object, collecting every violation.
pub(crate) fn validate_root(object: &dyn FieldAccess) -> Result<(), SchemaErrors> {
    let mut errors = SchemaErrors::new();
    validate_into(object, &Path::Root, &mut errors);
    errors.into_result()
}

fn push(errors: &mut SchemaErrors, path: &Path<'_>, violation: Violation, actual: Actual) {
    errors.push(SchemaError {
        path: path.to_string(),
        violation,
        actual,
    });
}

/// Validates `object` found at `at`, appending violations to `errors`.
pub fn validate_into(object: &dyn FieldAccess, at: &Path<'_>, errors: &mut SchemaErrors) {
    let schema = object.object_schema();
    let group_in_use = check_groups(object, schema, at, errors);
    for (index, field) in schema.fields.iter().enumerate() {
        let value = object.field(index);
        let path = at.key(field.wire_name);
        if value.is_missing() {
            let condition = field.required_if.iter().find(|c| {
                object
                    .field(usize::from(c.field))
                    .with_text(|t| t == c.value)
                    .unwrap_or(false)
            });
            let violation = if !field.optional {
                Some(Violation::Required)
            } else if let Some(c) = condition {
                Some(Violation::RequiredIf(*c))
            } else {
                field
                    .group
                    .filter(|g| g.required && group_in_use == Some(g.group))
                    .map(|g| Violation::RequiredInGroup { group: g.group })
            };
            match violation {
                Some(v) => {
                    push(errors, &path, v, Actual::Missing);
                    continue;
                }
                // An optional field that is absent has nothing to check; one set to ""
                // still has to meet its rules (the gateway sees an empty value).
                None if value.is_absent() => continue,
                None => {}
            }
        }
        check_rules(field.rules, field.kind, &value, &path, errors);
        validate_nested(&value, &path, errors);
        if let Kind::Indexed { count, .. } = field.kind {
            check_count(object, schema, &value, count, at, errors);
        }
    }
    object.custom_checks(at, errors);
}

/// The number of items in an indexed family, as its count member says it: absent counts
/// as 0; a count that is not an integer never matches.
pub(crate) fn count_of(object: &dyn FieldAccess, schema: &Schema, count: &str) -> Option<u64> {
    let index = schema.fields.iter().position(|f| f.wire_name == count)?;
    match object.field(index) {
        Wire::Absent => Some(0),
        other => other.as_integer().and_then(|n| u64::try_from(n).ok()),
    }
}

/// An indexed family's count member must say how many items it has: the receiver reads
/// exactly that many, so a wrong count loses refunds or invents them.
fn check_count(
    object: &dyn FieldAccess,
    schema: &Schema,
    value: &Wire<'_>,
    count: &'static str,
    at: &Path<'_>,
    errors: &mut SchemaErrors,
) {
    let items = match value {
        Wire::Array(items) => items.len() as u64,
        _ => 0,
    };
    let said = count_of(object, schema, count);
    if said != Some(items) {
        let said = said.map_or_else(|| "not a count".to_owned(), |n| n.to_string());
        push(
            errors,
            &at.key(count),
            Violation::Custom {
                rule: "indexed_count",
                message: format!(
                    "{count} is {said}, but its family has {items} items; set {count} to {items}"
                ),
            },
            Actual::Text(said),
        );
    }
}

fn validate_nested(value: &Wire<'_>, path: &Path<'_>, errors: &mut SchemaErrors) {
    match value {
        Wire::Object(inner) => validate_into(*inner, path, errors),
        Wire::JsonText(embedded) => validate_nested(&embedded.inner(), path, errors),
        Wire::Array(items) => {
            for i in 0..items.len() {
                validate_nested(&items.get(i), &path.index(i), errors);
            }
        }
        _ => {}
    }
}

/// Returns the exclusive group in use, reporting mixes and the absence of any group.
fn check_groups(
    object: &dyn FieldAccess,
    schema: &Schema,
    at: &Path<'_>,
    errors: &mut SchemaErrors,
) -> Option<&'static str> {
    if schema.groups.is_empty() {
        return None;
    }
    let mut in_use: Option<(&'static str, &'static str)> = None;
    for (index, field) in schema.fields.iter().enumerate() {
        let Some(member) = field.group else { continue };
        if object.field(index).is_absent() {
            continue;
        }
        match in_use {
            None => in_use = Some((member.group, field.wire_name)),
            Some((group, other_field)) if group != member.group => push(
                errors,
                &at.key(field.wire_name),
                Violation::GroupConflict {
                    group: member.group,
                    other_group: group,
                    other_field,
                },
                Actual::Set,
            ),
            Some(_) => {}
        }
    }
    if in_use.is_none() {
        push(
            errors,
            at,
            Violation::NoGroup {
                groups: schema.groups,
            },
            Actual::Missing,
        );
    }
    in_use.map(|(group, _)| group)
}

fn check_rules(
    rules: &[Rule],
    kind: Kind,
    value: &Wire<'_>,
    path: &Path<'_>,
    errors: &mut SchemaErrors,
) {
    let amount = matches!(kind, Kind::Fen | Kind::Yuan);
    for rule in rules {
        let actual = match *rule {
            Rule::Len(bounds) => value
                .with_text(|t| t.len() as u64)
                .filter(|&n| !bounds.contains(n))
                .map(Actual::Bytes),
            Rule::Chars(bounds) => value
                .with_text(|t| t.chars().count() as u64)
                .filter(|&n| !bounds.contains(n))
                .map(Actual::Chars),
            Rule::Range(bounds) => value
                .as_integer()
                .filter(|&i| i < bounds.min || i > bounds.max)
                .map(|i| match u64::try_from(i) {
                    Ok(fen) if amount => Actual::Fen(fen),
                    _ => Actual::Int(i),
                }),
            Rule::OneOf(allowed) => value
                .with_text(|t| (!allowed.contains(&t)).then(|| t.to_owned()))
                .flatten()
                .map(Actual::Text),
            Rule::Format(format) => value
                .with_text(|t| (!rules::matches(format, t)).then(|| t.to_owned()))
                .flatten()
                .map(Actual::Text),
        };
        if let Some(actual) = actual {
            push(errors, path, Violation::Rule(*rule), actual);
        }
    }
}

/// The fast path of validation: the derive emits one `&&` chain per struct out of these
/// checks, which answer only "valid or not". `validate` runs it first and falls back to
/// the interpreter above, which reports every violation, when it says no. Each check
/// accepts exactly what the interpreter accepts (tests compare the two on generated
/// values), so an accepted request never reaches the interpreter. They are `#[inline]`
/// rather than `#[inline(always)]`: release builds inline them all the same, and a debug
/// build keeps one copy of each instead of one per member of every request.
pub mod fast {
    use crate::error::SchemaErrors;
    use crate::path::Path;
    use crate::rules;
    use crate::schema::TextFormat;
    use crate::value::FieldAccess;
    use crate::value::Wire;

    /// Neither absent nor an empty string.
    #[inline]
    pub fn present(value: &Wire<'_>) -> bool {
        !value.is_missing()
    }

    /// Whether a field's wire text equals `expected` (for `required_if`).
    #[inline]
    pub fn text_is(value: &Wire<'_>, expected: &str) -> bool {
        value.with_text(|t| t == expected).unwrap_or(false)
    }

    /// `check` on the value's text; values without text (absent) pass, as in the
    /// interpreter. Strings, nearly every field, skip the general formatter.
    #[inline]
    fn text(value: &Wire<'_>, check: impl FnOnce(&str) -> bool) -> bool {
        match value {
            Wire::Str(s) => check(s),
            other => other.with_text(check).unwrap_or(true),
        }
    }

    /// `len = min..=max` in bytes.
    #[inline]
    pub fn len(value: &Wire<'_>, min: u64, max: u64) -> bool {
        text(value, |t| (min..=max).contains(&(t.len() as u64)))
    }

    /// `chars = min..=max` in Unicode scalar values.
    #[inline]
    pub fn chars(value: &Wire<'_>, min: u64, max: u64) -> bool {
        text(value, |t| (min..=max).contains(&(t.chars().count() as u64)))
    }

    /// `range = min..=max`.
    #[inline]
    pub fn range(value: &Wire<'_>, min: i128, max: i128) -> bool {
        value.as_integer().is_none_or(|i| min <= i && i <= max)
    }

    /// `one_of(...)`.
    #[inline]
    pub fn one_of(value: &Wire<'_>, allowed: &[&str]) -> bool {
        text(value, |t| allowed.contains(&t))
    }

    /// [`one_of`] where every allowed value is an integer (`numbers`, the same values as
    /// `texts`): integers are compared as numbers, anything else by its text.
    #[inline]
    pub fn one_of_int(value: &Wire<'_>, numbers: &[i128], texts: &[&str]) -> bool {
        match value {
            Wire::UInt(u) => numbers.contains(&i128::from(*u)),
            Wire::Int(i) => numbers.contains(&i128::from(*i)),
            other => one_of(other, texts),
        }
    }

    /// A named text format.
    #[inline]
    pub fn format(value: &Wire<'_>, format: TextFormat) -> bool {
        text(value, |t| rules::matches(format, t))
    }

    /// Nested objects, arrays of them and JSON text holding them.
    #[inline]
    pub fn nested(value: &Wire<'_>) -> bool {
        match value {
            Wire::Object(_) | Wire::JsonText(_) | Wire::Array(_) => nested_slow(value),
            _ => true,
        }
    }

    fn nested_slow(value: &Wire<'_>) -> bool {
        match value {
            Wire::Object(inner) => inner.__is_valid(),
            Wire::JsonText(embedded) => nested_slow(&embedded.inner()),
            Wire::Array(items) => (0..items.len()).all(|i| nested_slow(&items.get(i))),
            _ => true,
        }
    }

    /// An indexed family has as many items as its count member says.
    pub fn count_matches(object: &dyn FieldAccess, count: &str, items: usize) -> bool {
        super::count_of(object, object.object_schema(), count) == Some(items as u64)
    }

    /// `validate_with` reports nothing.
    pub fn custom(object: &dyn FieldAccess) -> bool {
        let mut errors = SchemaErrors::new();
        object.custom_checks(&Path::Root, &mut errors);
        errors.is_empty()
    }
}
