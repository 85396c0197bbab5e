//! The Viceroy profile (`scripts/profile`): serves the generated build and the JSON-per-request
//! builds side by side, sends each the same fixed requests (taking turns by batches, so machine
//! noise hits all alike, with the builds not in turn paused), and prints in-main percentiles
//! (`Server-Timing`), client-observed percentiles, wasm sizes, and the in-main p95 ratio, failing
//! when it falls below the committed floor.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use testkit::{Rng, viceroy};

const USAGE: &str = "usage: kraken-profile --generated WASM --json WASM [--json-pruned WASM]
                      [--requests N] [--floor RATIO | --floor-file FILE] [--fastly-toml FILE]
                      [--timeout SECONDS] [--any-keys]

  --generated    the service as shipped (generated tables)
  --json         the same service parsing the embedded platform JSON on every request
  --json-pruned  the same with the JSON pruned first (optional)
  --requests     requests per build (default 2000), after 20 warm-up requests; builds
                 take turns by batches of 50
  --floor        fail when json p95 / generated p95 (in main) is below RATIO
  --floor-file   read RATIO from FILE (first line that is not a # comment)
  --timeout      stop everything after SECONDS (default 900)
  --any-keys     do not require the builds to agree on keys (to compare other wasm)";

const WARM_UP: usize = 20;
/// Requests a build gets in a row before the next build's turn.
const BATCH: usize = 50;

struct Build {
    name: &'static str,
    what: &'static str,
    wasm: PathBuf,
}

/// Kills every Viceroy it holds when dropped, however the profile ends.
#[derive(Clone, Default)]
struct Servers(Arc<Mutex<Vec<Child>>>);

impl Servers {
    fn stop(&self) {
        let mut children = self.0.lock().unwrap_or_else(|e| e.into_inner());
        for child in children.iter_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
        children.clear();
    }

    /// Lets only server `running` run and pauses the others (SIGSTOP). Every Viceroy wakes its
    /// epoch thread every 50 µs, busy or not; on two cores the idle servers' wake-ups would
    /// land in the measured build's tail.
    fn only(&self, running: usize) -> Result<(), String> {
        let children = self.0.lock().unwrap_or_else(|e| e.into_inner());
        for (i, child) in children.iter().enumerate() {
            let signal = if i == running { "-CONT" } else { "-STOP" };
            let status = Command::new("kill")
                .arg(signal)
                .arg(child.id().to_string())
                .status()
                .map_err(|e| format!("kill {signal}: {e}"))?;
            if !status.success() {
                return Err(format!("kill {signal} {}: {status}", child.id()));
            }
        }
        Ok(())
    }
}

impl Drop for Servers {
    fn drop(&mut self) {
        // Every handle stops them all: the watchdog's copy outlives the profile in a sleeping
        // thread, so counting handles would leave the servers running.
        self.stop();
    }
}

struct Options {
    builds: Vec<Build>,
    requests: usize,
    floor: Option<f64>,
    fastly_toml: PathBuf,
    timeout: Duration,
    check_keys: bool,
}

fn main() -> ExitCode {
    let options = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match profile(&options) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn parse_args() -> Result<Options, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut options = Options {
        builds: Vec::new(),
        requests: 2000,
        floor: None,
        fastly_toml: root.join("kraken/fastly.toml"),
        timeout: Duration::from_secs(900),
        check_keys: true,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "-h" || arg == "--help" {
            println!("{USAGE}");
            std::process::exit(0);
        }
        if arg == "--any-keys" {
            options.check_keys = false;
            continue;
        }
        let value = args.next().ok_or(format!("{arg} needs a value"))?;
        let number = |v: &str| {
            v.trim()
                .parse::<f64>()
                .map_err(|e| format!("{arg} {v}: {e}"))
        };
        match arg.as_str() {
            "--generated" => options.builds.push(Build {
                name: "kraken",
                what: "generated tables (as shipped)",
                wasm: value.into(),
            }),
            "--json-pruned" => options.builds.push(Build {
                name: "kraken-json-pruned",
                what: "pruned JSON parsed per request",
                wasm: value.into(),
            }),
            "--json" => options.builds.push(Build {
                name: "kraken-json",
                what: "whole platform JSON parsed per request",
                wasm: value.into(),
            }),
            "--requests" => {
                options.requests = value.parse().map_err(|e| format!("--requests: {e}"))?
            }
            "--floor" => options.floor = Some(number(&value)?),
            "--floor-file" => {
                let text = std::fs::read_to_string(&value).map_err(|e| format!("{value}: {e}"))?;
                let line = text
                    .lines()
                    .map(str::trim)
                    .find(|l| !l.is_empty() && !l.starts_with('#'))
                    .ok_or(format!("{value}: no ratio in it"))?;
                options.floor = Some(number(line)?);
            }
            "--fastly-toml" => options.fastly_toml = value.into(),
            "--timeout" => options.timeout = Duration::from_secs_f64(number(&value)?),
            _ => return Err(format!("unknown option {arg}")),
        }
    }
    for needed in ["kraken", "kraken-json"] {
        if !options.builds.iter().any(|b| b.name == needed) {
            return Err(format!("the {needed} build is missing"));
        }
    }
    if options.requests == 0 {
        return Err("--requests must be at least 1".into());
    }
    Ok(options)
}

/// One answer, as the client saw it.
struct Answer {
    client: Duration,
    /// `Server-Timing: kraken;dur=<ms>`: from the start of `main` to the response.
    in_main_ms: f64,
    key: String,
    minted: bool,
}

fn profile(options: &Options) -> Result<bool, String> {
    let servers = Servers::default();
    // A hard bound on the whole run: a hung server must not hang CI.
    let watchdog = servers.clone();
    let timeout = options.timeout;
    std::thread::spawn(move || {
        std::thread::sleep(timeout);
        eprintln!("error: profile still running after {timeout:?}; stopping");
        watchdog.stop();
        std::process::exit(1);
    });

    let mut addrs = Vec::new();
    for build in &options.builds {
        addrs.push(start(&servers, build, &options.fastly_toml)?);
    }
    for (build, &addr) in options.builds.iter().zip(&addrs) {
        viceroy::wait_listening(addr, Duration::from_secs(120))
            .map_err(|e| format!("{}: {e}", build.name))?;
    }
    let requests = requests(options.requests);
    for (b, (build, &addr)) in options.builds.iter().zip(&addrs).enumerate() {
        servers.only(b)?;
        for (i, request) in requests.iter().take(WARM_UP).enumerate() {
            send(addr, request).map_err(|e| format!("{}: warm-up {i}: {e}", build.name))?;
        }
    }
    let mut answers: Vec<Vec<Answer>> = options.builds.iter().map(|_| Vec::new()).collect();
    // Builds take turns by batches: noise over time hits all alike, while each build runs as it
    // would in service, not right after another build's megabytes of JSON evicted its caches.
    // Only the build in turn runs; the others are paused.
    for (batch, chunk) in requests.chunks(BATCH).enumerate() {
        for (b, &addr) in addrs.iter().enumerate() {
            servers.only(b)?;
            for (j, request) in chunk.iter().enumerate() {
                let i = batch * BATCH + j;
                let answer = send(addr, request)
                    .map_err(|e| format!("{}: request {i}: {e}", options.builds[b].name))?;
                answers[b].push(answer);
            }
        }
    }
    // Same visitor, same config: every build must give the same key.
    for i in 0..requests.len() {
        if !options.check_keys || answers[0][i].minted {
            continue;
        }
        // The JSON baselines know SPEC §1–§5 only: the compiled GrowthBook items (SPEC §6) are
        // left out of the comparison (their agreement with GrowthBook's SDK is proven elsewhere).
        let platform = |key: &str| -> String {
            key.split(';')
                .filter(|i| !kraken::GROWTHBOOK.items.contains(i))
                .collect::<Vec<_>>()
                .join(";")
        };
        if answers
            .iter()
            .any(|a| platform(&a[i].key) != platform(&answers[0][i].key))
        {
            let keys: Vec<String> = options
                .builds
                .iter()
                .zip(&answers)
                .map(|(b, a)| format!("  {}: {}", b.name, a[i].key))
                .collect();
            return Err(format!(
                "request {i} got different keys:\n{}",
                keys.join("\n")
            ));
        }
    }
    servers.stop();
    Ok(report(options, &answers))
}

fn start(servers: &Servers, build: &Build, fastly_toml: &Path) -> Result<SocketAddr, String> {
    let size = std::fs::metadata(&build.wasm).map_err(|e| {
        format!(
            "{}: {e} (build it first: scripts/profile)",
            build.wasm.display()
        )
    })?;
    if size.len() == 0 {
        return Err(format!("{} is empty", build.wasm.display()));
    }
    let (child, addr) = viceroy::spawn(&build.wasm, fastly_toml)?;
    servers
        .0
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(child);
    Ok(addr)
}

/// A fixed, deterministic mix: returning and new visitors, every page type and one the edge
/// does not serve, decorated hosts, and now and then QA overrides.
fn requests(n: usize) -> Vec<Vec<u8>> {
    let mut rng = Rng::new(7676);
    let pages = ["home", "destination", "hotel", "deals", "landing"];
    let hosts = [
        "www.example.ie",
        "example.com",
        "staging.example.de:443",
        "www.example.fr",
        "example.co.uk",
        "other.example.org",
    ];
    (0..n)
        .map(|i| {
            let query = if rng.chance(10) {
                "?variants=search-sort:b,hero-banner-v2:control&flags=new-nav:on"
            } else {
                ""
            };
            let mut r = format!(
                "GET /{query} HTTP/1.1\r\nHost: {}\r\nKraken-Page-Type: {}\r\n",
                rng.pick(&hosts),
                rng.pick(&pages)
            );
            if !rng.chance(20) {
                r.push_str(&format!(
                    "Cookie: _ga=GA1.2.{i}; kraken_uid=visitor-{i:06}\r\n"
                ));
            }
            r.push_str("Connection: close\r\n\r\n");
            r.into_bytes()
        })
        .collect()
}

fn send(addr: SocketAddr, request: &[u8]) -> Result<Answer, String> {
    let answer = viceroy::send(addr, request, Duration::from_secs(30))?;
    if answer.status != 200 {
        return Err(format!("answered {}", answer.status));
    }
    let timing = answer.header("server-timing").ok_or("no Server-Timing")?;
    let in_main_ms = timing
        .strip_prefix("kraken;dur=")
        .and_then(|ms| ms.parse().ok())
        .ok_or(format!("bad Server-Timing {timing:?}"))?;
    Ok(Answer {
        client: answer.elapsed,
        in_main_ms,
        key: answer
            .header("kraken-assignments")
            .unwrap_or_default()
            .to_owned(),
        minted: answer.header("kraken-set-cookie").is_some(),
    })
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn show_ms(ms: f64) -> String {
    if ms < 1.0 {
        format!("{:.0} µs", ms * 1000.0)
    } else {
        format!("{ms:.2} ms")
    }
}

/// Prints the table and the ratio; false when the ratio is below the floor.
fn report(options: &Options, answers: &[Vec<Answer>]) -> bool {
    println!(
        "Viceroy profile: {} requests per build after {WARM_UP} warm-up, builds taking turns \
         by {BATCH}; in-main = Server-Timing (start of main to response), client = connect to \
         last byte.\n",
        options.requests
    );
    println!(
        "| build | what | wasm size | in-main p50 | in-main p95 | in-main p99 | client p50 | client p95 |"
    );
    println!("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    let mut p95 = Vec::new();
    let mut p50 = Vec::new();
    for (build, answers) in options.builds.iter().zip(answers) {
        let mut main: Vec<f64> = answers.iter().map(|a| a.in_main_ms).collect();
        let mut client: Vec<f64> = answers
            .iter()
            .map(|a| a.client.as_secs_f64() * 1e3)
            .collect();
        main.sort_by(f64::total_cmp);
        client.sort_by(f64::total_cmp);
        let size = std::fs::metadata(&build.wasm).map_or(0, |m| m.len());
        println!(
            "| {} | {} | {:.1} KB ({size} B) | {} | {} | {} | {} | {} |",
            build.name,
            build.what,
            size as f64 / 1000.0,
            show_ms(percentile(&main, 50.0)),
            show_ms(percentile(&main, 95.0)),
            show_ms(percentile(&main, 99.0)),
            show_ms(percentile(&client, 50.0)),
            show_ms(percentile(&client, 95.0)),
        );
        p95.push((build.name, percentile(&main, 95.0)));
        p50.push((build.name, percentile(&main, 50.0)));
    }
    let of = |list: &[(&str, f64)], name: &str| {
        list.iter()
            .find(|(n, _)| *n == name)
            .map_or(f64::NAN, |(_, v)| *v)
    };
    // Server-Timing has microsecond resolution: never divide by less than one microsecond.
    let ratio = |list: &[(&str, f64)], over: &str| of(list, over) / of(list, "kraken").max(0.001);
    let ratio_p95 = ratio(&p95, "kraken-json");
    println!();
    println!(
        "in-main p95 ratio, kraken-json / kraken: {ratio_p95:.0}x (p50: {:.0}x)",
        ratio(&p50, "kraken-json")
    );
    if options
        .builds
        .iter()
        .any(|b| b.name == "kraken-json-pruned")
    {
        println!(
            "in-main p95 ratio, kraken-json-pruned / kraken: {:.0}x (p50: {:.0}x)",
            ratio(&p95, "kraken-json-pruned"),
            ratio(&p50, "kraken-json-pruned")
        );
    }
    match options.floor {
        Some(floor) if ratio_p95 < floor || ratio_p95.is_nan() => {
            println!("FAIL: the ratio {ratio_p95:.0}x is below the committed floor {floor}x");
            false
        }
        Some(floor) => {
            println!("ok: the ratio {ratio_p95:.0}x is above the committed floor {floor}x");
            true
        }
        None => true,
    }
}
