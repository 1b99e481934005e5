//! What every test module shares: the application on a database of its own
//! (`TestApp`), requests and answers, the scenario builder, typed request helpers,
//! and the few calls into the library's insides (`internals`).

mod app;
mod batches;
mod cases;
mod db;
mod http;
pub mod internals;
mod requests;
mod scenario;
mod values;

pub use app::*;
pub use batches::*;
pub use cases::*;
pub use db::*;
pub use http::*;
pub use requests::*;
pub use scenario::*;
pub use values::*;
