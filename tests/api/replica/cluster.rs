//! A real PostgreSQL primary and its streaming replica (`pg_basebackup -R`),
//! on free ports, in a directory of their own that is removed at the end.
//! Never the tests' shared server.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Where PostgreSQL's server programs are (`ONPACE_PG_BIN` to say otherwise).
fn bin_dir() -> PathBuf {
    std::env::var("ONPACE_PG_BIN")
        .unwrap_or_else(|_| "/usr/lib/postgresql/15/bin".into())
        .into()
}

/// Why the replica tests cannot run here, if they cannot.
pub fn missing() -> Option<String> {
    let dir = bin_dir();
    ["initdb", "pg_ctl", "pg_basebackup"]
        .iter()
        .find(|b| !dir.join(b).exists())
        .map(|b| format!("{} is missing", dir.join(b).display()))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

pub struct Cluster {
    dir: PathBuf,
    pub primary_port: u16,
    pub replica_port: u16,
    /// PostgreSQL's programs refuse to run as root: they run as `postgres`.
    as_postgres: bool,
}

impl Cluster {
    /// Starts a primary and a replica streaming from it.
    pub fn start() -> Self {
        let dir = std::env::temp_dir().join(format!("onpace-replica-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let c = Cluster {
            dir,
            primary_port: free_port(),
            replica_port: free_port(),
            as_postgres: is_root(),
        };
        if c.as_postgres {
            c.sh(Command::new("chown").arg("postgres").arg(&c.dir), false);
        }
        let primary = c.dir.join("primary");
        c.pg(
            "initdb",
            &[
                "-D",
                s(&primary),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        );
        append(
            &primary.join("postgresql.conf"),
            &format!(
                "port = {}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{}'\n\
                 wal_level = replica\nmax_wal_senders = 4\nhot_standby = on\nfsync = off\n\
                 full_page_writes = off\n",
                c.primary_port,
                c.dir.display()
            ),
        );
        c.ctl(&primary, "start");
        let replica = c.dir.join("replica");
        c.pg(
            "pg_basebackup",
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &c.primary_port.to_string(),
                "-U",
                "postgres",
                "-D",
                s(&replica),
                "-R",
                "-X",
                "stream",
                "--no-sync",
            ],
        );
        append(
            &replica.join("postgresql.conf"),
            &format!("port = {}\nhot_standby = on\n", c.replica_port),
        );
        c.ctl(&replica, "start");
        c
    }

    pub fn url(&self, port: u16, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{port}/{db}")
    }

    /// Stops the replica at once, as a crash would.
    pub fn stop_replica(&self) {
        self.pg(
            "pg_ctl",
            &[
                "-D",
                s(&self.dir.join("replica")),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
        );
    }

    fn ctl(&self, data: &Path, what: &str) {
        let log = data.with_extension("log");
        self.pg(
            "pg_ctl",
            &["-D", s(data), "-l", s(&log), "-w", "-t", "60", what],
        );
    }

    fn pg(&self, program: &str, args: &[&str]) {
        let path = bin_dir().join(program);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            Command::new(&path)
        };
        cmd.args(args).current_dir(&self.dir);
        self.sh(&mut cmd, true);
    }

    fn sh(&self, cmd: &mut Command, logs: bool) {
        let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
        if !out.status.success() {
            let mut why = format!(
                "{cmd:?} failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            if logs {
                for log in ["primary.log", "replica.log"] {
                    if let Ok(text) = std::fs::read_to_string(self.dir.join(log)) {
                        why.push_str(&format!("\n--- {log}\n{text}"));
                    }
                }
            }
            panic!("{why}");
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for data in ["replica", "primary"] {
            let data = self.dir.join(data);
            if data.join("postmaster.pid").exists() {
                let path = bin_dir().join("pg_ctl");
                let mut cmd = if self.as_postgres {
                    let mut c = Command::new("runuser");
                    c.args(["-u", "postgres", "--"]).arg(&path);
                    c
                } else {
                    Command::new(&path)
                };
                let _ = cmd
                    .args(["-D", s(&data), "-m", "immediate", "-w", "stop"])
                    .output();
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn s(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

fn append(file: &Path, text: &str) {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new().append(true).open(file).unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

/// Waits until `f` holds, for at most `limit`; how long it took.
pub async fn until(limit: Duration, what: &str, mut f: impl AsyncFnMut() -> bool) -> Duration {
    let started = Instant::now();
    loop {
        if f().await {
            return started.elapsed();
        }
        assert!(started.elapsed() < limit, "{what}: not within {limit:?}");
        actix_web::rt::time::sleep(Duration::from_millis(25)).await;
    }
}
