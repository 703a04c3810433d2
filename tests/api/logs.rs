//! Secrets never reach the logs.

use std::io::Write;
use std::sync::{Arc, Mutex};

use api_types::auth::Login;
use rigmaster_api::configuration::{LogFormat, LogSettings};
use rigmaster_tests::spawn_app;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_password_or_token_appears_in_the_logs_of_a_sign_in() {
    let captured = Captured::default();
    let writer = captured.clone();
    let settings = LogSettings { format: LogFormat::Json, filter: "debug".into() };
    let subscriber = rigmaster_api::telemetry::subscriber(&settings, move || writer.clone());
    tracing::subscriber::set_global_default(subscriber).expect("this test owns its process's subscriber");
    let app = spawn_app().await;

    let user = app.register_customer().await;
    let login = app.api.login(&Login { email: user.email.clone(), password: user.password.clone() }).await.unwrap();
    let refreshed = app.api.refresh(&login.refresh_token).await.unwrap();
    app.api.authorized(&refreshed.access_token).me().await.unwrap();

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("request completed"), "the capture works: {logs}");
    let secrets = [
        user.password.as_str(),
        user.access_token.as_str(),
        user.refresh_token.as_str(),
        login.access_token.as_str(),
        login.refresh_token.as_str(),
        refreshed.access_token.as_str(),
        refreshed.refresh_token.as_str(),
    ];
    for secret in secrets {
        assert!(!logs.contains(secret), "a secret leaked into the logs");
    }
}
