//! The benches compare like with like: on the committed sample config the interpreter (whole
//! JSON or pruned JSON) gives the service's answer for every request, and the generator is
//! deterministic with the shape the scaled benches rely on.

use kraken_benches::pruned_json::prune_json;
use kraken_benches::{Interpreter, Shape, generate};
use testkit::{Declared, cases, repo_root};

fn read(name: &str) -> String {
    std::fs::read_to_string(repo_root().join("config").join(name)).unwrap()
}

#[test]
fn interpreter_and_pruned_json_match_the_service_on_the_sample_config() {
    let (exps, flags, edge) = (
        read("experiments.json"),
        read("site-features.json"),
        read("edge.json"),
    );
    let full = Interpreter::from_json(&exps, &flags, &edge).unwrap();
    let (pruned_exps, pruned_flags) = prune_json(&exps, &flags, &edge).unwrap();
    assert!(
        pruned_exps.len() * 10 < exps.len(),
        "pruning keeps {} bytes",
        pruned_exps.len()
    );
    let pruned = Interpreter::from_json(&pruned_exps, &pruned_flags, &edge).unwrap();
    let declared = Declared::read(&repo_root().join("config"));
    let mut with_experiments = 0;
    for (i, c) in cases(&declared, 4242, 3000, false).iter().enumerate() {
        let cookies = c.cookies();
        let input = c.input(&cookies);
        let service = kraken::assign(&kraken::CONFIG, &input, || c.minted);
        assert_eq!(
            full.assign(&input, || c.minted),
            service,
            "request {i}: {c:?}"
        );
        assert_eq!(
            pruned.assign(&input, || c.minted),
            service,
            "request {i}: {c:?}"
        );
        with_experiments += usize::from(service.key.contains("exp:"));
    }
    assert!(with_experiments > 1000, "{with_experiments}");
}

#[test]
fn generator_is_deterministic_and_pins_the_first_page_type() {
    let shape = Shape::scaled(300);
    let texts = generate(9, &shape);
    assert_eq!(texts, generate(9, &shape));
    assert_ne!(texts, generate(10, &shape));
    let compiled = codegen::compile(&codegen::Sources::from_texts(
        &texts.experiments,
        &texts.site_features,
        &texts.edge,
    ))
    .unwrap_or_else(|d| panic!("{d:?}"));
    let edge = &compiled.edge;
    assert_eq!(edge.experiments.len(), 300);
    let home = edge.page_types.iter().find(|p| p.name == "home").unwrap();
    assert_eq!(home.experiments.len(), 30);
    assert!(
        edge.page_types
            .iter()
            .all(|p| p.name == "home" || p.experiments.len() > 30)
    );
}
