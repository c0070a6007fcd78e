fn main() {
    use paywire::PayRequest;
    let r = paywire_providers::swiftpass::sample();
    let key = paywire::Secret::new("61307e5f2aebcacecbcca6fe5296df9c");
    let mut n = 0;
    for _ in 0..20000 {
        n += r.to_body(&key).unwrap().as_bytes().len();
    }
    println!("{n}");
}
