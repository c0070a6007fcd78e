//! Shared by the benchmarks' summaries: contenders timed in interleaved rounds, so a
//! change in the machine's speed during the run (shared cores, frequency) reaches every
//! contender alike.

use std::time::Instant;

/// Best-of-`rounds` microseconds per call of each contender, `batch` calls per round.
pub fn best_micros(rounds: usize, batch: u32, fs: &mut [&mut dyn FnMut()]) -> Vec<f64> {
    let mut best = vec![f64::INFINITY; fs.len()];
    for _ in 0..rounds {
        for (f, best) in fs.iter_mut().zip(&mut best) {
            let start = Instant::now();
            for _ in 0..batch {
                f();
            }
            *best = best.min(start.elapsed().as_secs_f64() * 1e6 / f64::from(batch));
        }
    }
    best
}
