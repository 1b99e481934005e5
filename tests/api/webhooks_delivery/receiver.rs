//! A webhook receiver on 127.0.0.1: a small HTTP/1.1 server that records each
//! request and answers as it is told, one answer per request in order (then
//! the last one again).

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How the receiver answers a request.
#[derive(Debug, Clone)]
pub enum Answer {
    /// This status and a short body.
    Status(u16),
    /// This status and this body.
    Body(u16, Vec<u8>),
    /// Nothing: the request is held until the sender goes away.
    Hold,
}

/// A request as it arrived.
#[derive(Debug, Clone)]
pub struct Seen {
    pub headers: BTreeMap<String, String>,
    pub body: String,
    pub at: Instant,
}

impl Seen {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("no {name} header in {:?}", self.headers))
    }
}

#[derive(Default)]
struct Shared {
    answers: VecDeque<Answer>,
    last: Option<Answer>,
    seen: Vec<Seen>,
}

/// The receiver; it stops when dropped.
pub struct Receiver {
    pub url: String,
    shared: Arc<Mutex<Shared>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Receiver {
    /// Answers `answers` in order, then the last of them again.
    pub async fn start(answers: &[Answer]) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks", listener.local_addr().unwrap());
        let shared = Arc::new(Mutex::new(Shared {
            answers: answers.iter().cloned().collect(),
            ..Default::default()
        }));
        let s = shared.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                tokio::spawn(serve(stream, s.clone()));
            }
        });
        Receiver { url, shared, task }
    }

    /// What arrived so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.shared.lock().unwrap().seen.clone()
    }

    /// Waits until `n` requests arrived (at most `secs` seconds).
    pub async fn wait_for(&self, n: usize, secs: u64) -> Vec<Seen> {
        let until = Instant::now() + std::time::Duration::from_secs(secs);
        loop {
            let seen = self.seen();
            if seen.len() >= n || Instant::now() > until {
                return seen;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
}

async fn serve(mut stream: TcpStream, shared: Arc<Mutex<Shared>>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        // The head.
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        let headers: BTreeMap<String, String> = head
            .lines()
            .skip(1)
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        let length: usize = headers
            .get("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        while buf.len() < head_end + length {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let body = String::from_utf8_lossy(&buf[head_end..head_end + length]).into_owned();
        buf.drain(..head_end + length);
        let answer = {
            let mut s = shared.lock().unwrap();
            s.seen.push(Seen {
                headers,
                body,
                at: Instant::now(),
            });
            let next = s.answers.pop_front().or_else(|| s.last.clone());
            s.last = next.clone();
            next.unwrap_or(Answer::Status(200))
        };
        let (status, body) = match answer {
            Answer::Status(status) => (status, b"ok".to_vec()),
            Answer::Body(status, body) => (status, body),
            Answer::Hold => {
                // Until the sender goes away.
                while let Ok(n) = stream.read(&mut chunk).await {
                    if n == 0 {
                        break;
                    }
                }
                return;
            }
        };
        let head = format!(
            "HTTP/1.1 {status} Answer\r\ncontent-type: text/plain\r\ncontent-length: {}\r\n\r\n",
            body.len()
        );
        if stream.write_all(head.as_bytes()).await.is_err()
            || stream.write_all(&body).await.is_err()
        {
            return;
        }
    }
}
