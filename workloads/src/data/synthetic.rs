//! Seeded synthetic data sets.

use rand::seq::index;
use sim_core::rng::{stream, StreamKind};

use super::{standard_normal, Ratings};

/// A noisy low-rank rating matrix, deterministic for `seed`.
///
/// True factors `U` (`users × rank`) and `V` (`items × rank`) have independent N(0, 1/√rank) entries
/// (variance 1/√rank), so a true rating `U_u · V_i` has mean 0 and variance 1. Each user observes
/// `min(ratings_per_user, items)` distinct items chosen uniformly at random; the observed rating is
/// `U_u · V_i + noise_std · N(0, 1)`, stored as `f32`. Entries are ordered by user, then item.
///
/// Random streams (all `StreamKind::SyntheticData` of `seed`): index 0 draws `U` then `V` row-major,
/// index 1 the observed items user by user, index 2 the noise in entry order. The best achievable
/// mean squared error is therefore about `noise_std²`.
pub fn low_rank(users: u32, items: u32, rank: u32, ratings_per_user: u32, noise_std: f64, seed: u64) -> Ratings {
    let mut factor_rng = stream(seed, StreamKind::SyntheticData, 0);
    let sd = (rank.max(1) as f64).powf(-0.25);
    let (k, n_u, n_i) = (rank as usize, users as usize, items as usize);
    let u: Vec<f64> = (0..n_u * k).map(|_| sd * standard_normal(&mut factor_rng)).collect();
    let v: Vec<f64> = (0..n_i * k).map(|_| sd * standard_normal(&mut factor_rng)).collect();
    let mut pick_rng = stream(seed, StreamKind::SyntheticData, 1);
    let mut noise_rng = stream(seed, StreamKind::SyntheticData, 2);
    let per_user = (ratings_per_user as usize).min(n_i);
    let mut entries = Vec::with_capacity(n_u * per_user);
    for user in 0..n_u {
        let mut chosen = index::sample(&mut pick_rng, n_i, per_user).into_vec();
        chosen.sort_unstable();
        for item in chosen {
            let dot: f64 = (0..k).map(|j| u[user * k + j] * v[item * k + j]).sum();
            let r = dot + noise_std * standard_normal(&mut noise_rng);
            entries.push((user as u32, item as u32, r as f32));
        }
    }
    Ratings { users, items, entries }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_deterministic_and_shaped() {
        let a = low_rank(50, 40, 5, 10, 0.1, 7);
        let b = low_rank(50, 40, 5, 10, 0.1, 7);
        let c = low_rank(50, 40, 5, 10, 0.1, 8);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.entries.len(), 500);
        assert!(a.entries.windows(2).all(|w| (w[0].0, w[0].1) < (w[1].0, w[1].1)));
        let var = a.entries.iter().map(|e| (e.2 as f64).powi(2)).sum::<f64>() / 500.0;
        assert!(var > 0.5 && var < 2.0, "variance {var}");
        assert_eq!(low_rank(3, 4, 2, 10, 0.0, 1).entries.len(), 12);
    }
}
