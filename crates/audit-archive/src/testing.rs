//! A throwaway PostgreSQL cluster for tests, benchmarks and demos: `initdb` in a temporary
//! folder, started on a free loopback port (as the unprivileged `postgres` user when run as
//! root, since PostgreSQL refuses to run as root), stopped and removed when dropped. Never the
//! system's own cluster.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A running throwaway cluster.
#[derive(Debug)]
pub struct Cluster {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
    as_postgres: bool,
}

/// The folder of PostgreSQL's server programs: `$PG_BIN`, or the newest Debian
/// `/usr/lib/postgresql/N/bin`, or `pg_config --bindir`.
fn bin_dir() -> Result<PathBuf, String> {
    if let Ok(dir) = std::env::var("PG_BIN") {
        return Ok(PathBuf::from(dir));
    }
    let mut debian: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|p| p.join("initdb").exists())
        .collect();
    debian.sort_by_key(|p| {
        p.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    if let Some(newest) = debian.pop() {
        return Ok(newest);
    }
    let out = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .map_err(|_| {
            "PostgreSQL's server programs are not installed (apt-get install postgresql)"
                .to_string()
        })?;
    Ok(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

/// A new, empty folder of its own in the temporary folder. Created exclusively: two clusters
/// started in the same instant by one process (tests run in parallel) once got the same name
/// from the process id and the time, and the second's `initdb` found the first's files.
fn fresh_folder() -> Result<std::path::PathBuf, String> {
    let stamp = format!(
        "audit-archive-pg-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    );
    for n in 0..1000 {
        let base = std::env::temp_dir().join(format!("{stamp}-{n}"));
        match std::fs::create_dir(&base) {
            Ok(()) => return Ok(base),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(format!("{}: {e}", base.display())),
        }
    }
    Err(format!("no free folder named {stamp}-N"))
}

impl Cluster {
    /// Creates and starts a cluster (about 2 s).
    pub fn start() -> Result<Self, String> {
        let bin = bin_dir()?;
        let base = fresh_folder()?;
        let dir = base.join("pg");
        std::fs::create_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let as_postgres = is_root();
        if as_postgres {
            for (path, mode) in [(&base, "755"), (&dir, "700")] {
                run(Command::new("chmod").arg(mode).arg(path))?;
            }
            run(Command::new("chown").arg("postgres:postgres").arg(&dir))?;
        }
        let cluster = Self {
            dir,
            bin,
            port: free_port()?,
            as_postgres,
        };
        cluster.pg(
            "initdb",
            &[
                "-D",
                &cluster.data(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C",
            ],
        )?;
        cluster.up()?;
        Ok(cluster)
    }

    fn data(&self) -> String {
        self.dir.display().to_string()
    }

    fn pg(&self, program: &str, args: &[&str]) -> Result<(), String> {
        let exe = self.bin.join(program);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        run(cmd.args(args))
    }

    /// Starts the (stopped) cluster again.
    pub fn up(&self) -> Result<(), String> {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off",
            self.port,
            self.data()
        );
        let log = self.dir.join("log").display().to_string();
        self.pg(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-l",
                &log,
                "-o",
                &options,
                "-w",
                "start",
            ],
        )
    }

    /// Stops the cluster as a crash would (`-m immediate`): no shutdown checkpoint.
    pub fn crash(&self) -> Result<(), String> {
        self.pg(
            "pg_ctl",
            &["-D", &self.data(), "-m", "immediate", "-w", "stop"],
        )
    }

    /// The URL of its `postgres` database.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// A fresh database in the cluster, and its URL.
    pub fn database(&self, name: &str) -> Result<String, String> {
        let psql = self.bin.join("psql");
        run(Command::new(psql).args([
            "-q",
            "-h",
            "127.0.0.1",
            "-p",
            &self.port.to_string(),
            "-U",
            "postgres",
            "-c",
            &format!("CREATE DATABASE \"{name}\""),
        ]))?;
        Ok(format!(
            "postgres://postgres@127.0.0.1:{}/{name}",
            self.port
        ))
    }

    /// The folder the cluster lives in.
    pub fn path(&self) -> &Path {
        &self.dir
    }
}

fn run(cmd: &mut Command) -> Result<(), String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{cmd:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{cmd:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.pg(
            "pg_ctl",
            &["-D", &self.data(), "-m", "immediate", "-w", "stop"],
        );
        if let Some(base) = self.dir.parent() {
            let _ = std::fs::remove_dir_all(base);
        }
    }
}

/// Serves `archive` on a free loopback port until the process ends, as `audit-archive --listen`
/// does with `config` (its edge: limits, timeouts, CORS; no TLS): Basic auth with the account
/// key `key` and secret `secret`, `rules` announced. Returns its URL, which its links name.
pub async fn serve_on_loopback(
    config: crate::config::Config,
    archive: crate::store::Archive,
    (key, secret): (&str, &str),
    rules: Vec<audit_model::archive::RuleInfo>,
) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let url = format!("http://{}", listener.local_addr().expect("its address"));
    let account = crate::config::AccountCredentials {
        key: key.into(),
        secret: secret.into(),
    };
    let app = crate::serve::app(&config, archive, &account, None, rules, url.clone());
    tokio::spawn(async move {
        audit_edge::serve(
            listener,
            app,
            &config.edge,
            None,
            std::future::pending(),
            config.request_timeout(),
        )
        .await;
    });
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_asked_for_at_once_from_many_threads_are_all_different() {
        let folders: Vec<_> = (0..8)
            .map(|_| std::thread::spawn(fresh_folder))
            .map(|t| t.join().expect("thread").expect("a folder"))
            .collect();
        let distinct: std::collections::HashSet<_> = folders.iter().collect();
        assert_eq!(distinct.len(), folders.len(), "{folders:?}");
        for f in &folders {
            assert!(f.is_dir());
            std::fs::remove_dir(f).expect("empty, and ours");
        }
    }
}
