#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| paywire_tests::fuzzing::form_decode(data));
