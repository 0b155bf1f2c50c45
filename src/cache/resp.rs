//! The Redis wire protocol (RESP2), both ways.
//!
//! seedkit encodes every command itself, once, into a byte buffer: the same
//! bytes go to a socket or, with `warm --resp FILE`, to a file that
//! `redis-cli --pipe` can replay, so the file is exactly what would have been
//! sent. Replies are parsed incrementally: the bulk path only needs to know
//! where a reply ends and whether it is an error ([`reply_end`]); the control
//! path (INFO, CLUSTER SLOTS, SCAN) builds a [`Reply`] tree ([`parse_reply`]).

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

/// Builds a one-off command from string arguments (control commands).
pub fn command(args: &[&str]) -> Command {
    let mut cmd = Command::default();
    cmd.start(args[0]);
    for arg in &args[1..] {
        cmd.arg(arg.as_bytes());
    }
    cmd
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

/// A parsed reply (control path only).
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    Status(String),
    Error(String),
    Int(i64),
    Bulk(Vec<u8>),
    Nil,
    Array(Vec<Reply>),
}

impl Reply {
    pub fn as_text(&self) -> Option<String> {
        match self {
            Reply::Status(s) => Some(s.clone()),
            Reply::Bulk(b) => Some(String::from_utf8_lossy(b).into_owned()),
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            Reply::Int(n) => Some(*n),
            Reply::Bulk(b) => std::str::from_utf8(b).ok()?.parse().ok(),
            _ => None,
        }
    }
}

/// The server sent bytes that are not RESP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtocolError(pub String);

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unexpected bytes from the server: {}", self.0)
    }
}

/// Where a reply starting at `buf[0]` ends, and whether it is an error.
/// `Ok(None)` means more bytes are needed.
pub fn reply_end(buf: &[u8]) -> Result<Option<(usize, bool)>, ProtocolError> {
    let Some(&kind) = buf.first() else {
        return Ok(None);
    };
    let Some(line_end) = find_crlf(buf) else {
        return Ok(None);
    };
    let after_line = line_end + 2;
    match kind {
        b'+' | b':' => Ok(Some((after_line, false))),
        b'-' => Ok(Some((after_line, true))),
        b'$' => {
            let len = parse_len(&buf[1..line_end])?;
            if len < 0 {
                return Ok(Some((after_line, false)));
            }
            let end = after_line + len as usize + 2;
            Ok((buf.len() >= end).then_some((end, false)))
        }
        b'*' => {
            let count = parse_len(&buf[1..line_end])?;
            let mut pos = after_line;
            for _ in 0..count.max(0) {
                match reply_end(&buf[pos..])? {
                    Some((len, _)) => pos += len,
                    None => return Ok(None),
                }
            }
            Ok(Some((pos, false)))
        }
        other => Err(ProtocolError(format!(
            "reply type byte {:?}",
            char::from(other)
        ))),
    }
}

/// Parses one complete reply at the start of `buf`; `Ok(None)` if incomplete.
pub fn parse_reply(buf: &[u8]) -> Result<Option<(Reply, usize)>, ProtocolError> {
    let Some(&kind) = buf.first() else {
        return Ok(None);
    };
    let Some(line_end) = find_crlf(buf) else {
        return Ok(None);
    };
    let line = &buf[1..line_end];
    let after_line = line_end + 2;
    let text = || String::from_utf8_lossy(line).into_owned();
    match kind {
        b'+' => Ok(Some((Reply::Status(text()), after_line))),
        b'-' => Ok(Some((Reply::Error(text()), after_line))),
        b':' => {
            let n = parse_len(line)?;
            Ok(Some((Reply::Int(n), after_line)))
        }
        b'$' => {
            let len = parse_len(line)?;
            if len < 0 {
                return Ok(Some((Reply::Nil, after_line)));
            }
            let end = after_line + len as usize;
            if buf.len() < end + 2 {
                return Ok(None);
            }
            Ok(Some((Reply::Bulk(buf[after_line..end].to_vec()), end + 2)))
        }
        b'*' => {
            let count = parse_len(line)?;
            if count < 0 {
                return Ok(Some((Reply::Nil, after_line)));
            }
            let mut items = Vec::with_capacity(count as usize);
            let mut pos = after_line;
            for _ in 0..count {
                match parse_reply(&buf[pos..])? {
                    Some((item, len)) => {
                        items.push(item);
                        pos += len;
                    }
                    None => return Ok(None),
                }
            }
            Ok(Some((Reply::Array(items), pos)))
        }
        other => Err(ProtocolError(format!(
            "reply type byte {:?}",
            char::from(other)
        ))),
    }
}

fn find_crlf(buf: &[u8]) -> Option<usize> {
    buf.windows(2).position(|w| w == b"\r\n")
}

fn parse_len(digits: &[u8]) -> Result<i64, ProtocolError> {
    std::str::from_utf8(digits)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| ProtocolError(format!("bad length {:?}", String::from_utf8_lossy(digits))))
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

    #[test]
    fn finds_reply_ends_across_partial_reads() {
        let buf = b"+OK\r\n:12\r\n$3\r\nabc\r\n*2\r\n$1\r\na\r\n:1\r\n-ERR no\r\n";
        let mut pos = 0;
        let mut errors = 0;
        let mut count = 0;
        while let Some((len, is_error)) = reply_end(&buf[pos..]).unwrap() {
            pos += len;
            count += 1;
            errors += usize::from(is_error);
        }
        assert_eq!((count, errors, pos), (5, 1, buf.len()));
        assert_eq!(reply_end(b"$3\r\nab").unwrap(), None);
        assert_eq!(reply_end(b"*2\r\n:1\r\n").unwrap(), None);
    }

    #[test]
    fn parses_nested_replies() {
        let (reply, len) = parse_reply(b"*2\r\n$1\r\n0\r\n*1\r\n$3\r\nkey\r\n")
            .unwrap()
            .unwrap();
        assert_eq!(len, 24);
        assert_eq!(
            reply,
            Reply::Array(vec![
                Reply::Bulk(b"0".to_vec()),
                Reply::Array(vec![Reply::Bulk(b"key".to_vec())])
            ])
        );
    }
}
