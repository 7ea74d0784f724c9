//! What the checks of one source file find: faults and warnings.
//!
//! Each rule is checked in one place and reports to a [`Findings`]. The
//! shim reads with `Findings<false>`: it stops at the first fault (a
//! container create needs only to know that the file is refused) and
//! builds no warning (it shows none). `ctk hooks validate` reads with
//! `Findings<true>`: a fault is recorded and the checks go on, and every
//! warning is kept, so that one run names everything. The mode is a
//! constant, so the shim's checks compile to what they would be without
//! the collecting.

/// Reading stops here: the first fault is kept (or nothing more can be
/// checked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stop;

/// The faults and warnings of one file, in the order of the checks: all
/// of them when `ALL`, else the first fault and no warning.
#[derive(Debug, Default)]
pub struct Findings<const ALL: bool> {
    faults: Vec<String>,
    /// What only `ALL` keeps, made when first needed: the shim's reading
    /// carries one empty pointer.
    more: Option<Box<More>>,
}

#[derive(Debug, Default)]
struct More {
    warnings: Vec<String>,
    /// Fields whose value could not be decoded: checks of what they would
    /// have held are left out (no "missing" after "expected a string").
    undecoded: Vec<String>,
}

impl<const ALL: bool> Findings<ALL> {
    pub fn new() -> Findings<ALL> {
        Findings {
            faults: Vec::new(),
            more: None,
        }
    }

    fn more(&mut self) -> &mut More {
        self.more.get_or_insert_with(Box::default)
    }

    /// Records a fault; [`Stop`] unless every fault is wanted.
    pub fn fault(&mut self, fault: String) -> Result<(), Stop> {
        self.faults.push(fault);
        if ALL {
            Ok(())
        } else {
            Err(Stop)
        }
    }

    /// Records a fault after which nothing more can be checked.
    pub fn fatal(&mut self, fault: String) -> Stop {
        self.faults.push(fault);
        Stop
    }

    /// Records the fault of decoding `field`, if any.
    pub fn decoded(&mut self, field: &str, result: Result<(), String>) -> Result<(), Stop> {
        match result {
            Ok(()) => Ok(()),
            Err(fault) => {
                if ALL {
                    self.more().undecoded.push(field.to_string());
                }
                self.fault(fault)
            }
        }
    }

    /// Whether `field`, or the object holding it (`hook` for
    /// `hook.path`), could not be decoded.
    pub fn is_undecoded(&self, field: &str) -> bool {
        self.more.as_ref().is_some_and(|more| {
            more.undecoded.iter().any(|u| {
                field
                    .strip_prefix(u.as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
            })
        })
    }

    /// Records a warning, built only when every finding is wanted.
    pub fn warn(&mut self, warning: impl FnOnce() -> String) {
        if ALL {
            self.more().warnings.push(warning());
        }
    }

    /// [`Stop`] when any fault was recorded: the checks are over and the
    /// file is refused.
    pub fn done(&self) -> Result<(), Stop> {
        if self.faults.is_empty() {
            Ok(())
        } else {
            Err(Stop)
        }
    }

    /// How many faults so far.
    pub fn faults(&self) -> usize {
        self.faults.len()
    }

    /// The warnings so far, leaving none.
    pub fn take_warnings(&mut self) -> Vec<String> {
        self.more
            .as_mut()
            .map(|more| std::mem::take(&mut more.warnings))
            .unwrap_or_default()
    }

    /// The faults and the warnings.
    pub fn into_parts(mut self) -> (Vec<String>, Vec<String>) {
        let warnings = self.take_warnings();
        (self.faults, warnings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_fault_stops_unless_all_are_wanted() {
        let mut first = Findings::<false>::new();
        assert_eq!(first.fault("a".into()), Err(Stop));
        first.warn(|| unreachable!("the shim builds no warning"));
        assert_eq!(first.into_parts(), (vec!["a".to_string()], vec![]));
        let mut all = Findings::<true>::new();
        assert_eq!(all.fault("a".into()), Ok(()));
        all.warn(|| "w".into());
        assert_eq!(all.fault("b".into()), Ok(()));
        assert_eq!(all.done(), Err(Stop));
        assert_eq!(
            all.into_parts(),
            (
                vec!["a".to_string(), "b".to_string()],
                vec!["w".to_string()]
            )
        );
        assert_eq!(Findings::<true>::new().done(), Ok(()));
    }

    #[test]
    fn an_undecoded_object_covers_its_fields() {
        let mut all = Findings::<true>::new();
        all.decoded("hook", Err("field `hook`: expected an object".into()))
            .unwrap();
        assert!(all.is_undecoded("hook"));
        assert!(all.is_undecoded("hook.path"));
        assert!(!all.is_undecoded("hooks"));
        assert!(!all.is_undecoded("stages"));
    }
}
