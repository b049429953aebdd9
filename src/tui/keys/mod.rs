//! The one key table. Dispatch, the footer and the `?` overlay all read it, so the help shown
//! can never disagree with what a key does.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Where the keyboard is: each context has its own bindings (plus the global ones unless the
/// context takes text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ctx {
    Cloud,
    Region,
    RegionFilter,
    Workspace,
    WorkspaceEdit,
    Features,
    FeatureFilter,
    Export,
    Preview,
    Help,
    Detail,
    Confirm,
    Prompt,
    Profiles,
}

impl Ctx {
    pub const ALL: [Ctx; 14] = [
        Ctx::Cloud,
        Ctx::Region,
        Ctx::RegionFilter,
        Ctx::Workspace,
        Ctx::WorkspaceEdit,
        Ctx::Features,
        Ctx::FeatureFilter,
        Ctx::Export,
        Ctx::Preview,
        Ctx::Help,
        Ctx::Detail,
        Ctx::Confirm,
        Ctx::Prompt,
        Ctx::Profiles,
    ];

    /// Contexts where printable characters are text, so single-letter globals are off.
    pub fn takes_text(self) -> bool {
        matches!(
            self,
            Ctx::RegionFilter | Ctx::WorkspaceEdit | Ctx::FeatureFilter | Ctx::Prompt
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    ForceQuit,
    Help,
    NextStep,
    PrevStep,
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
    /// Enter: choose / open / confirm, depending on the context.
    Select,
    /// Space: tick a feature, pick a cloud.
    Toggle,
    /// Esc: leave the current mode or overlay.
    Back,
    Filter,
    ClearFilter,
    Edit,
    Left,
    Right,
    FocusPreview,
    Write,
    Copy,
    Yes,
    No,
    Profiles,
    SaveAs,
    Delete,
    /// What changes between the current edition and another one.
    EditionDiff,
    PrivateDns,
    /// The focused pane takes the whole screen, or gives it back.
    Zoom,
    /// Every warning (of the chosen target, on the Export step), wrapped and scrollable.
    Warnings,
    /// Open a Service Tags file.
    OpenTags,
    /// Ctrl-Z: give the terminal back and stop, as a shell job.
    Suspend,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

mod table;
pub use table::BINDINGS;

pub struct Binding {
    pub keys: &'static [Key],
    /// How the keys are shown: `Tab`, `q`, `↑/↓`.
    pub label: &'static str,
    pub desc: &'static str,
    pub action: Action,
    /// Contexts the binding applies in; empty = everywhere, overlays and prompts included.
    pub ctx: &'static [Ctx],
    /// Its words in the one-line footer, short ("write file"); empty: only in the `?`
    /// overlay, which shows everything.
    pub footer: &'static str,
}

impl Binding {
    pub fn applies(&self, ctx: Ctx) -> bool {
        if self.ctx.is_empty() {
            // Global bindings (Ctrl-C) work everywhere, overlays and prompts included.
            return true;
        }
        self.ctx.contains(&ctx)
    }
}

/// Every context with a short name, in the order the README's keys table lists them.
pub const DOCUMENTED: [(Ctx, &str); 13] = [
    (Ctx::Cloud, "Cloud"),
    (Ctx::Region, "Region"),
    (Ctx::RegionFilter, "Region (filtering)"),
    (Ctx::Workspace, "Workspace"),
    (Ctx::WorkspaceEdit, "Workspace (editing)"),
    (Ctx::Features, "Features"),
    (Ctx::FeatureFilter, "Features (filtering)"),
    (Ctx::Export, "Export"),
    (Ctx::Preview, "Rules preview"),
    (Ctx::Profiles, "Profiles"),
    (Ctx::Help, "Help, details, warnings"),
    (Ctx::Confirm, "Questions"),
    (Ctx::Prompt, "Prompts (file, name)"),
];

/// The keys table in Markdown, generated from `BINDINGS` (the README embeds it; a test keeps
/// it current). Rows with the same keys and meaning on several screens are merged.
pub fn markdown_table() -> String {
    let mut rows: Vec<(String, &str, Vec<&str>)> = Vec::new();
    for (ctx, title) in DOCUMENTED {
        for b in bindings(ctx).filter(|b| !b.ctx.is_empty()) {
            let keys = b.keys.iter().map(key_name).collect::<Vec<_>>().join(", ");
            match rows.iter_mut().find(|(k, d, _)| *k == keys && *d == b.desc) {
                Some(row) => row.2.push(title),
                None => rows.push((keys, b.desc, vec![title])),
            }
        }
    }
    let mut out = String::from("| Keys | What | Where |\n|---|---|---|\n");
    for (keys, desc, wheres) in rows {
        out.push_str(&format!(
            "| {} | {desc} | {} |\n",
            keys.replace('|', "\\|"),
            wheres.join(", ")
        ));
    }
    for b in BINDINGS.iter().filter(|b| b.ctx.is_empty()) {
        let keys = b.keys.iter().map(key_name).collect::<Vec<_>>().join(", ");
        out.push_str(&format!("| {keys} | {} | everywhere |\n", b.desc));
    }
    out
}

/// How a key is written for people: `Ctrl-Q`, `Shift-Tab`, `↑`, `Space`.
pub fn key_name(k: &Key) -> String {
    let base = match k.code {
        KeyCode::Char(' ') => "Space".to_string(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Enter => "Enter".into(),
        KeyCode::Esc => "Esc".into(),
        KeyCode::Tab => "Tab".into(),
        KeyCode::BackTab => "Shift-Tab".into(),
        KeyCode::Up => "↑".into(),
        KeyCode::Down => "↓".into(),
        KeyCode::Left => "←".into(),
        KeyCode::Right => "→".into(),
        KeyCode::PageUp => "PgUp".into(),
        KeyCode::PageDown => "PgDn".into(),
        KeyCode::Home => "Home".into(),
        KeyCode::End => "End".into(),
        KeyCode::Delete => "Del".into(),
        KeyCode::F(n) => format!("F{n}"),
        other => format!("{other:?}"),
    };
    if k.mods.contains(KeyModifiers::CONTROL) {
        format!("Ctrl-{}", base.to_uppercase())
    } else {
        base
    }
}

/// The bindings of a context, in table order.
pub fn bindings(ctx: Ctx) -> impl Iterator<Item = &'static Binding> {
    BINDINGS.iter().filter(move |b| b.applies(ctx))
}

/// The action a key triggers in a context, if any.
pub fn action_for(ctx: Ctx, ev: &KeyEvent) -> Option<Action> {
    // Shift is part of the character for printable keys ('?' is Shift+/), so it is ignored
    // there; Ctrl and Alt are not.
    let mods = match ev.code {
        KeyCode::Char(_) => ev.modifiers - KeyModifiers::SHIFT,
        KeyCode::BackTab => KeyModifiers::NONE,
        _ => ev.modifiers,
    };
    bindings(ctx)
        .find(|b| {
            b.keys
                .iter()
                .any(|key| key.code == ev.code && key.mods == mods)
        })
        .map(|b| b.action)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn q_quits_except_where_it_is_text() {
        for ctx in [Ctx::Features, Ctx::Region] {
            assert_eq!(
                action_for(ctx, &key(KeyCode::Char('q'))),
                Some(Action::Quit)
            );
        }
        assert_eq!(
            action_for(Ctx::RegionFilter, &key(KeyCode::Char('q'))),
            None
        );
        assert_eq!(
            action_for(
                Ctx::RegionFilter,
                &KeyEvent::new(KeyCode::Char('q'), KeyModifiers::CONTROL)
            ),
            Some(Action::Quit)
        );
    }

    #[test]
    fn ctrl_c_works_in_every_context() {
        let ev = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        for ctx in [
            Ctx::Cloud,
            Ctx::Region,
            Ctx::WorkspaceEdit,
            Ctx::Help,
            Ctx::Confirm,
            Ctx::Prompt,
            Ctx::Profiles,
        ] {
            assert_eq!(action_for(ctx, &ev), Some(Action::ForceQuit), "{ctx:?}");
        }
    }

    #[test]
    fn no_key_has_two_meanings_in_one_context() {
        for ctx in Ctx::ALL {
            let mut seen: Vec<(Key, Action)> = Vec::new();
            for b in bindings(ctx) {
                for key in b.keys {
                    if let Some((_, a)) = seen.iter().find(|(k, _)| k == key) {
                        assert_eq!(*a, b.action, "{ctx:?}: {key:?} bound twice");
                    }
                    seen.push((*key, b.action));
                }
            }
        }
    }

    #[test]
    fn shifted_question_mark_opens_help() {
        let ev = KeyEvent::new(KeyCode::Char('?'), KeyModifiers::SHIFT);
        assert_eq!(action_for(Ctx::Features, &ev), Some(Action::Help));
    }
}
