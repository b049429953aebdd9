//! Colours, or none, and the border glyphs. With NO_COLOR set the theme uses no colour and no
//! reverse video at all: crossterm 0.29 answers NO_COLOR with a bare reset that also wipes
//! reverse and bold, so the selection is always marked with symbols (`>`, `[x]`, `(*)`), never
//! by style alone. Terminals that know neither 256 colours nor line drawing (TERM `linux`,
//! `vt100`, `dumb`) get no colour (crossterm writes every colour, even red, as a 256-colour
//! code) and `+-|` borders.

use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::border;
use ratatui::widgets::{Block, Borders};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Theme {
    pub mono: bool,
    /// `+`, `-` and `|` instead of box-drawing characters.
    pub ascii: bool,
}

/// Borders that every terminal can draw.
const ASCII: border::Set = border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

/// Terminals without 256 colours or line drawing, by their TERM name.
pub fn is_basic_term(term: &str) -> bool {
    matches!(
        term,
        "linux" | "vt100" | "vt102" | "vt220" | "dumb" | "ansi"
    )
}

impl Theme {
    /// NO_COLOR set to anything non-empty means monochrome (https://no-color.org); so does a
    /// basic TERM, which also gets ASCII borders.
    pub fn from_env() -> Theme {
        let basic = std::env::var("TERM").is_ok_and(|t| is_basic_term(&t));
        Theme {
            mono: basic || std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
            ascii: basic,
        }
    }

    fn pick(&self, colour: Style) -> Style {
        if self.mono {
            Style::default()
        } else {
            colour
        }
    }

    /// A block with the theme's border glyphs.
    pub fn block<'a>(&self, borders: Borders) -> Block<'a> {
        let b = Block::default().borders(borders);
        if self.ascii {
            b.border_set(ASCII)
        } else {
            b
        }
    }

    /// The mark of a valid and of an invalid field value.
    pub fn check(&self) -> &'static str {
        if self.ascii {
            "ok"
        } else {
            "✓"
        }
    }
    pub fn cross(&self) -> &'static str {
        if self.ascii {
            "x"
        } else {
            "✗"
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
