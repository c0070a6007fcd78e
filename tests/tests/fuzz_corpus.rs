//! Replays the committed fuzz corpus (`fuzz/corpus/<target>/`) through the same target
//! bodies the fuzzers run, on stable Rust, so a regression on any input the fuzzers
//! found interesting fails CI.

use paywire_tests::fuzzing::TARGETS;

#[test]
fn every_corpus_input_is_handled() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus");
    let mut replayed = 0;
    for (name, target) in TARGETS {
        let dir = root.join(name);
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let mut count = 0;
        for entry in entries {
            let path = entry.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| target(&data));
            assert!(outcome.is_ok(), "{name} panicked on {}", path.display());
            count += 1;
        }
        assert!(count > 0, "the {name} corpus is empty");
        replayed += count;
    }
    eprintln!("replayed {replayed} corpus inputs");
}
