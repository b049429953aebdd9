//! Colours, or none. With NO_COLOR set the theme uses no colour and no reverse video at all:
//! crossterm 0.29 answers NO_COLOR with a bare reset that also wipes reverse and bold, so the
//! selection is always marked with symbols (`>`, `[x]`, `(*)`), never by style alone.

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub mono: bool,
}

impl Theme {
    /// NO_COLOR set to anything non-empty means monochrome (https://no-color.org).
    pub fn from_env() -> Theme {
        Theme {
            mono: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
        }
    }

    fn pick(&self, colour: Style) -> Style {
        if self.mono {
            Style::default()
        } else {
            colour
        }
    }

    pub fn base(&self) -> Style {
        Style::default()
    }
    pub fn title(&self) -> Style {
        self.pick(
            Style::default()
                .fg(Color::Cyan)
                .add_modifier(Modifier::BOLD),
        )
    }
    pub fn dim(&self) -> Style {
        self.pick(Style::default().fg(Color::DarkGray))
    }
    pub fn selected(&self) -> Style {
        self.pick(
            Style::default()
                .bg(Color::Blue)
                .fg(Color::White)
                .add_modifier(Modifier::BOLD),
        )
    }
    pub fn focus_border(&self) -> Style {
        self.pick(Style::default().fg(Color::Yellow))
    }
    pub fn error(&self) -> Style {
        self.pick(Style::default().fg(Color::Red))
    }
    pub fn ok(&self) -> Style {
        self.pick(Style::default().fg(Color::Green))
    }
    pub fn warn(&self) -> Style {
        self.pick(Style::default().fg(Color::Yellow))
    }
    pub fn key(&self) -> Style {
        self.pick(
            Style::default()
                .fg(Color::Cyan)
                .add_modifier(Modifier::BOLD),
        )
    }
    pub fn step_current(&self) -> Style {
        self.pick(
            Style::default()
                .fg(Color::Black)
                .bg(Color::Cyan)
                .add_modifier(Modifier::BOLD),
        )
    }
    pub fn step_done(&self) -> Style {
        self.pick(Style::default().fg(Color::Green))
    }
}
