//! The wizard's five steps. Each module owns its step's state, its keys (the actions the key
//! table gives its context) and its drawing; `App` routes to them.

pub mod cloud;
pub mod export;
pub mod features;
pub mod field;
pub mod region;
pub mod workspace;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Cloud,
    Region,
    Workspace,
    Features,
    Export,
}

impl Step {
    pub const ALL: [Step; 5] = [
        Step::Cloud,
        Step::Region,
        Step::Workspace,
        Step::Features,
        Step::Export,
    ];

    pub fn index(self) -> usize {
        Step::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }
    pub fn title(self) -> &'static str {
        match self {
            Step::Cloud => "Cloud",
            Step::Region => "Region",
            Step::Workspace => "Workspace",
            Step::Features => "Features",
            Step::Export => "Export",
        }
    }
    pub fn next(self) -> Step {
        Step::ALL[(self.index() + 1).min(4)]
    }
    pub fn prev(self) -> Step {
        Step::ALL[self.index().saturating_sub(1)]
    }
}

/// A cursor into a list and the first visible row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Nav {
    pub cursor: usize,
    pub offset: usize,
}

impl Nav {
    /// Moves to `i` (clamped) and scrolls just enough to keep it visible in `height` rows.
    pub fn set(&mut self, i: usize, len: usize, height: usize) {
        self.cursor = if len == 0 { 0 } else { i.min(len - 1) };
        let h = height.max(1);
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + h {
            self.offset = self.cursor + 1 - h;
        }
        self.offset = self.offset.min(len.saturating_sub(h));
    }

    pub fn by(&mut self, delta: isize, len: usize, height: usize) {
        let i = (self.cursor as isize + delta).max(0) as usize;
        self.set(i, len, height);
    }

    /// The list moves of the key table (arrows, pages, Home, End); false for other actions.
    pub fn act(&mut self, action: super::keys::Action, len: usize, height: usize) -> bool {
        use super::keys::Action;
        let page = height.max(1) as isize;
        match action {
            Action::Up => self.by(-1, len, height),
            Action::Down => self.by(1, len, height),
            Action::PageUp => self.by(-page, len, height),
            Action::PageDown => self.by(page, len, height),
            Action::Home => self.set(0, len, height),
            Action::End => self.set(len.saturating_sub(1), len, height),
            _ => return false,
        }
        true
    }
}
