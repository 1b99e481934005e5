//! What every handler shares.

use std::sync::Arc;

use crate::auth::keys::Keys;
use crate::auth::passwords::Hashing;
use crate::config::Config;
use crate::db::{PgPool, PipelineConfig};

#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    /// How each worker opens its pipelined connection (`db::Pipeline`).
    pub pipeline: PipelineConfig,
    pub config: Arc<Config>,
    pub keys: Arc<Keys>,
    /// Where passwords are hashed and checked, a few at a time.
    pub hashing: Arc<Hashing>,
}

impl AppState {
    pub fn new(config: Config, keys: Keys) -> Self {
        let pool = crate::db::pool(&config.database_url, config.db_pool_size, config.db_timeout);
        let pipeline =
            PipelineConfig::new(&config.database_url, config.db_pipeline, config.db_timeout);
        AppState {
            pool,
            pipeline,
            config: Arc::new(config),
            keys: Arc::new(keys),
            hashing: Arc::new(Hashing::for_this_machine()),
        }
    }
}
