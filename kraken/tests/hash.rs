//! XXH3-64 and buckets against vectors computed by a second implementation (Python's `xxhash`):
//! see `tests/reference/vectors.py`, which writes `hash_vectors.rs`.

include!("../../tests/reference/hash_vectors.rs");

#[test]
fn xxh3_and_buckets_match_python_xxhash() {
    assert!(HASH_VECTORS.len() >= 20);
    for &(input, hash, bucket) in HASH_VECTORS {
        assert_eq!(
            xxhash_rust::xxh3::xxh3_64(input.as_bytes()),
            hash,
            "xxh3_64({input:?})"
        );
        // bucket(prefix, unit) hashes prefix + unit: split anywhere, same answer.
        let split = input
            .char_indices()
            .nth(input.chars().count() / 2)
            .map_or(0, |(i, _)| i);
        assert_eq!(
            kraken::bucket(&input[..split], &input.as_bytes()[split..]),
            bucket,
            "bucket({input:?})"
        );
    }
}

#[test]
fn long_prefixes_hash_the_same_as_short_ones() {
    // Prefix + unit beyond the 256-byte stack buffer takes the allocating path.
    let prefix = "s".repeat(300) + ":";
    let unit = b"unit-1";
    let expected =
        (xxhash_rust::xxh3::xxh3_64(&[prefix.as_bytes(), unit].concat()) % 10_000) as u16;
    assert_eq!(kraken::bucket(&prefix, unit), expected);
}
