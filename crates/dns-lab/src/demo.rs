//! The offline demo network: the miniature internet served in process.
//!
//! ```no_run
//! # async fn demo() -> Result<(), dns_lab::LabError> {
//! // Port 0: the lab picks a port free on every 127.53.x.y address.
//! let lab = dns_lab::demo::start(0).await?;
//! // Walk from lab.roots, asking every server on lab.port (the resolver's port override).
//! println!("roots {:?} on port {}", lab.roots, lab.port);
//! for scenario in dns_lab::scenarios::SCENARIOS {
//!     println!("{}: {}", scenario.domain, scenario.summary);
//! }
//! lab.shutdown().await;
//! # Ok(())
//! # }
//! ```

use crate::internet::miniature_internet;
use crate::server::{serve, LabError, RunningLab};

/// Starts the miniature internet's servers (all of them, lame and unreachable ones behaving as
/// described) on `port`, 0 meaning "pick a free one". Needs a tokio runtime with the I/O and
/// time drivers; needs no root and no network. The servers stop when the returned
/// [`RunningLab`] is dropped or shut down.
pub async fn start(port: u16) -> Result<RunningLab, LabError> {
    serve(miniature_internet(), port).await
}
