//! Between the wire types of `api_types` and the domain's types.
//!
//! Both sides are foreign to this crate, so the conversions are two local traits rather
//! than `From`/`TryFrom`: [`ToWire`] shapes a domain value for a response, [`FromWire`]
//! parses a request body into a domain value. The modules hold the conversions shared by
//! several route modules; a conversion only one route module uses stays beside its
//! handlers.

pub mod address;
pub mod admin_order;
pub mod analytics;
pub mod builder;
pub mod catalog;
pub mod invoice;
pub mod order;
pub mod payment;
pub mod user;

use kernel::InvalidInput;

/// A domain value as the API answers it.
pub trait ToWire {
    /// Its `api_types` shape.
    type Wire;

    fn to_wire(self) -> Self::Wire;
}

/// A domain value parsed from a request body of type `Body`, naming every field it
/// refuses.
pub trait FromWire<Body>: Sized {
    fn from_wire(body: Body) -> Result<Self, InvalidInput>;
}

/// Shapes each item of a domain page for the wire.
impl<T: ToWire> ToWire for kernel::Page<T> {
    type Wire = api_types::Page<T::Wire>;

    fn to_wire(self) -> Self::Wire {
        api_types::Page {
            items: self.items.into_iter().map(ToWire::to_wire).collect(),
            next_cursor: self.next_cursor.map(kernel::Cursor::into_string),
        }
    }
}

impl<T: ToWire> ToWire for Vec<T> {
    type Wire = Vec<T::Wire>;

    fn to_wire(self) -> Self::Wire {
        self.into_iter().map(ToWire::to_wire).collect()
    }
}
