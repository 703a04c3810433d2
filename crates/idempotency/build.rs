// sqlx::migrate! embeds the SQL files; rebuild when one is added or changed.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations/idempotency");
}
