//! The `amlfw audit` command: fixtures in az and portal shapes, formats, exit codes.
