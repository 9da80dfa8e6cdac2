//! The `bulk` progress bar: drawn on stderr, and only when stderr is a terminal, so pipes and
//! CI logs get clean output.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar over `total` domains; hidden unless stderr is a terminal.
pub fn bulk_progress(total: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    // The template is a constant; if indicatif ever refused it, a bar without a template is
    // still a bar.
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} [{bar:24}] {pos}/{len} domains  eta {eta}  {wide_msg}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}
