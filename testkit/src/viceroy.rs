//! Viceroy (Fastly's local Compute runtime) serving a wasm on a free loopback port, and the raw
//! HTTP/1.1 exchange the tests and the profile send it.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Starts `viceroy serve` on `wasm` with `fastly_toml`, on a free port; returns at once (see
/// [`wait_listening`]). The caller owns the child and must kill it.
pub fn spawn(wasm: &Path, fastly_toml: &Path) -> Result<(Child, SocketAddr), String> {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("no free port: {e}"))?
        .port();
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let child = Command::new("viceroy")
        .arg("serve")
        .arg("-C")
        .arg(fastly_toml)
        .arg("--addr")
        .arg(addr.to_string())
        .arg(wasm)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("viceroy: {e} (scripts/setup serve installs it)"))?;
    Ok((child, addr))
}

/// Waits until something listens on `addr`, for at most `timeout`.
pub fn wait_listening(addr: SocketAddr, timeout: Duration) -> Result<(), String> {
    let deadline = Instant::now() + timeout;
    while TcpStream::connect(addr).is_err() {
        if Instant::now() > deadline {
            return Err(format!("viceroy never listened on {addr}"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}

/// One Viceroy, listening, killed when dropped however the test ends.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
}

impl Server {
    /// Serves `wasm` and waits (up to a minute) until it listens; panics otherwise.
    pub fn start(wasm: &Path, fastly_toml: &Path) -> Self {
        let (child, addr) = spawn(wasm, fastly_toml).unwrap_or_else(|e| panic!("{e}"));
        let server = Self { child, addr };
        wait_listening(addr, Duration::from_secs(60)).unwrap_or_else(|e| panic!("{e}"));
        server
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An answer's head, as the client saw it.
#[derive(Debug, Clone)]
pub struct Answer {
    /// `0` when the status line does not parse.
    pub status: u16,
    /// In order, values trimmed.
    pub headers: Vec<(String, String)>,
    /// From connect to the last byte.
    pub elapsed: Duration,
}

impl Answer {
    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Sends `request` (raw bytes, ending the head with `Connection: close`) and reads the answer.
pub fn send(addr: SocketAddr, request: &[u8], timeout: Duration) -> Result<Answer, String> {
    let started = Instant::now();
    let mut stream = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    stream.write_all(request).map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).map_err(|e| e.to_string())?;
    let elapsed = started.elapsed();
    let text = String::from_utf8_lossy(&raw);
    let head = text.split("\r\n\r\n").next().unwrap_or_default();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.to_owned(), v.trim().to_owned()))
        .collect();
    Ok(Answer {
        status,
        headers,
        elapsed,
    })
}
