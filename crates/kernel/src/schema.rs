//! Each domain owns one PostgreSQL schema and keeps its migration history there.

/// Declares a domain's `SCHEMA` constant and its `migrator()`, whose history is kept in
/// `<schema>._sqlx_migrations` so that each domain's record stays with its tables.
///
/// The caller depends on `sqlx` (with `migrate`); the path is relative to the caller's
/// `Cargo.toml`, as `sqlx::migrate!` requires a literal.
#[macro_export]
macro_rules! domain_schema {
    ($schema:literal, $migrations:literal) => {
        /// The PostgreSQL schema this domain owns; no other domain writes to it.
        pub const SCHEMA: &str = $schema;

        /// This domain's migrations, recorded in its own schema.
        pub fn migrator() -> sqlx::migrate::Migrator {
            let mut migrator = sqlx::migrate!($migrations);
            migrator.dangerous_set_table_name(format!("{SCHEMA}._sqlx_migrations"));
            migrator.create_schema(SCHEMA);
            migrator
        }
    };
}
