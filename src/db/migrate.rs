//! Schema changes only through refinery migrations embedded from `migrations/`.

use std::path::Path;

mod embedded {
    refinery::embed_migrations!("migrations");
}

/// Applies pending migrations; returns the names of those applied (empty when up to date).
pub fn run(path: &Path) -> Result<Vec<String>, String> {
    let mut conn = super::open(path)?;
    let report = embedded::migrations::runner()
        .run(&mut conn)
        .map_err(|e| format!("migrating {} failed: {e}", path.display()))?;
    Ok(report
        .applied_migrations()
        .iter()
        .map(|m| m.to_string())
        .collect())
}
