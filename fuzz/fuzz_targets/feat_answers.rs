#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| paywire_tests::fuzzing::feat_answers(data));
