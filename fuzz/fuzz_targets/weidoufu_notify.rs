#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| paywire_tests::fuzzing::weidoufu_notify(data));
