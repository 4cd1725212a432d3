#![allow(clippy::print_stdout)]
//! Times BLS12-381 public-key validation (a measurement aid).
fn main() {
    let k = stakelint::model::PubKey::parse("0xaf51b856584c5e12a7ca95099fedae1e1959e1c4584d70a9556b705ff4a1db3c1c934770d47404e150afc349a49c4a27").unwrap();
    let n = 20_000;
    let t = std::time::Instant::now();
    for _ in 0..n {
        let _ = blst::min_pk::PublicKey::key_validate(&k.0);
    }
    println!("key_validate: {:?}/key", t.elapsed() / n);
    let t = std::time::Instant::now();
    for _ in 0..n {
        let _ = blst::min_pk::PublicKey::uncompress(&k.0);
    }
    println!("uncompress: {:?}/key", t.elapsed() / n);
    let t = std::time::Instant::now();
    for _ in 0..n {
        let _ = blst::min_pk::PublicKey::from_bytes(&k.0);
    }
    println!("from_bytes: {:?}/key", t.elapsed() / n);
}
