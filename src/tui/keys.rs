//! The one key table. Dispatch, the footer and the `?` overlay all read it, so the help shown
//! can never disagree with what a key does.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Where the keyboard is: each context has its own bindings (plus the global ones unless the
/// context takes text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ctx {
    Cloud,
    Region,
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
    /// Contexts where printable characters are text, so single-letter globals are off.
    pub fn takes_text(self) -> bool {
        matches!(
            self,
            Ctx::Region | Ctx::WorkspaceEdit | Ctx::FeatureFilter | Ctx::Prompt
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

const fn k(code: KeyCode) -> Key {
    Key {
        code,
        mods: KeyModifiers::NONE,
    }
}

const fn ch(c: char) -> Key {
    k(KeyCode::Char(c))
}

const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        mods: KeyModifiers::CONTROL,
    }
}

pub struct Binding {
    pub keys: &'static [Key],
    /// How the keys are shown: `Tab`, `q`, `↑/↓`.
    pub label: &'static str,
    pub desc: &'static str,
    pub action: Action,
    /// Contexts the binding applies in; empty = every non-modal context.
    pub ctx: &'static [Ctx],
    /// Its words in the one-line footer, short ("write file"); empty: only in the `?`
    /// overlay, which shows everything.
    pub footer: &'static str,
}

use Ctx::*;

const LISTS: &[Ctx] = &[
    Region,
    Features,
    FeatureFilter,
    Export,
    Preview,
    Help,
    Detail,
];
const NOT_TEXT: &[Ctx] = &[Cloud, Workspace, Features, Export, Preview];
/// The wizard's steps, outside any overlay or text field.
const STEPS: &[Ctx] = &[Cloud, Region, Workspace, Features, Export, Preview];

/// Every binding, in the order help lists them.
pub static BINDINGS: &[Binding] = &[
    Binding {
        keys: &[ctrl('c')],
        label: "^C",
        desc: "quit now",
        action: Action::ForceQuit,
        ctx: &[],
        footer: "",
    },
    Binding {
        keys: &[ch('q'), ctrl('q')],
        label: "q",
        desc: "quit (asks when choices are unsaved)",
        action: Action::Quit,
        ctx: NOT_TEXT,
        footer: "quit",
    },
    Binding {
        keys: &[ctrl('q')],
        label: "^Q",
        desc: "quit (asks when choices are unsaved)",
        action: Action::Quit,
        ctx: &[Region, WorkspaceEdit, FeatureFilter],
        footer: "quit",
    },
    Binding {
        keys: &[ch('?'), k(KeyCode::F(1))],
        label: "?",
        desc: "help: every key of this screen",
        action: Action::Help,
        ctx: STEPS,
        footer: "help",
    },
    Binding {
        keys: &[k(KeyCode::Tab)],
        label: "Tab",
        desc: "next step",
        action: Action::NextStep,
        ctx: STEPS,
        footer: "next",
    },
    Binding {
        keys: &[k(KeyCode::BackTab)],
        label: "S-Tab",
        desc: "previous step",
        action: Action::PrevStep,
        ctx: STEPS,
        footer: "prev",
    },
    Binding {
        keys: &[k(KeyCode::Up), ch('k')],
        label: "↑/k",
        desc: "move up",
        action: Action::Up,
        ctx: &[Cloud, Workspace, Features, Export, Preview, Help, Detail],
        footer: "",
    },
    Binding {
        keys: &[k(KeyCode::Down), ch('j')],
        label: "↓/j",
        desc: "move down",
        action: Action::Down,
        ctx: &[Cloud, Workspace, Features, Export, Preview, Help, Detail],
        footer: "",
    },
    Binding {
        keys: &[k(KeyCode::Up)],
        label: "↑",
        desc: "move up",
        action: Action::Up,
        ctx: &[Region, FeatureFilter],
        footer: "",
    },
    Binding {
        keys: &[k(KeyCode::Down)],
        label: "↓",
        desc: "move down",
        action: Action::Down,
        ctx: &[Region, FeatureFilter],
        footer: "",
    },
    Binding {
        keys: &[k(KeyCode::PageUp), ctrl('u')],
        label: "PgUp",
        desc: "page up (export: scroll the text)",
        action: Action::PageUp,
        ctx: LISTS,
        footer: "",
    },
    Binding {
        keys: &[k(KeyCode::PageDown), ctrl('d')],
        label: "PgDn",
        desc: "page down (export: scroll the text)",
        action: Action::PageDown,
        ctx: LISTS,
        footer: "",
    },
    Binding {
        keys: &[k(KeyCode::Home)],
        label: "Home",
        desc: "first item",
        action: Action::Home,
        ctx: &[Cloud, Workspace, Features, Export, Preview, Help, Detail],
        footer: "",
    },
    Binding {
        keys: &[k(KeyCode::End)],
        label: "End",
        desc: "last item",
        action: Action::End,
        ctx: &[Cloud, Workspace, Features, Export, Preview, Help, Detail],
        footer: "",
    },
    Binding {
        keys: &[k(KeyCode::Enter)],
        label: "Enter",
        desc: "choose the cloud and go on",
        action: Action::Select,
        ctx: &[Cloud],
        footer: "choose",
    },
    Binding {
        keys: &[ch(' ')],
        label: "Space",
        desc: "choose the cloud",
        action: Action::Toggle,
        ctx: &[Cloud],
        footer: "",
    },
    Binding {
        keys: &[k(KeyCode::Enter)],
        label: "Enter",
        desc: "choose the region and go on",
        action: Action::Select,
        ctx: &[Region],
        footer: "choose",
    },
    Binding {
        keys: &[k(KeyCode::Esc)],
        label: "Esc",
        desc: "clear the filter",
        action: Action::ClearFilter,
        ctx: &[Region],
        footer: "clear filter",
    },
    Binding {
        keys: &[k(KeyCode::Enter), ch('e')],
        label: "Enter",
        desc: "edit the field (or change the choice)",
        action: Action::Edit,
        ctx: &[Workspace],
        footer: "edit",
    },
    Binding {
        keys: &[ch(' '), k(KeyCode::Right), ch('l')],
        label: "Space/→",
        desc: "next choice (inbound routes, DNS proxy)",
        action: Action::Right,
        ctx: &[Workspace],
        footer: "",
    },
    Binding {
        keys: &[k(KeyCode::Left), ch('h')],
        label: "←",
        desc: "previous choice (inbound routes, DNS proxy)",
        action: Action::Left,
        ctx: &[Workspace],
        footer: "",
    },
    Binding {
        keys: &[k(KeyCode::Enter), k(KeyCode::Tab)],
        label: "Enter",
        desc: "keep the value",
        action: Action::Select,
        ctx: &[WorkspaceEdit],
        footer: "keep",
    },
    Binding {
        keys: &[k(KeyCode::Esc)],
        label: "Esc",
        desc: "undo this edit",
        action: Action::Back,
        ctx: &[WorkspaceEdit],
        footer: "undo",
    },
    Binding {
        keys: &[ch(' ')],
        label: "Space",
        desc: "tick / untick the feature",
        action: Action::Toggle,
        ctx: &[Features],
        footer: "tick",
    },
    Binding {
        keys: &[ch('/')],
        label: "/",
        desc: "filter the list",
        action: Action::Filter,
        ctx: &[Features],
        footer: "filter",
    },
    Binding {
        keys: &[k(KeyCode::Esc)],
        label: "Esc",
        desc: "clear the filter",
        action: Action::ClearFilter,
        ctx: &[Features],
        footer: "",
    },
    Binding {
        keys: &[k(KeyCode::Enter)],
        label: "Enter",
        desc: "keep the filter, back to the list",
        action: Action::Select,
        ctx: &[FeatureFilter],
        footer: "keep filter",
    },
    Binding {
        keys: &[k(KeyCode::Esc)],
        label: "Esc",
        desc: "clear the filter",
        action: Action::ClearFilter,
        ctx: &[FeatureFilter],
        footer: "clear filter",
    },
    Binding {
        keys: &[ch('w')],
        label: "w",
        desc: "write the export to a file",
        action: Action::Write,
        ctx: &[Export],
        footer: "write file",
    },
    Binding {
        keys: &[ch('y')],
        label: "y",
        desc: "copy the export to the clipboard",
        action: Action::Copy,
        ctx: &[Export],
        footer: "copy",
    },
    Binding {
        keys: &[ch('p'), ctrl('p')],
        label: "p",
        desc: "profiles: open, save as, delete",
        action: Action::Profiles,
        ctx: &[Cloud, Workspace, Features, Export, Preview],
        footer: "profiles",
    },
    Binding {
        keys: &[ctrl('p')],
        label: "^P",
        desc: "profiles: open, save as, delete",
        action: Action::Profiles,
        ctx: &[Region, FeatureFilter],
        footer: "",
    },
    Binding {
        keys: &[k(KeyCode::Up), ch('k')],
        label: "↑/k",
        desc: "move up",
        action: Action::Up,
        ctx: &[Profiles],
        footer: "",
    },
    Binding {
        keys: &[k(KeyCode::Down), ch('j')],
        label: "↓/j",
        desc: "move down",
        action: Action::Down,
        ctx: &[Profiles],
        footer: "",
    },
    Binding {
        keys: &[k(KeyCode::Enter)],
        label: "Enter",
        desc: "open the profile",
        action: Action::Select,
        ctx: &[Profiles],
        footer: "open",
    },
    Binding {
        keys: &[ch('s')],
        label: "s",
        desc: "save the current choices as...",
        action: Action::SaveAs,
        ctx: &[Profiles],
        footer: "save as",
    },
    Binding {
        keys: &[ch('d'), k(KeyCode::Delete)],
        label: "d",
        desc: "delete the profile (asks first)",
        action: Action::Delete,
        ctx: &[Profiles],
        footer: "delete",
    },
    Binding {
        keys: &[k(KeyCode::Esc), ch('q'), ch('p')],
        label: "Esc",
        desc: "close",
        action: Action::Back,
        ctx: &[Profiles],
        footer: "close",
    },
    Binding {
        keys: &[ch('d')],
        label: "d",
        desc: "what changes against the other edition",
        action: Action::EditionDiff,
        ctx: &[Cloud, Workspace, Features, Export, Preview],
        footer: "",
    },
    Binding {
        keys: &[ch('n')],
        label: "n",
        desc: "private DNS: zones and forwarders for these choices",
        action: Action::PrivateDns,
        ctx: &[Cloud, Workspace, Features, Export, Preview],
        footer: "",
    },
    Binding {
        keys: &[ch('r')],
        label: "r",
        desc: "go to the rules preview",
        action: Action::FocusPreview,
        ctx: &[Cloud, Workspace, Features, Export],
        footer: "rules",
    },
    Binding {
        keys: &[k(KeyCode::Enter)],
        label: "Enter",
        desc: "open the rule's details",
        action: Action::Select,
        ctx: &[Preview],
        footer: "details",
    },
    Binding {
        keys: &[k(KeyCode::Esc), ch('r')],
        label: "Esc",
        desc: "back to the step",
        action: Action::Back,
        ctx: &[Preview],
        footer: "back",
    },
    Binding {
        keys: &[k(KeyCode::Esc), ch('q'), ch('?'), k(KeyCode::Enter)],
        label: "Esc",
        desc: "close",
        action: Action::Back,
        ctx: &[Help, Detail],
        footer: "close",
    },
    Binding {
        keys: &[ch('y'), ch('Y')],
        label: "y",
        desc: "yes",
        action: Action::Yes,
        ctx: &[Confirm],
        footer: "yes",
    },
    Binding {
        keys: &[ch('n'), ch('N'), k(KeyCode::Esc)],
        label: "n/Esc",
        desc: "no",
        action: Action::No,
        ctx: &[Confirm],
        footer: "no",
    },
    Binding {
        keys: &[k(KeyCode::Enter)],
        label: "Enter",
        desc: "done",
        action: Action::Select,
        ctx: &[Prompt],
        footer: "done",
    },
    Binding {
        keys: &[k(KeyCode::Esc)],
        label: "Esc",
        desc: "cancel",
        action: Action::Back,
        ctx: &[Prompt],
        footer: "cancel",
    },
];

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
pub const DOCUMENTED: [(Ctx, &str); 12] = [
    (Ctx::Cloud, "Cloud"),
    (Ctx::Region, "Region (typing filters)"),
    (Ctx::Workspace, "Workspace"),
    (Ctx::WorkspaceEdit, "Workspace (editing)"),
    (Ctx::Features, "Features"),
    (Ctx::FeatureFilter, "Features (filtering)"),
    (Ctx::Export, "Export"),
    (Ctx::Preview, "Rules preview"),
    (Ctx::Profiles, "Profiles"),
    (Ctx::Help, "Help, rule details"),
    (Ctx::Confirm, "Questions"),
    (Ctx::Prompt, "Name prompts"),
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
    out.push_str("| Ctrl-C | quit now | everywhere |\n");
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
        assert_eq!(
            action_for(Ctx::Features, &key(KeyCode::Char('q'))),
            Some(Action::Quit)
        );
        assert_eq!(action_for(Ctx::Region, &key(KeyCode::Char('q'))), None);
        assert_eq!(
            action_for(
                Ctx::Region,
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
        let all = [
            Ctx::Cloud,
            Ctx::Region,
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
        for ctx in all {
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
