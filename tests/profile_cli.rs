//! `amlfw profile ...` and `--profile NAME` through the real binary: exit codes (0 ok, 2 bad
//! input, 1 other), messages, and the files on disk. Every run gets its own AMLFW_CONFIG_DIR.
mod common;

use amlfw::store::NAME_RULE;
use amlfw::{Cloud, Profile};
use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A temporary configuration directory and the commands run against it.
struct Env {
    dir: tempfile::TempDir,
}

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Env {
    fn new() -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    fn profiles(&self) -> PathBuf {
        self.dir.path().join("profiles")
    }
    fn file(&self, name: &str) -> PathBuf {
        self.profiles().join(format!("{name}.toml"))
    }
    fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("amlfw").unwrap();
        c.env("AMLFW_CONFIG_DIR", self.dir.path())
            .env_remove("XDG_CONFIG_HOME");
        c
    }
    fn run(&self, args: &[&str]) -> Out {
        let o = self.cmd().args(args).output().unwrap();
        let out = Out {
            code: o.status.code(),
            stdout: String::from_utf8(o.stdout).unwrap(),
            stderr: String::from_utf8(o.stderr).unwrap(),
        };
        assert!(
            !out.stderr.contains("panicked") && !out.stderr.contains("RUST_BACKTRACE"),
            "{args:?}: {}",
            out.stderr
        );
        out
    }
    /// Runs and expects exit 0.
    fn ok(&self, args: &[&str]) -> Out {
        let o = self.run(args);
        assert_eq!(o.code, Some(0), "{args:?}: stderr {}", o.stderr);
        o
    }
    /// Runs and expects exit 2, nothing on stdout, and every needle on stderr.
    fn bad(&self, args: &[&str], needles: &[&str]) -> Out {
        let o = self.run(args);
        assert_eq!(
            o.code,
            Some(2),
            "{args:?}: stdout {} stderr {}",
            o.stdout,
            o.stderr
        );
        for n in needles {
            assert!(
                o.stderr.contains(n),
                "{args:?}: stderr lacks {n:?}: {}",
                o.stderr
            );
        }
        o
    }
}

fn load(path: &Path) -> Profile {
    let text = std::fs::read_to_string(path).unwrap();
    amlfw::store::parse(path, &text, common::catalog()).unwrap()
}

#[test]
fn path_prints_the_profiles_directory() {
    let env = Env::new();
    let o = env.ok(&["profile", "path"]);
    assert_eq!(o.stdout, format!("{}\n", env.profiles().display()));
    // Nothing is created just by asking.
    assert!(!env.profiles().exists());
}

#[test]
fn save_refuses_to_replace_without_force() {
    let env = Env::new();
    let o = env.ok(&[
        "profile",
        "save",
        "prod",
        "--region",
        "East US 2",
        "--feature",
        "studio,compute-instance",
        "--storage-account",
        "amlstore01",
    ]);
    assert!(o.stdout.is_empty());
    assert!(
        o.stderr.contains("saved profile prod")
            && o.stderr.contains(env.file("prod").to_str().unwrap()),
        "{}",
        o.stderr
    );
    let first = std::fs::read_to_string(env.file("prod")).unwrap();
    let p = load(&env.file("prod"));
    assert_eq!(p.region, "eastus2", "display names are stored as ARM names");
    assert_eq!(p.features, ["studio", "compute-instance"]);
    assert_eq!(p.storage_account.as_deref(), Some("amlstore01"));

    env.bad(
        &["profile", "save", "prod", "--region", "westus"],
        &["prod", "already exists", "--force"],
    );
    assert_eq!(
        std::fs::read_to_string(env.file("prod")).unwrap(),
        first,
        "the old profile is intact"
    );

    env.ok(&["profile", "save", "prod", "--region", "westus", "--force"]);
    let p = load(&env.file("prod"));
    assert_eq!(p, {
        let mut want = Profile::new(Cloud::Public, "westus");
        // A saved profile records the edition it was made with (the newest, by default).
        want.edition = Some(common::catalog().default_edition().id.clone());
        want.validate(common::catalog()).unwrap();
        want
    });

    // A save needs a region (or a profile) like every other command.
    env.bad(&["profile", "save", "noregion"], &["no region", "--region"]);
    // Bad values are refused before anything is written.
    env.bad(
        &[
            "profile",
            "save",
            "x",
            "--region",
            "eastus2",
            "--storage-account",
            "BAD",
        ],
        &["--storage-account", "BAD"],
    );
    assert!(!env.file("x").exists() && !env.file("noregion").exists());
}

#[test]
fn list_shows_a_table_and_json() {
    let env = Env::new();
    // An empty (missing) store lists fine.
    let o = env.ok(&["profile", "list", "--json"]);
    assert_eq!(
        serde_json::from_str::<Value>(&o.stdout).unwrap(),
        serde_json::json!([])
    );
    let o = env.ok(&["profile", "list"]);
    assert!(o.stdout.starts_with("NAME"), "{}", o.stdout);

    env.ok(&[
        "profile",
        "save",
        "zeta",
        "--region",
        "westeurope",
        "--feature",
        "studio",
    ]);
    env.ok(&[
        "profile",
        "save",
        "alpha",
        "--cloud",
        "usgov",
        "--region",
        "usgovvirginia",
        "--feature",
        "compute-cluster,compute-instance,notebooks",
    ]);

    let o = env.ok(&["profile", "list"]);
    let lines: Vec<&str> = o.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", o.stdout);
    for col in ["NAME", "CLOUD", "REGION", "FEATURES", "MODIFIED"] {
        assert!(lines[0].contains(col), "header lacks {col}: {}", lines[0]);
    }
    let row = |l: &str| l.split_whitespace().map(String::from).collect::<Vec<_>>();
    let (a, z) = (row(lines[1]), row(lines[2]));
    assert_eq!(a[..4], ["alpha", "usgov", "usgovvirginia", "3"]);
    assert_eq!(z[..4], ["zeta", "public", "westeurope", "1"]);
    assert!(is_iso_utc(&a[4]), "{}", lines[1]);

    let o = env.ok(&["profile", "list", "--json"]);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["name"], "alpha");
    assert_eq!(rows[0]["cloud"], "usgov");
    assert_eq!(rows[0]["region"], "usgovvirginia");
    assert_eq!(
        rows[0]["features"],
        serde_json::json!(["compute-cluster", "compute-instance", "notebooks"])
    );
    assert_eq!(rows[1]["name"], "zeta");
    assert_eq!(rows[1]["cloud"], "public");
    assert_eq!(rows[1]["region"], "westeurope");
    assert_eq!(rows[1]["features"], serde_json::json!(["studio"]));
    for r in rows {
        let m = r["modified"]
            .as_str()
            .unwrap_or_else(|| panic!("no modified: {r}"));
        assert!(is_iso_utc(m), "{m}");
        // The time is now-ish, and the two forms agree.
        let unix = r["modified_unix"].as_u64().unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert!(unix <= now + 5 && now - unix < 600, "{unix} vs {now}");
        assert!(r.get("error").is_none());
        assert_eq!(
            r["path"],
            env.file(r["name"].as_str().unwrap()).to_str().unwrap()
        );
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ`.
fn is_iso_utc(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 20
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'Z',
            _ => c.is_ascii_digit(),
        })
}

#[test]
fn show_prints_the_file_exactly() {
    let env = Env::new();
    env.ok(&[
        "profile",
        "save",
        "p1",
        "--region",
        "eastus2",
        "--feature",
        "aks",
        "--source",
        "10.0.1.0/24,2001:db8::/64",
        "--name-prefix",
        "prod",
        "--priority-base",
        "1500",
    ]);
    let saved = std::fs::read_to_string(env.file("p1")).unwrap();
    let o = env.ok(&["profile", "show", "p1"]);
    assert_eq!(o.stdout, saved);
    assert_eq!(o.stdout, load(&env.file("p1")).to_toml());
    assert!(
        o.stdout
            .contains("sources = [\"10.0.1.0/24\", \"2001:db8::/64\"]"),
        "{}",
        o.stdout
    );

    // A hand-written file (comments, odd spacing) is shown byte for byte.
    let hand =
        "# my profile\nschema_version = 1\ncloud   = \"public\"\nregion = \"westus\"   # west\n";
    std::fs::write(env.file("hand"), hand).unwrap();
    assert_eq!(env.ok(&["profile", "show", "hand"]).stdout, hand);

    env.bad(&["profile", "show", "nope"], &["no profile named 'nope'"]);
}

#[test]
fn delete_removes_and_a_second_delete_fails() {
    let env = Env::new();
    env.ok(&["profile", "save", "gone", "--region", "eastus2"]);
    env.ok(&["profile", "save", "kept", "--region", "eastus2"]);
    let o = env.ok(&["profile", "delete", "gone"]);
    assert!(o.stderr.contains("deleted profile gone"), "{}", o.stderr);
    assert!(!env.file("gone").exists());
    assert!(env.file("kept").exists());
    env.bad(&["profile", "delete", "gone"], &["no profile named 'gone'"]);
    let o = env.ok(&["profile", "list", "--json"]);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["name"], "kept");
}

#[test]
fn bad_names_are_refused_with_the_rule() {
    let env = Env::new();
    let long = "n".repeat(65);
    for name in ["../x", "a/b", ".hidden", "", long.as_str(), "a b", "x..y"] {
        env.bad(
            &["profile", "save", name, "--region", "eastus2"],
            &[NAME_RULE],
        );
        env.bad(&["profile", "show", name], &[NAME_RULE]);
        env.bad(&["profile", "delete", name], &[NAME_RULE]);
        env.bad(&["rules", "--profile", name], &[NAME_RULE]);
    }
    // Nothing was written, in the store or next to it.
    assert!(
        !env.profiles().exists() || std::fs::read_dir(env.profiles()).unwrap().next().is_none()
    );
    assert!(!env.dir.path().join("x.toml").exists());
    let max = "n".repeat(64);
    env.ok(&["profile", "save", &max, "--region", "eastus2"]);
    env.ok(&["profile", "show", &max]);
}

#[test]
fn profile_as_a_selection_with_flags_overriding_it() {
    let env = Env::new();
    env.ok(&[
        "profile",
        "save",
        "base",
        "--region",
        "westeurope",
        "--feature",
        "studio,compute-instance",
        "--storage-account",
        "amlstore01",
        "--source",
        "10.0.1.0/24",
        "--name-prefix",
        "base",
    ]);

    // rules --format json: the profile alone equals the same choices as flags.
    let json = |args: &[&str]| -> Value { serde_json::from_str(&env.ok(args).stdout).unwrap() };
    let from_profile = json(&["rules", "--format", "json", "--profile", "base"]);
    let from_flags = json(&[
        "rules",
        "--format",
        "json",
        "--region",
        "westeurope",
        "--feature",
        "studio,compute-instance",
        "--storage-account",
        "amlstore01",
        "--source",
        "10.0.1.0/24",
        "--name-prefix",
        "base",
    ]);
    assert_eq!(from_profile, from_flags);
    assert_eq!(from_profile["region"], "westeurope");

    // Flags override the profile's values; the rest of the profile still applies.
    let v = json(&[
        "rules",
        "--format",
        "json",
        "--profile",
        "base",
        "--region",
        "eastus2",
        "--feature",
        "notebooks",
    ]);
    assert_eq!(v["region"], "eastus2");
    assert_eq!(v["features"], serde_json::json!(["notebooks"]));
    assert_eq!(v["sources"], serde_json::json!(["10.0.1.0/24"]));
    let want = json(&[
        "rules",
        "--format",
        "json",
        "--region",
        "eastus2",
        "--feature",
        "notebooks",
        "--storage-account",
        "amlstore01",
        "--source",
        "10.0.1.0/24",
        "--name-prefix",
        "base",
    ]);
    assert_eq!(v, want);

    // export --target json the same way.
    let export = |args: &[&str]| env.ok(args).stdout;
    let e = export(&[
        "export",
        "--target",
        "json",
        "--profile",
        "base",
        "--region",
        "eastus2",
        "--feature",
        "notebooks",
    ]);
    let e_flags = export(&[
        "export",
        "--target",
        "json",
        "--region",
        "eastus2",
        "--feature",
        "notebooks",
        "--storage-account",
        "amlstore01",
        "--source",
        "10.0.1.0/24",
        "--name-prefix",
        "base",
    ]);
    assert_eq!(e, e_flags);
    let ev: Value = serde_json::from_str(&e).unwrap();
    assert_eq!(ev["region"], "eastus2");
    assert_ne!(
        e,
        export(&["export", "--target", "json", "--profile", "base"])
    );

    // profile save --profile: a copy with an override.
    env.ok(&[
        "profile",
        "save",
        "copy",
        "--profile",
        "base",
        "--region",
        "eastus",
    ]);
    let copy = load(&env.file("copy"));
    let base = load(&env.file("base"));
    assert_eq!(copy.region, "eastus");
    assert_eq!(
        Profile {
            region: base.region.clone(),
            ..copy
        },
        base
    );

    // A bad override names the flag.
    env.bad(
        &["rules", "--profile", "base", "--source", "10.0.0.5/24"],
        &["--source", "host bits"],
    );
    // --profile and --profile-file together are refused by the grammar.
    let o = env.run(&["rules", "--profile", "base", "--profile-file", "/dev/null"]);
    assert_eq!(o.code, Some(2), "{}", o.stderr);
}

#[test]
fn missing_profile_is_bad_input() {
    let env = Env::new();
    env.bad(
        &["rules", "--profile", "missing"],
        &["no profile named 'missing'", "amlfw profile list"],
    );
    env.bad(
        &["export", "--target", "json", "--profile", "missing"],
        &["'missing'"],
    );
    env.bad(
        &["profile", "save", "new", "--profile", "missing"],
        &["'missing'"],
    );
    assert!(!env.file("new").exists());
}

#[test]
fn a_corrupt_profile_is_reported_and_spares_the_others() {
    let env = Env::new();
    env.ok(&["profile", "save", "good", "--region", "eastus2"]);
    env.ok(&["profile", "save", "zz-good", "--region", "westus"]);
    let corrupt = env.file("corrupt");
    std::fs::write(&corrupt, "schema_version = 1\ncloud = \"public\"\nregion = \"eastus2\"\n\nstorage_account = \"BAD\"\n").unwrap();
    let broken = env.file("broken");
    std::fs::write(
        &broken,
        "schema_version = 1\ncloud = \"public\"\nregion = \"eastus2\"\nfeatures = [\"studio\",\n",
    )
    .unwrap();
    let where_corrupt = format!("{}:5:", corrupt.display());

    let o = env.ok(&["profile", "list"]);
    let names: Vec<&str> = o
        .stdout
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(names, ["broken", "corrupt", "good", "zz-good"]);
    assert!(
        o.stdout
            .lines()
            .any(|l| l.starts_with("good ") && l.contains("eastus2")),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout
            .lines()
            .any(|l| l.starts_with("zz-good ") && l.contains("westus")),
        "{}",
        o.stdout
    );
    assert!(
        o.stderr.contains(&where_corrupt),
        "stderr lacks {where_corrupt}: {}",
        o.stderr
    );
    assert!(
        o.stderr.contains("storage_account") && o.stderr.contains("BAD"),
        "{}",
        o.stderr
    );
    let broken_line = o
        .stderr
        .lines()
        .find(|l| l.contains(broken.to_str().unwrap()))
        .unwrap_or_else(|| panic!("{}", o.stderr));
    assert!(broken_line.contains("line "), "{broken_line}");

    let o = env.ok(&["profile", "list", "--json"]);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 4);
    let row = |n: &str| rows.iter().find(|r| r["name"] == n).unwrap();
    assert!(row("corrupt")["error"]
        .as_str()
        .unwrap()
        .contains(&where_corrupt));
    assert_eq!(row("good")["region"], "eastus2");
    assert!(row("good").get("error").is_none());
    assert!(o.stderr.contains(&where_corrupt));

    // Using it is bad input naming the file and the line; the good ones still work.
    env.bad(&["rules", "--profile", "corrupt"], &[&where_corrupt, "BAD"]);
    env.bad(
        &["export", "--target", "json", "--profile", "corrupt"],
        &[&where_corrupt],
    );
    env.bad(
        &["rules", "--profile", "broken"],
        &[broken.to_str().unwrap(), "line "],
    );
    env.ok(&["rules", "--profile", "good", "--format", "json"]);
    // show prints the broken file, then says what is wrong (exit 2).
    let o = env.run(&["profile", "show", "corrupt"]);
    assert_eq!(o.code, Some(2), "{}", o.stderr);
    assert_eq!(o.stdout, std::fs::read_to_string(&corrupt).unwrap());
    assert!(o.stderr.contains(&where_corrupt), "{}", o.stderr);
    // It can be replaced with --force, and deleted.
    env.ok(&[
        "profile", "save", "corrupt", "--region", "eastus2", "--force",
    ]);
    env.ok(&["profile", "delete", "broken"]);
    let o = env.ok(&["profile", "list"]);
    assert!(o.stderr.is_empty(), "{}", o.stderr);
}

/// `profile show` of a file holding terminal sequences: escaped on a terminal (they would
/// retitle or clear it), byte for byte into a pipe (so `show NAME > copy.toml` copies it).
#[test]
fn show_escapes_control_characters_only_on_a_terminal() {
    let env = Env::new();
    std::fs::create_dir_all(env.profiles()).unwrap();
    let text = "schema_version = 1\ncloud = \"public\"\n\tregion = \"eastus2\" # \x1b]0;pwned\x07\x1b[2J\u{202e}\n";
    std::fs::write(env.file("odd"), text).unwrap();

    let piped = env.run(&["profile", "show", "odd"]);
    assert_eq!(piped.stdout, text);

    let dir = env.dir.path().to_str().unwrap();
    let shown = common::on_terminal(&["profile", "show", "odd"], &[("AMLFW_CONFIG_DIR", dir)]);
    assert!(
        !shown.contains('\x1b') && !shown.contains('\x07') && !shown.contains('\u{202e}'),
        "{shown:?}"
    );
    assert!(
        shown.contains(r"# \u{1b}]0;pwned\u{7}\u{1b}[2J\u{202e}"),
        "{shown:?}"
    );
    // Layout characters stay as they are.
    assert!(shown.contains("\tregion = \"eastus2\""), "{shown:?}");
}

/// A file name holding a terminal sequence: quoted in the table, exact in JSON.
#[test]
fn list_quotes_odd_file_names_in_the_table_and_keeps_them_in_json() {
    let env = Env::new();
    std::fs::create_dir_all(env.profiles()).unwrap();
    std::fs::write(
        env.profiles().join("odd\x1b[2J.toml"),
        "schema_version = 1\ncloud = \"public\"\nregion = \"eastus2\"\n",
    )
    .unwrap();
    let table = env.run(&["profile", "list"]);
    assert!(!table.stdout.contains('\x1b') && !table.stderr.contains('\x1b'));
    assert!(table.stdout.contains(r"odd\u{1b}[2J"), "{}", table.stdout);
    let json = env.run(&["profile", "list", "--json"]);
    let v: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v[0]["name"], "odd\x1b[2J");
    assert!(v[0]["error"].as_str().unwrap().contains("rename the file"));
}
