//! Profiles: the declarative TOML files that say what to generate.
//!
//! [`Profile::load`] finds the file, follows `extends`, applies `--set`
//! overrides and `--seed`, and checks everything that can be checked without
//! a database: generators, distributions, references between tables, cycles.
//! Every mistake names the file, line and column (see [`Location`]).
//! The format is documented in docs/profiles.md.

mod column;
mod dist;
mod error;
pub mod init;
mod node;
pub mod reader;
mod spec;
mod table;
pub mod template;
mod validate;

use std::path::{Path, PathBuf};

pub use error::{Location, ProfileError};
pub use node::{Entry, Node, NodeValue, Table};
pub use spec::{
    ColumnSpec, Dist, DistKind, FakeKind, Generator, JsonField, NullIf, NullTest, Pick, RowsSpec,
    SeriesIndex, TableSpec, TemplatePart,
};

use node::{Source, display_path, merge, parse_set};

/// The seed used when a profile does not say `seed = N`.
pub const DEFAULT_SEED: u64 = 1;

/// A parsed, merged (extends + --set overrides), validated-in-itself profile.
#[derive(Debug, Clone)]
pub struct Profile {
    /// The file that was loaded (for messages).
    pub path: PathBuf,
    /// The profile's seed, overridden by `--seed`.
    pub seed: u64,
    /// The tables, in declaration order (base profile's tables first).
    pub tables: Vec<TableSpec>,
    /// The raw `[redis]` part, untouched here (the cache module reads it).
    /// Every node carries its own [`Location`].
    pub redis: Option<Node>,
    /// Indexes into `tables`, parents before children.
    load_order: Vec<usize>,
    /// Every text the profile was read from (files and `--set` arguments).
    sources: Vec<Source>,
}

impl Profile {
    /// Loads a profile. `name_or_path`: `"large"` finds
    /// `<profiles_dir>/large.toml`; a path (with `/` or ending in `.toml`)
    /// works too. `overrides` are `--set KEY=VALUE` arguments, applied in
    /// order after `extends` is merged; `seed` replaces the profile's seed.
    pub fn load(
        name_or_path: &str,
        profiles_dir: &Path,
        overrides: &[String],
        seed: Option<u64>,
    ) -> Result<Profile, ProfileError> {
        let path = resolve(name_or_path, profiles_dir)?;
        let mut sources = Vec::new();
        let mut document = load_document(&path, &mut sources, &mut Vec::new())?;
        for arg in overrides {
            apply_set(&mut document, arg, &mut sources)?;
        }
        let mut profile = Profile::from_document(&document, display_path(&path), sources)?;
        if let Some(seed) = seed {
            profile.seed = seed;
        }
        Ok(profile)
    }

    /// Parses a profile from TOML text (no `extends`); `path` is used in
    /// messages only. Handy for tests and for programs that build profiles.
    pub fn from_str(text: &str, path: &Path) -> Result<Profile, ProfileError> {
        let source = Source::new(path.to_path_buf(), text.to_string());
        let document = source.parse()?;
        if let Some(entry) = document.entry("extends") {
            return Err(ProfileError::invalid(
                &entry.key_location,
                "`extends` needs a profile file; use Profile::load",
            ));
        }
        Profile::from_document(&document, path.to_path_buf(), vec![source])
    }

    fn from_document(
        document: &Table,
        path: PathBuf,
        sources: Vec<Source>,
    ) -> Result<Profile, ProfileError> {
        let mut seed = DEFAULT_SEED;
        let mut tables = Vec::new();
        let mut redis = None;
        for entry in document.iter() {
            match entry.key.as_str() {
                "seed" => {
                    seed = entry
                        .node
                        .as_i64()
                        .and_then(|s| u64::try_from(s).ok())
                        .ok_or_else(|| {
                            ProfileError::invalid(
                                &entry.node.location,
                                "`seed` must be a whole number, 0 or more",
                            )
                        })?;
                }
                "extends" => {}
                "tables" => {
                    let list = entry.node.as_table().ok_or_else(|| {
                        ProfileError::invalid(
                            &entry.node.location,
                            "`tables` must be a table: write [tables.NAME]",
                        )
                    })?;
                    for table in list.iter() {
                        tables.push(table::read_table(table)?);
                    }
                }
                "redis" => redis = Some(entry.node.clone()),
                other => {
                    return Err(ProfileError::invalid(
                        &entry.key_location,
                        format!("unknown top-level key `{other}`"),
                    )
                    .with_hint("a profile has `seed`, `extends`, [tables.NAME] and [redis]"));
                }
            }
        }
        let load_order = validate::check(&tables)?;
        Ok(Profile {
            path,
            seed,
            tables,
            redis,
            load_order,
            sources,
        })
    }

    /// Refuses a profile that loads no table (every table `load = false`,
    /// or none at all): `seed` would have nothing to write.
    pub fn require_loadable_table(&self) -> Result<(), ProfileError> {
        if self.tables.iter().any(|t| t.load) {
            return Ok(());
        }
        let (location, what) = match self.tables.first() {
            Some(table) => (table.location.clone(), "every table has `load = false`"),
            None => (
                Location {
                    file: self.path.clone(),
                    line: 1,
                    column: 1,
                },
                "it declares no table",
            ),
        };
        Err(ProfileError::invalid(
            &location,
            format!("the profile has no table to load: {what}"),
        )
        .with_hint("add a [tables.NAME] section with `rows = N` for a table of the database"))
    }

    /// Location (file:line:column) of a byte span in the given file (a
    /// profile file or a `--set KEY=VALUE` label).
    pub fn locate(&self, file: &Path, span: std::ops::Range<usize>) -> Location {
        match self.sources.iter().find(|s| s.path == file) {
            Some(source) => source.locate_span(&span),
            None => Location {
                file: file.to_path_buf(),
                line: 1,
                column: span.start + 1,
            },
        }
    }

    /// A table by name.
    pub fn table(&self, name: &str) -> Option<&TableSpec> {
        self.tables.iter().find(|t| t.name == name)
    }

    /// The tables, parents before children (declaration order otherwise).
    pub fn tables_in_load_order(&self) -> impl Iterator<Item = &TableSpec> {
        self.load_order.iter().map(|&i| &self.tables[i])
    }
}

fn resolve(name_or_path: &str, profiles_dir: &Path) -> Result<PathBuf, ProfileError> {
    let looks_like_path = name_or_path.contains(['/', '\\']) || name_or_path.ends_with(".toml");
    let path = if looks_like_path {
        PathBuf::from(name_or_path)
    } else {
        profiles_dir.join(format!("{name_or_path}.toml"))
    };
    if path.is_file() {
        return Ok(path);
    }
    let available = available_profiles(profiles_dir);
    let hint = if available.is_empty() {
        format!(
            "no profiles found in {}; pass --profiles-dir DIR or a path to a .toml file",
            profiles_dir.display()
        )
    } else {
        format!(
            "available in {}: {}",
            profiles_dir.display(),
            available.join(", ")
        )
    };
    Err(ProfileError::Read {
        path,
        source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        hint: Some(hint),
    })
}

/// Profile names (file stems) in a folder, sorted.
pub fn available_profiles(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let path = e.path();
            (path.extension()? == "toml").then(|| path.file_stem()?.to_str().map(String::from))?
        })
        .collect();
    names.sort();
    names
}

/// Reads a file and, recursively, the profile it extends; returns the
/// merged document. `chain` holds the files being read, to catch loops.
fn load_document(
    path: &Path,
    sources: &mut Vec<Source>,
    chain: &mut Vec<PathBuf>,
) -> Result<Table, ProfileError> {
    let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let text = std::fs::read_to_string(path).map_err(|source| ProfileError::Read {
        path: path.to_path_buf(),
        source,
        hint: None,
    })?;
    let source = Source::new(display_path(path), text);
    let mut document = source.parse()?;
    sources.push(source);
    chain.push(canonical);
    let Some(extends) = document.remove("extends") else {
        return Ok(document);
    };
    let name = extends.node.as_str().ok_or_else(|| {
        ProfileError::invalid(
            &extends.node.location,
            "`extends` must be a profile name or path, e.g. extends = \"default\"",
        )
    })?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let base_path = if name.contains(['/', '\\']) || name.ends_with(".toml") {
        dir.join(name)
    } else {
        dir.join(format!("{name}.toml"))
    };
    if !base_path.is_file() {
        let available = available_profiles(dir);
        return Err(ProfileError::invalid(
            &extends.node.location,
            format!(
                "`extends = \"{name}\"`: there is no {} next to this profile",
                base_path
                    .file_name()
                    .map_or(name.into(), |f| f.to_string_lossy())
            ),
        )
        .with_hint(format!(
            "profiles next to this one: {}",
            available.join(", ")
        )));
    }
    let base_canonical = base_path
        .canonicalize()
        .unwrap_or_else(|_| base_path.clone());
    if chain.contains(&base_canonical) {
        return Err(ProfileError::invalid(
            &extends.node.location,
            format!("`extends = \"{name}\"` makes a loop of profiles extending each other"),
        ));
    }
    let mut base = load_document(&base_path, sources, chain)?;
    merge(&mut base, document, &[]);
    Ok(base)
}

/// `--set players.columns.levle.int.max=10` changes part of a column's
/// generator: the column must already be in the profile, or a typo would
/// become a new, half-specified column with a puzzling error.
fn column_must_exist(
    document: &Table,
    segments: &[(String, Location)],
) -> Result<(), ProfileError> {
    let [_, (table, _), (columns_key, _), (column, location), _, ..] = segments else {
        return Ok(());
    };
    if columns_key != "columns" {
        return Ok(());
    }
    let columns = document
        .get("tables")
        .and_then(Node::as_table)
        .and_then(|t| t.get(table))
        .and_then(Node::as_table)
        .and_then(|t| t.get("columns"))
        .and_then(Node::as_table);
    let known: Vec<&str> = columns
        .map(|c| c.iter().map(|e| e.key.as_str()).collect())
        .unwrap_or_default();
    if known.contains(&column.as_str()) {
        return Ok(());
    }
    Err(ProfileError::invalid(
        location,
        format!(
            "--set: table `{table}` has no column `{column}` in the profile; its columns: {}",
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        ),
    )
    .with_hint(format!(
        "check the spelling; to give a column a generator, set it whole, e.g. \
         --set '{table}.columns.{column}={{ int = {{ min = 1, max = 10 }} }}'"
    )))
}

/// Applies one `--set` to the merged document.
fn apply_set(
    document: &mut Table,
    arg: &str,
    sources: &mut Vec<Source>,
) -> Result<(), ProfileError> {
    let set = parse_set(arg)?;
    sources.push(Source::new(
        PathBuf::from(format!("--set {arg}")),
        format!("--set {arg}"),
    ));
    let mut segments = set.segments;
    const TOP: [&str; 3] = ["seed", "tables", "redis"];
    if segments[0].0 == "extends" {
        return Err(ProfileError::invalid(
            &segments[0].1,
            "`extends` cannot be changed with --set",
        )
        .with_hint("pass the other profile with --profile instead"));
    }
    if !TOP.contains(&segments[0].0.as_str()) {
        let location = segments[0].1.clone();
        segments.insert(0, ("tables".into(), location));
    }
    if segments[0].0 == "tables" {
        let table_missing = segments.get(1).is_some_and(|(name, _)| {
            document
                .get("tables")
                .and_then(Node::as_table)
                .is_none_or(|t| t.get(name).is_none())
        });
        if table_missing {
            let (name, location) = &segments[1];
            return Err(ProfileError::invalid(
                location,
                format!("--set: the profile has no table `{name}`"),
            )
            .with_hint("--set changes existing tables, e.g. --set players.rows=500"));
        }
        column_must_exist(document, &segments)?;
    }
    let (last, parents) = segments.split_last().expect("at least one segment");
    let mut table = document;
    let mut walked = Vec::new();
    for (name, location) in parents {
        walked.push(name.as_str());
        if table.get(name).is_none() {
            table.insert(Entry {
                key: name.clone(),
                key_location: location.clone(),
                node: Node::new(NodeValue::Table(Table::default()), location.clone()),
            });
        }
        let node = table.get_mut(name).expect("just inserted");
        let type_name = node.type_name();
        table = match &mut node.value {
            NodeValue::Table(t) => t,
            _ => {
                return Err(ProfileError::invalid(
                    location,
                    format!("--set: `{}` is {type_name}, not a table", walked.join(".")),
                ));
            }
        };
    }
    // As with `extends`: a new row count replaces the other two forms.
    const ROW_KEYS: [&str; 3] = ["rows", "per_parent", "rows_literal"];
    if walked.len() == 2 && walked[0] == "tables" && ROW_KEYS.contains(&last.0.as_str()) {
        for other in ROW_KEYS.iter().filter(|k| **k != last.0) {
            table.remove(other);
        }
    }
    table.insert(Entry {
        key: last.0.clone(),
        key_location: last.1.clone(),
        node: set.value,
    });
    Ok(())
}

#[cfg(test)]
mod tests;
