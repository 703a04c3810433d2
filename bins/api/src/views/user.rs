//! `User` on the wire: `/me`, the auth responses and the admin's user list.

use api_types::users::{Role as RoleWire, User as UserWire};
use identity::accounts::User;
use identity::tokens::Role;

use crate::views::ToWire;

impl ToWire for Role {
    type Wire = RoleWire;

    fn to_wire(self) -> RoleWire {
        match self {
            Role::Customer => RoleWire::Customer,
            Role::Admin => RoleWire::Admin,
        }
    }
}

/// A role the API was sent, in the domain's terms.
pub fn role_from_wire(role: RoleWire) -> Role {
    match role {
        RoleWire::Customer => Role::Customer,
        RoleWire::Admin => Role::Admin,
    }
}

impl ToWire for User {
    type Wire = UserWire;

    fn to_wire(self) -> UserWire {
        UserWire {
            id: self.id,
            name: self.name,
            email: self.email,
            phone: self.phone,
            role: self.role.to_wire(),
            created_at: self.created_at,
        }
    }
}
