//! `cargo bench -p kraken-benches --bench growthbook`: the sample's GrowthBook features (SPEC §6)
//! on each page type, compiled (what ships) against GrowthBook's Rust SDK (`growthbook-rust`
//! 0.4.0) evaluating the same listed features: a warm instance (payload parsed once), and one
//! built from the payload per request (what a fresh Compute instance would pay).

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use growthbook_rust::client::GrowthBookClientBuilder;
use growthbook_rust::dto::GrowthBookResponse;
use growthbook_rust::model_public::GrowthBookAttribute;
use kraken::RequestInput;
use kraken::growthbook_assign::EdgeRequest;
use serde_json::{Value, json};
use std::hint::black_box;
use std::time::Duration;

const PAYLOAD: &str = include_str!("../../config/growthbook.json");
const EDGE: &str = include_str!("../../config/edge.json");
const COOKIE: &[u8] = b"_ga=GA1.2.3; kraken_uid=3f2b9c0e7d6a4b1c8e5f0a2d9c7b6e41; consent=1";
const HOST: &[u8] = b"www.example.com";
const TARGET: &[u8] = b"/hotel/123?utm_source=newsletter";

fn attributes(page: &str) -> Value {
    json!({
        "id": "3f2b9c0e7d6a4b1c8e5f0a2d9c7b6e41",
        "host": "www.example.com",
        "path": "/hotel/123",
        "query": "?utm_source=newsletter",
        "url": "https://www.example.com/hotel/123?utm_source=newsletter",
        "pageType": page,
        "country": "DE",
        "deviceType": "mobile",
    })
}

fn bench(c: &mut Criterion) {
    let edge: Value = serde_json::from_str(EDGE).expect("edge.json");
    let listed: Vec<String> = edge["growthbook"]["features"]
        .as_array()
        .expect("listed features")
        .iter()
        .map(|f| f.as_str().expect("key").to_owned())
        .collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let build = |bytes: &[u8]| {
        let response: GrowthBookResponse = serde_json::from_slice(bytes).expect("payload");
        runtime
            .block_on(
                GrowthBookClientBuilder::new()
                    .features(response.features.unwrap_or_default())
                    .saved_groups(response.saved_groups.unwrap_or(Value::Null))
                    .build(),
            )
            .expect("offline client")
    };
    let warm = build(PAYLOAD.as_bytes());
    let gb = warm.gb.read().expect("lock").clone();

    let mut group = c.benchmark_group("growthbook");
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(2));
    for page in ["home", "destination", "hotel", "deals"] {
        let cookies = [COOKIE];
        let input = RequestInput {
            cookies: &cookies,
            host: Some(b"kraken.edgecompute.app"),
            kraken_host: Some(HOST),
            page_type: Some(page.as_bytes()),
            query: kraken::request::query_of(TARGET),
        };
        let request = EdgeRequest {
            target: Some(TARGET),
            country: Some(b"DE"),
            device: Some(b"mobile"),
        };
        group.bench_with_input(BenchmarkId::new("compiled", page), &input, |b, input| {
            b.iter(|| {
                let mut key = kraken::InlineKey::<{ kraken::generated::KEY_CAPACITY }>::default();
                kraken::growthbook_assign::assign_into(
                    &kraken::CONFIG,
                    &kraken::GROWTHBOOK,
                    black_box(input),
                    black_box(&request),
                    || [0; 16],
                    &mut key,
                );
                black_box(key.as_bytes().len())
            })
        });
        let attrs = Some(GrowthBookAttribute::from(attributes(page)).expect("attributes"));
        group.bench_with_input(BenchmarkId::new("sdk-warm", page), &attrs, |b, attrs| {
            b.iter(|| {
                for key in &listed {
                    black_box(gb.check(black_box(key), black_box(attrs)));
                }
            })
        });
        group.bench_with_input(
            BenchmarkId::new("sdk-per-request", page),
            &attrs,
            |b, attrs| {
                b.iter(|| {
                    let client = build(black_box(PAYLOAD.as_bytes()));
                    let gb = client.gb.read().expect("lock");
                    for key in &listed {
                        black_box(gb.check(black_box(key), black_box(attrs)));
                    }
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
