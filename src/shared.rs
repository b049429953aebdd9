//! `SharedStr`: an immutable string shared by reference count.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

/// A read-only string shared between the catalog and every rule set resolved from it.
///
/// `resolve` runs on every keystroke in the wizard; sharing the catalog's ids, host names and
/// feature names (a reference-count increment) instead of copying them was most of its cost.
/// It compares, hashes, orders and prints like the string it holds.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SharedStr(Arc<str>);

impl SharedStr {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for SharedStr {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for SharedStr {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for SharedStr {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl From<&str> for SharedStr {
    fn from(s: &str) -> Self {
        SharedStr(s.into())
    }
}

impl From<String> for SharedStr {
    fn from(s: String) -> Self {
        SharedStr(s.into())
    }
}

impl From<SharedStr> for String {
    fn from(s: SharedStr) -> Self {
        s.0.to_string()
    }
}

/// `shared == "text"` and the other way round, for `str`, `&str` and `String`.
macro_rules! compare_with {
    ($($other:ty),*) => {$(
        impl PartialEq<$other> for SharedStr {
            fn eq(&self, other: &$other) -> bool {
                *self.0 == **other
            }
        }

        impl PartialEq<SharedStr> for $other {
            fn eq(&self, other: &SharedStr) -> bool {
                **self == *other.0
            }
        }
    )*};
}

compare_with!(&str, String);

impl PartialEq<str> for SharedStr {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<SharedStr> for str {
    fn eq(&self, other: &SharedStr) -> bool {
        *self == *other.0
    }
}

#[cfg(test)]
mod tests {
    use super::SharedStr;
    use std::collections::HashSet;

    #[test]
    fn behaves_like_its_string() {
        let s = SharedStr::from("Storage.EastUS2");
        assert_eq!(s, "Storage.EastUS2");
        assert_eq!("Storage.EastUS2", s);
        assert_eq!(s, String::from("Storage.EastUS2"));
        assert_eq!(String::from("Storage.EastUS2"), s);
        assert_eq!(*"Storage.EastUS2", s);
        assert_ne!(s, "storage.eastus2");
        assert_eq!(s.to_string(), "Storage.EastUS2");
        assert_eq!(format!("{s:?}"), r#""Storage.EastUS2""#);
        let (a, b) = (SharedStr::from("a"), SharedStr::from("b"));
        assert!(a < b);
        // Hash and Borrow<str> agree, so a set of them is searched by `&str`.
        let set: HashSet<SharedStr> = [s.clone()].into();
        assert!(set.contains("Storage.EastUS2"));
        assert_eq!(String::from(s), "Storage.EastUS2");
    }
}
