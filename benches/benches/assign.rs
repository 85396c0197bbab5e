//! `cargo bench`: the story in numbers, natively, same config and same request for every stage.
//!
//! - `seed/*`: the sample config (`config/`): the generated tables (what ships), and the
//!   "before" stages: parse the whole platform JSON then evaluate, parse the pruned JSON then
//!   evaluate, and evaluate already-parsed JSON (the interpreter's floor).
//! - `scale/<n>/*`: generated configs with `n` relevant experiments (`build.rs`): `home` always
//!   holds 30 of them, `hotel` about `n / 5`. The generated path should cost the same on `home`
//!   at every scale (it only touches the request's page type); the JSON paths grow with `n`.
//! - `codegen/10000`: compiling the 10,000-experiment config (validate, prune, emit, format).
//!
//! The last two need `--features scale` (`cargo bench -p kraken-benches --features scale`): their
//! configs are generated and compiled only then.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use kraken::RequestInput;
use kraken::model::Config;
use kraken_benches::Interpreter;
use kraken_benches::pruned_json::prune_json;
use std::hint::black_box;
use std::time::Duration;

/// What the generated code of the scaled configs refers to as `crate::model`.
#[cfg(feature = "scale")]
mod model {
    pub use kraken::model::*;
}

#[cfg(feature = "scale")]
macro_rules! scaled {
    ($($module:ident = $dir:literal),* $(,)?) => {
        $(
            #[allow(clippy::all, dead_code)]
            mod $module {
                include!(concat!(env!("OUT_DIR"), "/", $dir, "/config.rs"));
                pub const EXPERIMENTS_JSON: &str =
                    include_str!(concat!(env!("OUT_DIR"), "/", $dir, "/experiments.json"));
                pub const SITE_FEATURES_JSON: &str =
                    include_str!(concat!(env!("OUT_DIR"), "/", $dir, "/site-features.json"));
                pub const EDGE_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/", $dir, "/edge.json"));
            }
        )*
    };
}

#[cfg(feature = "scale")]
scaled!(
    scale_300 = "scale_300",
    scale_1000 = "scale_1000",
    scale_10000 = "scale_10000"
);

const SEED_EXPERIMENTS: &str = include_str!("../../config/experiments.json");
const SEED_SITE_FEATURES: &str = include_str!("../../config/site-features.json");
const SEED_EDGE: &str = include_str!("../../config/edge.json");

/// A returning visitor (valid cookie, so nothing is minted) on a decorated host, no overrides:
/// the request the edge sees most.
const COOKIE: &[u8] = b"_ga=GA1.2.3; kraken_uid=3f2b9c0e7d6a4b1c8e5f0a2d9c7b6e41; consent=1";

fn request<'a>(cookies: &'a [&'a [u8]], host: &'a [u8], page: &'a [u8]) -> RequestInput<'a> {
    RequestInput {
        cookies,
        host: Some(host),
        kraken_host: None,
        page_type: Some(page),
        query: None,
    }
}

fn random() -> [u8; 16] {
    [7; 16]
}

/// Every stage of the story on one config and one request.
fn stages(
    c: &mut Criterion,
    group: &str,
    config: &'static Config,
    texts: (&str, &str, &str),
    pages: &[&[u8]],
    host: &[u8],
) {
    let (exps, flags, edge) = texts;
    let (pruned_exps, pruned_flags) = prune_json(exps, flags, edge).expect("config prunes");
    let parsed = Interpreter::from_json(exps, flags, edge).expect("config parses");
    let cookies = [COOKIE];
    let mut g = c.benchmark_group(group);
    if exps.len() > 1_000_000 {
        // Parsing megabytes takes tens of milliseconds: fewer samples keep the run short.
        g.sample_size(10);
    }
    for page in pages {
        let name = String::from_utf8_lossy(page);
        let input = request(&cookies, host, page);
        // The generated path and the interpreter must agree, or the numbers compare nothing.
        assert_eq!(
            kraken::assign(config, &input, random),
            parsed.assign(&input, random),
            "{group}/{name}"
        );
        // As the service runs it: the key built on the stack.
        g.bench_with_input(BenchmarkId::new("generated", &name), &input, |b, input| {
            b.iter(|| {
                let mut key = kraken::InlineKey::<512>::default();
                kraken::assign_into(config, black_box(input), random, &mut key);
                black_box(key)
            });
        });
        g.bench_with_input(BenchmarkId::new("json_eval", &name), &input, |b, input| {
            b.iter(|| parsed.assign(black_box(input), random));
        });
        g.bench_with_input(
            BenchmarkId::new("json_pruned", &name),
            &input,
            |b, input| {
                b.iter(|| {
                    let interpreter =
                        Interpreter::from_json(black_box(&pruned_exps), &pruned_flags, edge)
                            .unwrap();
                    interpreter.assign(black_box(input), random)
                });
            },
        );
        g.bench_with_input(BenchmarkId::new("json_full", &name), &input, |b, input| {
            b.iter(|| {
                let interpreter = Interpreter::from_json(black_box(exps), flags, edge).unwrap();
                interpreter.assign(black_box(input), random)
            });
        });
    }
    g.finish();
}

fn seed(c: &mut Criterion) {
    let texts = (SEED_EXPERIMENTS, SEED_SITE_FEATURES, SEED_EDGE);
    stages(
        c,
        "seed",
        &kraken::CONFIG,
        texts,
        &[b"home", b"hotel"],
        b"www.example.ie",
    );

    // Many different requests (overrides, minted ids, odd hosts): the average per request.
    let requests = mixed_requests();
    let mut g = c.benchmark_group("seed_mixed");
    g.throughput(Throughput::Elements(requests.len() as u64));
    g.bench_function("generated", |b| {
        b.iter(|| {
            for r in &requests {
                let cookies = [r.cookie.as_slice()];
                let mut key = kraken::InlineKey::<512>::default();
                kraken::assign_into(&kraken::CONFIG, &r.input(&cookies), random, &mut key);
                black_box(key);
            }
        });
    });
    g.finish();
}

#[cfg(feature = "scale")]
fn scale(c: &mut Criterion) {
    let pages: &[&[u8]] = &[b"home", b"hotel"];
    let host = b"www.example.com";
    use scale_300 as s300;
    use scale_1000 as s1k;
    use scale_10000 as s10k;
    let texts = |e, f, g| (e, f, g);
    stages(
        c,
        "scale/300",
        &s300::CONFIG,
        texts(
            s300::EXPERIMENTS_JSON,
            s300::SITE_FEATURES_JSON,
            s300::EDGE_JSON,
        ),
        pages,
        host,
    );
    stages(
        c,
        "scale/1000",
        &s1k::CONFIG,
        texts(
            s1k::EXPERIMENTS_JSON,
            s1k::SITE_FEATURES_JSON,
            s1k::EDGE_JSON,
        ),
        pages,
        host,
    );
    stages(
        c,
        "scale/10000",
        &s10k::CONFIG,
        texts(
            s10k::EXPERIMENTS_JSON,
            s10k::SITE_FEATURES_JSON,
            s10k::EDGE_JSON,
        ),
        pages,
        host,
    );
}

#[cfg(feature = "scale")]
fn codegen_10k(c: &mut Criterion) {
    let sources = codegen::Sources::from_texts(
        scale_10000::EXPERIMENTS_JSON,
        scale_10000::SITE_FEATURES_JSON,
        scale_10000::EDGE_JSON,
    );
    let mut g = c.benchmark_group("codegen");
    g.sample_size(10);
    g.bench_function("10000", |b| {
        b.iter(|| codegen::compile(black_box(&sources)).expect("compiles"));
    });
    g.finish();
}

/// An owned request, so a list of them can be replayed.
struct Owned {
    cookie: Vec<u8>,
    host: Vec<u8>,
    page: Vec<u8>,
    query: Option<Vec<u8>>,
}

impl Owned {
    fn input<'a>(&'a self, cookies: &'a [&'a [u8]]) -> RequestInput<'a> {
        RequestInput {
            cookies,
            host: Some(&self.host),
            kraken_host: None,
            page_type: Some(&self.page),
            query: self.query.as_deref(),
        }
    }
}

fn mixed_requests() -> Vec<Owned> {
    let mut rng = testkit::Rng::new(42);
    let pages: &[&[u8]] = &[b"home", b"hotel", b"destination", b"deals", b"landing"];
    let hosts: &[&[u8]] = &[
        b"www.example.ie",
        b"example.com",
        b"staging.example.de:443",
        b"other.org",
    ];
    (0..256)
        .map(|i| Owned {
            cookie: if rng.chance(20) {
                Vec::new()
            } else {
                format!("kraken_uid=visitor-{i}-{}", rng.next_u64()).into_bytes()
            },
            host: rng.pick(hosts).to_vec(),
            page: rng.pick(pages).to_vec(),
            query: rng
                .chance(10)
                .then(|| b"variants=search-sort:b&flags=new-nav:on,dark-mode:auto".to_vec()),
        })
        .collect()
}

fn criterion() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! {
    name = seed_benches;
    config = criterion();
    targets = seed
}
#[cfg(feature = "scale")]
criterion_group! {
    name = scale_benches;
    config = criterion();
    targets = scale, codegen_10k
}
#[cfg(not(feature = "scale"))]
criterion_main!(seed_benches);
#[cfg(feature = "scale")]
criterion_main!(seed_benches, scale_benches);
