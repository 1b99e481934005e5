//! What every handler shares.

use std::sync::{Arc, Mutex};

use crate::auth::keys::Keys;
use crate::auth::rules::Throttle;
use crate::config::Config;
use crate::db::PgPool;

#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub config: Arc<Config>,
    pub keys: Arc<Keys>,
    pub throttle: Arc<Mutex<Throttle>>,
}

impl AppState {
    pub fn new(config: Config, keys: Keys) -> Self {
        let pool = crate::db::pool(&config.database_url, config.db_pool_size, config.db_timeout);
        AppState {
            pool,
            throttle: Arc::new(Mutex::new(Throttle::new(config.login_window))),
            config: Arc::new(config),
            keys: Arc::new(keys),
        }
    }
}
