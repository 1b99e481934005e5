//! What every handler shares.

use std::sync::Arc;

use crate::auth::keys::Keys;
use crate::auth::passwords::Hashing;
use crate::config::Config;
use crate::db::{Connector, PgPool, Reads};
use crate::metrics::Metrics;
use crate::webhooks::secret::Sealer;

#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    /// Where dashboard reads go: the read replica while it is well
    /// (`ONPACE_READ_DATABASE_URL`), else `pool`.
    pub reads: Reads,
    /// How connections are opened (the pool's, and each worker's shared one).
    pub connector: Connector,
    pub config: Arc<Config>,
    pub keys: Arc<Keys>,
    /// Where passwords are hashed and checked, a few at a time.
    pub hashing: Arc<Hashing>,
    /// What `GET /metrics` answers on the metrics listener.
    pub metrics: Arc<Metrics>,
    /// Seals and opens webhook signing secrets (`ONPACE_SECRETS_KEY`).
    pub sealer: Arc<Sealer>,
    /// Who is behind the tokens this instance was shown lately (each
    /// instance remembers its own; see [`crate::auth::callers`]).
    pub callers: Arc<crate::auth::callers::Callers>,
    /// The targets whose progress this instance was asked for lately (each
    /// instance remembers its own; see [`crate::targets::service::Aims`]).
    pub aims: Arc<crate::targets::service::Aims>,
    /// What the scorecards this instance was asked for lately show besides
    /// the results (see [`crate::progress::service::Frames`]).
    pub scorecards: Arc<crate::progress::service::Frames>,
}

impl AppState {
    /// The configuration has been checked (`Config::from_env`), its
    /// `DATABASE_URL` included.
    pub fn new(config: Config, keys: Keys) -> Self {
        let connector = Connector::new(&config.database_url)
            .unwrap_or_else(|why| panic!("DATABASE_URL was checked at start: {why}"));
        let pool = crate::db::pool(&connector, config.db_pool_size, config.db_timeout);
        let metrics = Arc::new(Metrics::new(pool.clone(), config.metrics_listen.is_some()));
        let reads = match &config.read_database_url {
            None => Reads::primary_only(pool.clone()),
            Some(url) => {
                let replica = Connector::new(url).unwrap_or_else(|why| {
                    panic!("ONPACE_READ_DATABASE_URL was checked at start: {why}")
                });
                Reads::with_replica(
                    pool.clone(),
                    &connector,
                    &replica,
                    config.db_pool_size,
                    config.db_timeout,
                    config.read_max_lag,
                )
            }
        };
        let config_secrets_key = config.secrets_key;
        AppState {
            metrics,
            pool,
            reads,
            connector,
            config: Arc::new(config),
            keys: Arc::new(keys),
            hashing: Arc::new(Hashing::for_this_machine()),
            sealer: Arc::new(Sealer::new(config_secrets_key)),
            callers: Arc::default(),
            aims: Arc::default(),
            scorecards: Arc::new(crate::progress::service::Frames::bounded(
                crate::progress::service::FRAMES_KEPT,
            )),
        }
    }
}
