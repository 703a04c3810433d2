//! Saved addresses: the default, privacy, and refusals naming each field.

use api_types::ErrorCode;
use api_types::addresses::{Address, AddressChanges, NewAddress};
use identity::addresses::{AddressBook, AddressError, NewAddress as DomainAddress, PgAddressStore};
use kernel::{PersonName, Phone, Pincode};
use reqwest::{Method, StatusCode};
use rigmaster_tests::{assert_refused, spawn_app};

/// A home address, as a customer types it (a 10-digit mobile number, no country).
pub fn home() -> NewAddress {
    NewAddress {
        name: "Asha Rao".into(),
        phone: "9876543210".into(),
        company: None,
        line1: "12 MG Road".into(),
        line2: None,
        city: "Bengaluru".into(),
        state: "Karnataka".into(),
        pincode: "560001".into(),
        country: None,
        is_default: None,
    }
}

fn fields_of(error: &api_types::ErrorBody) -> Vec<&str> {
    error.details.iter().map(|d| d.field.as_str()).collect()
}

#[tokio::test]
async fn the_first_address_is_the_default_and_one_default_is_kept() {
    let app = spawn_app().await;
    let user = app.register_customer().await;

    let first = user.api.add_address(&home()).await.unwrap();
    let office = NewAddress { line1: "Tech Park, Whitefield".into(), is_default: Some(true), ..home() };
    let second = user.api.request(Method::POST, "/me/addresses").json(&office);
    let second = user.api.send_answer::<Address>(second).await.unwrap();
    assert_eq!(second.status, StatusCode::CREATED);
    let second = second.body;

    assert_eq!((first.is_default, first.country.as_str(), first.phone.as_str()), (true, "IN", "+919876543210"));
    let list = user.api.addresses().await.unwrap();
    let defaults: Vec<&Address> = list.items.iter().filter(|a| a.is_default).collect();
    assert_eq!(defaults.len(), 1);
    assert_eq!(defaults[0].id, second.id);

    // Deleting the default promotes the one left.
    user.api.remove_address(second.id).await.unwrap();
    let list = user.api.addresses().await.unwrap();
    assert!(list.items[0].is_default);
}

#[tokio::test]
async fn a_customer_cannot_read_change_or_delete_anothers_address() {
    let app = spawn_app().await;
    let owner = app.register_customer().await;
    let other = app.register_customer().await;
    let address = owner.api.add_address(&home()).await.unwrap();

    let listed = other.api.addresses().await.unwrap();
    let move_it = AddressChanges { city: Some("Mysuru".into()), is_default: Some(true), ..AddressChanges::default() };
    let changed = other.api.change_address(address.id, &move_it).await;
    let deleted = other.api.remove_address(address.id).await;

    assert_eq!(listed.items, []);
    assert_refused(changed, StatusCode::NOT_FOUND, ErrorCode::NotFound);
    assert_refused(deleted, StatusCode::NOT_FOUND, ErrorCode::NotFound);
    let mine = owner.api.addresses().await.unwrap();
    assert_eq!(mine.items[0].city, "Bengaluru");
    assert!(mine.items[0].is_default);
}

#[tokio::test]
async fn an_invalid_address_names_each_field() {
    let app = spawn_app().await;
    let user = app.register_customer().await;
    let bad = NewAddress { pincode: "06001".into(), phone: "123".into(), country: Some("1N".into()), ..home() };

    let added = user.api.add_address(&bad).await;

    let error = assert_refused(added, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed);
    assert_eq!(fields_of(&error), ["phone", "pincode", "country"], "{error:?}");
}

#[tokio::test]
async fn an_address_for_an_account_that_is_gone_is_a_business_error() {
    let app = spawn_app().await;
    let book = AddressBook::new(PgAddressStore::new(app.db.pool().await), 20);
    let address = DomainAddress {
        name: PersonName::parse("Asha Rao", "name").unwrap(),
        phone: Phone::parse("9876543210", "phone").unwrap(),
        company: None,
        line1: "12 MG Road".into(),
        line2: None,
        city: "Bengaluru".into(),
        state: "Karnataka".into(),
        pincode: Pincode::parse("560001", "pincode").unwrap(),
        country: "IN".into(),
        is_default: false,
    };

    let added = book.add(uuid::Uuid::now_v7(), address).await;

    assert!(matches!(added, Err(AddressError::UnknownOwner)), "{added:?}");
}

#[tokio::test]
async fn a_refused_address_names_the_rule_breaks_and_the_parse_failures_together() {
    let app = spawn_app().await;
    let customer = app.register_customer().await;
    let bad = NewAddress { phone: String::new(), line1: "   ".into(), pincode: "12".into(), ..home() };

    let added = customer.api.add_address(&bad).await;

    let error = assert_refused(added, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed);
    let mut fields = fields_of(&error);
    fields.sort_unstable();
    assert_eq!(fields, ["line1", "phone", "pincode"], "{error:?}");
}

#[tokio::test]
async fn a_customer_saves_at_most_the_configured_number_of_addresses() {
    let app = rigmaster_tests::spawn_app_with(|settings| settings.limits.max_addresses_per_customer = 2).await;
    let user = app.register_customer().await;
    let first = user.api.add_address(&home()).await.unwrap();
    user.api.add_address(&home()).await.unwrap();

    let refused = assert_refused(user.api.add_address(&home()).await, StatusCode::CONFLICT, ErrorCode::Conflict);

    assert!(refused.message.contains("(2)") && refused.message.contains("delete one"), "{}", refused.message);
    assert_eq!(user.api.addresses().await.unwrap().items.len(), 2);
    user.api.remove_address(first.id).await.unwrap();
    user.api.add_address(&home()).await.expect("room again after a delete");
}

#[tokio::test]
async fn concurrent_adds_never_pass_the_address_cap() {
    let app = rigmaster_tests::spawn_app_with(|settings| settings.limits.max_addresses_per_customer = 3).await;
    let user = app.register_customer().await;

    let mut adds = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let api = user.api.clone();
        adds.spawn(async move { api.add_address(&home()).await });
    }
    let outcomes = adds.join_all().await;

    let saved = outcomes.iter().filter(|outcome| outcome.is_ok()).count();
    assert_eq!(saved, 3, "{outcomes:?}");
    for refused in outcomes.into_iter().filter(Result::is_err) {
        assert_refused(refused, StatusCode::CONFLICT, ErrorCode::Conflict);
    }
    let listed = user.api.addresses().await.unwrap().items;
    assert_eq!(listed.len(), 3);
    assert_eq!(listed.iter().filter(|address| address.is_default).count(), 1);
}
