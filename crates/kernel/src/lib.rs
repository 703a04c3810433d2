//! Shared building blocks every RigMaster domain speaks: [`Money`] in paise (and in words,
//! [`words`]), GSTINs and GST state codes ([`gstin`]), the
//! [`Clock`] port, field-level input errors, parsed value types such as [`Email`], and
//! the opaque keyset [`Cursor`] used by every list.
//!
//! Nothing here knows about HTTP, SQL or any one domain.

pub mod audit;
pub mod batches;
pub mod calendar;
pub mod channels;
pub mod clock;
pub mod contact;
pub mod email;
pub mod error;
pub mod gstin;
pub mod money;
pub mod pagination;
pub mod quantity;
pub mod schema;
pub mod words;

pub use clock::{Clock, SystemClock};
pub use contact::{PersonName, Phone, Pincode};
pub use email::Email;
pub use error::{FieldError, InvalidInput};
pub use money::{Money, MoneyOverflow};
pub use pagination::{Cursor, InvalidCursor, Limit, Page};
pub use quantity::Quantity;
