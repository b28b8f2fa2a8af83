//! What each user may see and read: the `[[grant]]` entries resolved per user (its own and
//! its roles'), applied to a session's catalogs for every statement and every Flight SQL
//! listing. Without `[[grant]]` entries every user sees everything.

use std::collections::HashMap;
use std::sync::Arc;

use junction_catalogs::{Catalogs, Grants};

#[derive(Debug, Default)]
pub enum Access {
    #[default]
    Everything,
    /// Each configured user's grants; a user without any sees no table.
    Granted(HashMap<String, Arc<Grants>>),
}

impl Access {
    /// `catalogs` as `user` sees them.
    pub fn catalogs(&self, catalogs: Catalogs, user: &str) -> Catalogs {
        match self {
            Access::Everything => catalogs,
            Access::Granted(by_user) => match by_user.get(user) {
                Some(grants) => catalogs.granted(grants),
                None => catalogs.granted(&Arc::new(Grants::default())),
            },
        }
    }
}
