// The migrations are embedded in the binary (diesel's `embed_migrations!`): rebuild when they change,
// or a new migration would silently be missing from a binary built before it.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
