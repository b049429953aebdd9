//! The floor under `amlfw tags` on this machine, which `scripts/bench-compare.sh` times next to
//! it (issue 21 puts it at "reading 4 MB from the page cache plus one pass of memchr"):
//!
//! ```text
//! cargo build --release --example io_floor
//! target/release/examples/io_floor                 # a Rust process that starts and exits
//! target/release/examples/io_floor FILE            # ... and reads FILE, with one memchr pass
//! ```
//!
//! With a file, it is read as `amlfw tags` reads it (64 KiB at a time into one reused buffer)
//! and each piece is searched with `memchr` for a NUL byte, which a Service Tags file does not
//! hold: the whole file at memchr's speed, with none of the checks or the JSON of the scan.
//! It prints the number of bytes read. `std` only besides `memchr`, linked as amlfw is.

use std::io::Read;

fn main() {
    let Some(path) = std::env::args_os().nth(1) else {
        return;
    };
    let mut file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("io_floor: {}: {e}", std::path::Path::new(&path).display());
            std::process::exit(1);
        }
    };
    let mut buf = vec![0u8; 64 * 1024];
    let (mut read, mut nuls) = (0usize, 0usize);
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                read += n;
                nuls += usize::from(memchr::memchr(0, &buf[..n]).is_some());
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                eprintln!("io_floor: {e}");
                std::process::exit(1);
            }
        }
    }
    println!("{read} bytes, {nuls} pieces with a NUL byte");
}
