use identity::addresses::{AddressBook, AddressError, NewAddress, PgAddressStore};
use kernel::{PersonName, Phone, Pincode};
use reqwest::{Method, StatusCode};
use rigmaster_tests::app::assert_error;
use rigmaster_tests::spawn_app;
use serde_json::{Value, json};

pub fn home() -> Value {
    json!({"name": "Asha Rao", "phone": "9876543210", "line1": "12 MG Road", "city": "Bengaluru", "state": "Karnataka", "pincode": "560001"})
}

#[tokio::test]
async fn the_first_address_is_the_default_and_one_default_is_kept() {
    let app = spawn_app().await;
    let user = app.register_customer().await;

    let first: Value =
        app.send_json_as(Method::POST, "/api/v1/me/addresses", &user.access_token, &home()).await.json().await.unwrap();
    let mut office = home();
    office["line1"] = json!("Tech Park, Whitefield");
    office["is_default"] = json!(true);
    let second = app.send_json_as(Method::POST, "/api/v1/me/addresses", &user.access_token, &office).await;
    assert_eq!(second.status(), StatusCode::CREATED);
    let second: Value = second.json().await.unwrap();

    assert_eq!(
        (first["is_default"].as_bool(), first["country"].as_str(), first["phone"].as_str()),
        (Some(true), Some("IN"), Some("+919876543210"))
    );
    let list: Value = app.get_as("/api/v1/me/addresses", &user.access_token).await.json().await.unwrap();
    let defaults: Vec<&Value> = list["items"].as_array().unwrap().iter().filter(|a| a["is_default"] == true).collect();
    assert_eq!(defaults.len(), 1);
    assert_eq!(defaults[0]["id"], second["id"]);

    // Deleting the default promotes the one left.
    let deleted = app
        .client
        .delete(app.url(&format!("/api/v1/me/addresses/{}", second["id"].as_str().unwrap())))
        .bearer_auth(&user.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let list: Value = app.get_as("/api/v1/me/addresses", &user.access_token).await.json().await.unwrap();
    assert_eq!(list["items"][0]["is_default"], true);
}

#[tokio::test]
async fn a_customer_cannot_read_change_or_delete_anothers_address() {
    let app = spawn_app().await;
    let owner = app.register_customer().await;
    let other = app.register_customer().await;
    let address: Value = app
        .send_json_as(Method::POST, "/api/v1/me/addresses", &owner.access_token, &home())
        .await
        .json()
        .await
        .unwrap();
    let path = format!("/api/v1/me/addresses/{}", address["id"].as_str().unwrap());

    let listed: Value = app.get_as("/api/v1/me/addresses", &other.access_token).await.json().await.unwrap();
    let changed = app
        .send_json_as(Method::PATCH, &path, &other.access_token, &json!({"city": "Mysuru", "is_default": true}))
        .await;
    let deleted = app.client.delete(app.url(&path)).bearer_auth(&other.access_token).send().await.unwrap();

    assert_eq!(listed["items"], json!([]));
    assert_error(changed, StatusCode::NOT_FOUND, "not_found").await;
    assert_error(deleted, StatusCode::NOT_FOUND, "not_found").await;
    let mine: Value = app.get_as("/api/v1/me/addresses", &owner.access_token).await.json().await.unwrap();
    assert_eq!(mine["items"][0]["city"], "Bengaluru");
    assert_eq!(mine["items"][0]["is_default"], true);
}

#[tokio::test]
async fn an_invalid_address_names_each_field() {
    let app = spawn_app().await;
    let user = app.register_customer().await;
    let mut bad = home();
    bad["pincode"] = json!("06001");
    bad["phone"] = json!("123");
    bad["country"] = json!("1N");

    let response = app.send_json_as(Method::POST, "/api/v1/me/addresses", &user.access_token, &bad).await;

    let error = assert_error(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let fields: Vec<&str> = error["details"].as_array().unwrap().iter().map(|d| d["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["phone", "pincode", "country"], "{error}");
}

#[tokio::test]
async fn an_address_for_an_account_that_is_gone_is_a_business_error() {
    let app = spawn_app().await;
    let book = AddressBook::new(PgAddressStore::new(app.db.pool().await));
    let address = NewAddress {
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
    let mut body = home();
    body["phone"] = json!("");
    body["line1"] = json!("   ");
    body["pincode"] = json!("12");

    let response = app.send_json_as(Method::POST, "/api/v1/me/addresses", &customer.access_token, &body).await;

    let error = assert_error(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let mut fields: Vec<&str> =
        error["details"].as_array().unwrap().iter().map(|d| d["field"].as_str().unwrap()).collect();
    fields.sort_unstable();
    assert_eq!(fields, ["line1", "phone", "pincode"], "{error}");
}
