//! Who plays which role in a sketch: drawn at random among the players who are connected.

use rand::Rng;
use rand::seq::SliceRandom;

/// Pairs each role with a distinct player, at random. With fewer players than roles the last
/// roles stay unfilled. `players` is sorted first so that a seeded `rng` always gives the same draw.
pub fn assign_roles<R: Rng>(roles: &[String], players: &[u32], rng: &mut R) -> Vec<(String, u32)> {
    let mut pool = players.to_vec();
    pool.sort_unstable();
    pool.dedup();
    pool.shuffle(rng);
    roles.iter().cloned().zip(pool).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    fn roles(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("r{i}")).collect()
    }

    #[test]
    fn distinct_players_and_seeded_draws_repeat() {
        let players: Vec<u32> = (1..=10).collect();
        let a = assign_roles(&roles(3), &players, &mut StdRng::seed_from_u64(7));
        let b = assign_roles(&roles(3), &players.iter().rev().copied().collect::<Vec<_>>(), &mut StdRng::seed_from_u64(7));
        assert_eq!(a, b);
    }

    proptest::proptest! {
        /// Whatever the list (duplicates included), every drawn player is a different one of
        /// them, and as many roles are filled as there are roles or distinct players.
        #[test]
        fn each_role_goes_to_a_different_player_of_the_list(
            players in proptest::collection::vec(0u32..20, 0..30),
            n in 0usize..6,
            seed in proptest::prelude::any::<u64>(),
        ) {
            let drawn = assign_roles(&roles(n), &players, &mut StdRng::seed_from_u64(seed));
            let who: std::collections::HashSet<u32> = drawn.iter().map(|(_, p)| *p).collect();
            let distinct: std::collections::HashSet<u32> = players.iter().copied().collect();
            proptest::prop_assert_eq!(who.len(), drawn.len(), "a player drawn twice: {:?}", drawn);
            proptest::prop_assert_eq!(drawn.len(), n.min(distinct.len()));
            proptest::prop_assert!(who.is_subset(&distinct));
        }
    }

    #[test]
    fn every_player_gets_drawn_sometimes() {
        let players: Vec<u32> = (1..=5).collect();
        let mut rng = StdRng::seed_from_u64(1);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..200 {
            for (_, p) in assign_roles(&roles(2), &players, &mut rng) {
                seen.insert(p);
            }
        }
        assert_eq!(seen.len(), 5);
    }

    #[test]
    fn too_few_players_leaves_roles_open() {
        let a = assign_roles(&roles(3), &[4], &mut StdRng::seed_from_u64(0));
        assert_eq!(a, vec![("r0".to_owned(), 4)]);
        assert!(assign_roles(&roles(2), &[], &mut StdRng::seed_from_u64(0)).is_empty());
    }
}
