//! Driving the wizard's `App` in tests: keys, typing, and the screen as text (ratatui's
//! `TestBackend`). Shared by the wizard's state and snapshot tests.
#![allow(dead_code)]

use amlfw::tui::app::{App, Effect, Msg, Step};
use amlfw::tui::view::view;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

pub fn key(a: &mut App, code: KeyCode) -> Vec<Effect> {
    a.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

pub fn typ(a: &mut App, text: &str) {
    for c in text.chars() {
        key(a, KeyCode::Char(c));
    }
}

/// The screen drawn at the app's size, one line a row, trailing blanks cut.
pub fn screen(a: &App) -> String {
    let (w, h) = a.size;
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| view(a, f)).unwrap();
    let buf = t.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..h {
        let line: String = (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect();
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The Export step with target `id` chosen (moving down the list as a user would).
pub fn to_target(a: &mut App, id: &str) {
    a.go_to(Step::Export);
    let i = amlfw::export::targets()
        .iter()
        .position(|t| t.id() == id)
        .unwrap();
    while a.export.nav.cursor < i {
        key(a, KeyCode::Down);
    }
}
