//! Commands as seedkit builds them, and their RESP encoding for `--resp`.
//!
//! The cache plan renders every command's arguments into one reusable buffer
//! ([`Command`]). Sent to Redis, they go through the `redis` crate; with
//! `warm --resp FILE` they are encoded here into a file that `redis-cli
//! --pipe` can replay, byte for byte what the crate sends.

use std::fmt;

/// One command's arguments, rendered into a reusable buffer: no allocation
/// per command once the buffer has grown to its working size.
#[derive(Debug, Default, Clone)]
pub struct Command {
    data: Vec<u8>,
    ends: Vec<usize>,
}

impl Command {
    /// Starts a new command named `name` (e.g. `HSET`), dropping the last one.
    pub fn start(&mut self, name: &str) -> &mut Self {
        self.data.clear();
        self.ends.clear();
        self.arg(name.as_bytes())
    }

    /// Appends one argument.
    pub fn arg(&mut self, bytes: &[u8]) -> &mut Self {
        self.data.extend_from_slice(bytes);
        self.ends.push(self.data.len());
        self
    }

    /// Appends an integer argument in decimal.
    pub fn int(&mut self, value: i64) -> &mut Self {
        push_int(&mut self.data, value);
        self.close_arg();
        self
    }

    /// Starts an argument that the caller writes into [`Self::open_arg`] and
    /// closes with [`Self::close_arg`] (rendering templates in place).
    pub fn open_arg(&mut self) -> &mut Vec<u8> {
        &mut self.data
    }

    pub fn close_arg(&mut self) {
        self.ends.push(self.data.len());
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Bytes of all arguments together (without the RESP framing).
    pub fn data_len(&self) -> usize {
        self.data.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The `i`-th argument (0 is the command name).
    pub fn get(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.data[start..self.ends[i]]
    }

    /// The key a command is routed by in a cluster: its first argument.
    pub fn key(&self) -> &[u8] {
        if self.ends.len() > 1 {
            self.get(1)
        } else {
            &[]
        }
    }

    /// Appends the RESP encoding (`*N\r\n$len\r\narg\r\n...`) to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.push(b'*');
        push_decimal(out, self.ends.len() as u64);
        out.extend_from_slice(b"\r\n");
        let mut start = 0;
        for &end in &self.ends {
            out.push(b'$');
            push_decimal(out, (end - start) as u64);
            out.extend_from_slice(b"\r\n");
            out.extend_from_slice(&self.data[start..end]);
            out.extend_from_slice(b"\r\n");
            start = end;
        }
    }
}

impl fmt::Display for Command {
    /// The command as a human would type it (for error messages).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for i in 0..self.len() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(&String::from_utf8_lossy(self.get(i)))?;
        }
        Ok(())
    }
}

/// Decimal digits of an integer, on the stack.
struct Digits {
    buf: [u8; 21],
    start: usize,
}

impl Digits {
    fn new(value: i64) -> Digits {
        let mut digits = Digits::unsigned(value.unsigned_abs());
        if value < 0 {
            digits.start -= 1;
            digits.buf[digits.start] = b'-';
        }
        digits
    }

    fn unsigned(mut n: u64) -> Digits {
        let mut buf = [0u8; 21];
        let mut pos = buf.len();
        loop {
            pos -= 1;
            buf[pos] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        Digits { buf, start: pos }
    }

    fn as_bytes(&self) -> &[u8] {
        &self.buf[self.start..]
    }
}

/// Appends `n` in decimal without allocating.
pub fn push_decimal(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(Digits::unsigned(n).as_bytes());
}

/// Appends `n` in decimal without allocating.
pub fn push_int(out: &mut Vec<u8>, n: i64) {
    out.extend_from_slice(Digits::new(n).as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_a_command() {
        let mut cmd = Command::default();
        cmd.start("HSET").arg(b"k").arg(b"f").int(-42);
        let mut out = Vec::new();
        cmd.encode(&mut out);
        assert_eq!(
            out,
            b"*4\r\n$4\r\nHSET\r\n$1\r\nk\r\n$1\r\nf\r\n$3\r\n-42\r\n"
        );
        assert_eq!(cmd.key(), b"k");
        assert_eq!(cmd.to_string(), "HSET k f -42");
    }
}
