//! Colors for the human output: decided once (flag, `NO_COLOR`, terminal), then applied by a
//! [`Palette`] that writes plain text when color is off.

use std::io::IsTerminal;

use crate::cli::ColorChoice;

/// Whether to color, from the flag and the environment.
///
/// `always` and `never` win; `auto` colors only when stdout is a terminal, `NO_COLOR` is unset
/// or empty (<https://no-color.org>) and `TERM` is not `dumb`.
pub fn use_color(choice: ColorChoice) -> bool {
    decide(
        choice,
        std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
        std::env::var_os("TERM").is_some_and(|t| t == "dumb"),
        std::io::stdout().is_terminal(),
    )
}

/// The decision of [`use_color`], from what it reads of the environment.
fn decide(choice: ColorChoice, no_color: bool, dumb_terminal: bool, stdout_is_tty: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => !no_color && !dumb_terminal && stdout_is_tty,
    }
}

/// What a piece of text means, which decides its color.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Passed, healthy.
    Good,
    /// Failed, an error.
    Bad,
    /// A warning.
    Warn,
    /// Informational, secondary.
    Dim,
    /// A heading or a name that matters.
    Strong,
}

/// Applies [`Tone`]s as ANSI colors, or not at all.
#[derive(Debug, Clone, Copy)]
pub struct Palette {
    color: bool,
}

impl Palette {
    /// A palette that colors when `color` is true.
    pub fn new(color: bool) -> Self {
        Palette { color }
    }

    /// A palette that never colors.
    pub fn plain() -> Self {
        Palette { color: false }
    }

    /// Whether this palette colors.
    pub fn colors(&self) -> bool {
        self.color
    }

    /// `text` in the color of `tone`.
    pub fn paint(&self, tone: Tone, text: &str) -> String {
        if !self.color {
            return text.to_string();
        }
        let code = match tone {
            Tone::Good => "32",
            Tone::Bad => "1;31",
            Tone::Warn => "33",
            Tone::Dim => "2",
            Tone::Strong => "1",
        };
        format!("\x1b[{code}m{text}\x1b[0m")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_palette_leaves_text_alone() {
        assert_eq!(Palette::plain().paint(Tone::Bad, "fail"), "fail");
    }

    #[test]
    fn color_palette_wraps_and_resets() {
        let painted = Palette::new(true).paint(Tone::Good, "pass");
        assert!(painted.starts_with("\x1b[32m") && painted.ends_with("\x1b[0m"));
    }

    #[test]
    fn explicit_choices_win() {
        assert!(use_color(ColorChoice::Always));
        assert!(!use_color(ColorChoice::Never));
        assert!(decide(ColorChoice::Always, true, true, false));
        assert!(!decide(ColorChoice::Never, false, false, true));
    }

    #[test]
    fn auto_colors_a_terminal_unless_no_color_or_dumb() {
        assert!(decide(ColorChoice::Auto, false, false, true));
        assert!(
            !decide(ColorChoice::Auto, true, false, true),
            "NO_COLOR set"
        );
        assert!(!decide(ColorChoice::Auto, false, true, true), "TERM=dumb");
        assert!(
            !decide(ColorChoice::Auto, false, false, false),
            "not a terminal"
        );
    }
}
