//! The audit trail's port: every admin write tells an [`AuditLog`] what it changed, in
//! its own transaction, so that the change and its record commit together or not at all.
//!
//! A domain's admin operation takes `&impl AuditLog<PgConnection>` (its transaction's
//! connection type) and calls [`AuditLog::record`] once per changed entity, before it
//! commits. The application implements the port (the `audit` crate's recorder knows who
//! is acting and for which request); the domain only says what changed.

use std::future::Future;

use serde_json::{Map, Value};
use uuid::Uuid;

/// One change to one entity, as the audit trail keeps it: what was done (`action`, such
/// as `product.update`), to what (`entity`, `entity_id`), and the fields that changed,
/// before and after (`None` before a creation and after a deletion).
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub action: &'static str,
    pub entity: &'static str,
    pub entity_id: Uuid,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl Change {
    /// Something new: everything it is, after.
    pub fn created(action: &'static str, entity: &'static str, entity_id: Uuid, after: Value) -> Self {
        Change { action, entity, entity_id, before: None, after: Some(after) }
    }

    /// Something changed: of two JSON objects (the entity before and after), only the
    /// top-level fields whose values differ, on each side. Values that are not objects are
    /// kept whole when they differ.
    pub fn updated(action: &'static str, entity: &'static str, entity_id: Uuid, before: &Value, after: &Value) -> Self {
        let (before, after) = changed_fields(before, after);
        Change { action, entity, entity_id, before: Some(before), after: Some(after) }
    }

    /// Something removed: everything it was, before.
    pub fn deleted(action: &'static str, entity: &'static str, entity_id: Uuid, before: Value) -> Self {
        Change { action, entity, entity_id, before: Some(before), after: None }
    }

    /// An update after which every field reads as before: nothing to record.
    pub fn changes_nothing(&self) -> bool {
        let empty = |side: &Option<Value>| side.as_ref().is_some_and(|v| v.as_object().is_some_and(Map::is_empty));
        empty(&self.before) && empty(&self.after)
    }
}

/// The fields of `before` and `after` whose values differ, each side with its own values.
/// A field missing on one side is `null` there.
pub fn changed_fields(before: &Value, after: &Value) -> (Value, Value) {
    match (before, after) {
        (Value::Object(old), Value::Object(new)) => {
            let mut was = Map::new();
            let mut is = Map::new();
            for key in old.keys().chain(new.keys().filter(|key| !old.contains_key(*key))) {
                let (a, b) = (old.get(key).unwrap_or(&Value::Null), new.get(key).unwrap_or(&Value::Null));
                if a != b {
                    was.insert(key.clone(), a.clone());
                    is.insert(key.clone(), b.clone());
                }
            }
            (Value::Object(was), Value::Object(is))
        }
        (old, new) if old == new => (Value::Object(Map::new()), Value::Object(Map::new())),
        (old, new) => (old.clone(), new.clone()),
    }
}

/// Where admin writes are recorded, in the writer's transaction (`Conn` is its
/// connection type).
pub trait AuditLog<Conn: ?Sized + Send>: Send + Sync {
    /// Records `change` in the caller's transaction. Errors: storage failures (the caller
    /// rolls back: a change that cannot be recorded is not made).
    fn record(&self, conn: &mut Conn, change: Change) -> impl Future<Output = anyhow::Result<()>> + Send;
}

/// Records nothing: for writes no admin makes (the demo seed, command-line tools that
/// keep their own log).
#[derive(Debug, Clone, Copy, Default)]
pub struct Unaudited;

impl<Conn: ?Sized + Send> AuditLog<Conn> for Unaudited {
    async fn record(&self, _: &mut Conn, _: Change) -> anyhow::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn an_update_keeps_only_the_fields_that_changed_on_each_side() {
        let before = json!({"name": "Ryzen 5", "price_paise": 1_500_000, "is_active": true});
        let after = json!({"name": "Ryzen 5", "price_paise": 1_400_000, "is_active": false});
        let change = Change::updated("product.update", "product", Uuid::nil(), &before, &after);
        assert_eq!(change.before, Some(json!({"price_paise": 1_500_000, "is_active": true})));
        assert_eq!(change.after, Some(json!({"price_paise": 1_400_000, "is_active": false})));
    }

    #[test]
    fn a_field_added_or_removed_is_null_on_the_side_without_it() {
        let (before, after) = changed_fields(&json!({"a": 1}), &json!({"b": 2}));
        assert_eq!(before, json!({"a": 1, "b": null}));
        assert_eq!(after, json!({"a": null, "b": 2}));
    }

    #[test]
    fn nothing_changed_is_two_empty_objects() {
        let same = json!({"a": [1, 2], "b": {"c": 3}});
        assert_eq!(changed_fields(&same, &same), (json!({}), json!({})));
    }

    #[test]
    fn an_update_to_the_same_values_changes_nothing_but_a_creation_always_changes_something() {
        let same = json!({"a": 1});
        assert!(Change::updated("x.update", "x", Uuid::nil(), &same, &same).changes_nothing());
        assert!(!Change::updated("x.update", "x", Uuid::nil(), &same, &json!({"a": 2})).changes_nothing());
        assert!(!Change::created("x.create", "x", Uuid::nil(), json!({})).changes_nothing());
    }

    #[test]
    fn values_that_are_not_objects_are_kept_whole_when_they_differ() {
        assert_eq!(changed_fields(&json!(1), &json!(2)), (json!(1), json!(2)));
    }
}
