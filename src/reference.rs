//! Where requirements come from: a leaf module the catalog, the rules and the data files
//! (DNS, managed network) share, so that none of them imports another for it.

use serde::{Deserialize, Serialize};

/// What a data file cites: a document key and a section within it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Citation {
    pub doc: String,
    pub section: String,
}

/// Where a rule comes from, with the document's title and revision spelled out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    pub doc: String,
    pub title: String,
    pub revision: String,
    pub section: String,
}

impl Reference {
    pub fn short(&self) -> String {
        format!("{} ({}) > {}", self.doc, self.revision, self.section)
    }
}
