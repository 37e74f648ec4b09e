//! Tests of the RCPSP solver: known optima, brute force on small instances, the checker, and
//! properties of random instances.

use super::*;
use crate::random::Rng;
use proptest::prelude::*;

fn never() -> impl FnMut() -> bool {
    || false
}

/// Two parallel chains sharing one unit of a resource: the optimum serialises them.
fn tiny() -> Problem {
    // 0 source, 1..=4 real, 5 sink. 1 -> 2, 3 -> 4; 1 and 3 need the whole resource.
    Problem {
        durations: vec![0, 3, 2, 2, 4, 0],
        successors: vec![vec![1, 3], vec![2], vec![5], vec![4], vec![5], vec![]],
        demands: vec![vec![0], vec![2], vec![1], vec![2], vec![1], vec![0]],
        capacities: vec![2],
    }
}

#[test]
fn tiny_instance_reaches_its_known_optimum() {
    // Activities 1 and 3 each need the whole resource, so they run one after the other;
    // either order ends at 9 (3 first: 3, 1, then 2 beside 4; 1 first: 1, 3, then 2 beside
    // 4), while the resource bound is only 16 / 2 = 8.
    let problem = tiny();
    let options = Options {
        seed: 1,
        max_schedules: Some(2_000),
    };
    let solution = solve(&problem, &options, &mut never()).expect("valid");
    assert_eq!(check(&problem, &solution.starts), Ok(solution.makespan));
    assert_eq!(solution.makespan, 9);
    assert_eq!(solution.lower_bound, 8);
    assert_eq!(brute_force(&problem), 9);
}

/// The optimum by enumerating every precedence-feasible list through the serial SGS (which
/// reaches an optimal schedule for some list, Kolisch 1996).
fn brute_force(problem: &Problem) -> u32 {
    let precedence = Precedence::new(problem.successors.clone()).expect("acyclic");
    let mut decoder = SgsDecoder::new(problem, &precedence);
    decoder.justify = false;
    let mut best = u32::MAX;
    let mut list = Vec::new();
    let mut waiting: Vec<usize> = (0..precedence.len())
        .map(|i| precedence.predecessors(i).len())
        .collect();
    enumerate(
        &precedence,
        &mut decoder,
        &mut list,
        &mut waiting,
        &mut best,
    );
    best
}

fn enumerate(
    precedence: &Precedence,
    decoder: &mut SgsDecoder,
    list: &mut Vec<usize>,
    waiting: &mut Vec<usize>,
    best: &mut u32,
) {
    if list.len() == precedence.len() {
        *best = (*best).min(decoder.decode(list).objective as u32);
        return;
    }
    for i in 0..precedence.len() {
        if waiting[i] == 0 && !list.contains(&i) {
            list.push(i);
            for &j in precedence.successors(i) {
                waiting[j] -= 1;
            }
            enumerate(precedence, decoder, list, waiting, best);
            for &j in precedence.successors(i) {
                waiting[j] += 1;
            }
            list.pop();
        }
    }
}

#[test]
fn checker_finds_precedence_and_capacity_violations() {
    let problem = tiny();
    assert!(matches!(
        check(&problem, &[0, 0, 2, 3, 5, 9]),
        Err(Violation::Precedence {
            activity: 1,
            successor: 2,
            ..
        })
    ));
    assert!(matches!(
        check(&problem, &[0, 0, 3, 0, 5, 9]),
        Err(Violation::Capacity {
            resource: 0,
            period: 0,
            ..
        })
    ));
    assert_eq!(check(&problem, &[0, 2, 5, 0, 5, 9]), Ok(9));
    assert!(matches!(
        check(&problem, &[0]),
        Err(Violation::Length { .. })
    ));
}

#[test]
fn invalid_problems_are_errors_not_panics() {
    let mut cyclic = tiny();
    cyclic.successors[4].push(3);
    assert!(matches!(
        solve(&cyclic, &Options::default(), &mut never()),
        Err(ProblemError::Cycle { .. })
    ));
    let mut too_big = tiny();
    too_big.demands[2][0] = 3;
    assert!(matches!(
        solve(&too_big, &Options::default(), &mut never()),
        Err(ProblemError::OverCapacity { activity: 2, .. })
    ));
    let mut unknown = tiny();
    unknown.successors[0].push(17);
    assert!(solve(&unknown, &Options::default(), &mut never()).is_err());
    let empty = Problem::default();
    let solution = solve(&empty, &Options::default(), &mut never()).expect("empty is fine");
    assert_eq!(solution.makespan, 0);
}

fn random_problem(seed: u64, n: usize, resources: usize) -> Problem {
    let mut rng = Rng::new(seed);
    let capacities: Vec<u32> = (0..resources).map(|_| 1 + rng.below(6) as u32).collect();
    let durations: Vec<u32> = (0..n).map(|_| rng.below(6) as u32).collect();
    let demands = (0..n)
        .map(|_| {
            capacities
                .iter()
                .map(|&c| rng.below(c as usize + 1) as u32)
                .collect()
        })
        .collect();
    let successors = (0..n)
        .map(|i| {
            (i + 1..n)
                .filter(|_| rng.below(4) == 0)
                .collect::<Vec<usize>>()
        })
        .collect();
    Problem {
        durations,
        successors,
        demands,
        capacities,
    }
}

#[test]
fn same_seed_and_budget_give_the_same_schedule() {
    let problem = random_problem(7, 30, 3);
    let options = Options {
        seed: 42,
        max_schedules: Some(3000),
    };
    let first = solve(&problem, &options, &mut never()).expect("valid");
    let second = solve(&problem, &options, &mut never()).expect("valid");
    assert_eq!(first, second);
    assert!(first.schedules <= 3000 + 40);
    assert_eq!(check(&problem, &first.starts), Ok(first.makespan));
}

#[test]
fn stop_ends_the_search() {
    let problem = random_problem(3, 40, 2);
    let mut polls = 0;
    let mut stop = || {
        polls += 1;
        polls > 2
    };
    let solution = solve(&problem, &Options::default(), &mut stop).expect("valid");
    assert!(polls <= 3 || solution.makespan == solution.lower_bound);
    assert_eq!(check(&problem, &solution.starts), Ok(solution.makespan));
}

#[test]
fn rng_is_reproducible_and_in_range() {
    let mut a = Rng::new(0);
    let mut b = Rng::new(0);
    for _ in 0..100 {
        let x = a.below(7);
        assert_eq!(x, b.below(7));
        assert!(x < 7);
        let u = a.unit();
        assert_eq!(u, b.unit());
        assert!((0.0..1.0).contains(&u));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn every_schedule_is_feasible_and_no_shorter_than_the_bounds(
        seed in 0u64..10_000, n in 1usize..14, resources in 0usize..4
    ) {
        let problem = random_problem(seed, n, resources);
        let options = Options { seed, max_schedules: Some(400) };
        let solution = solve(&problem, &options, &mut never()).expect("valid");
        prop_assert_eq!(check(&problem, &solution.starts), Ok(solution.makespan));
        prop_assert!(solution.makespan >= critical_path_bound(&problem));
        prop_assert!(solution.makespan >= lower_bound(&problem));
        if n <= 7 {
            prop_assert_eq!(solution.makespan, brute_force(&problem));
        }
    }

    #[test]
    fn justification_never_lengthens_a_schedule(seed in 0u64..10_000, n in 2usize..25) {
        let problem = random_problem(seed, n, 2);
        let precedence = Precedence::new(problem.successors.clone()).expect("acyclic");
        let mut rng = Rng::new(seed);
        let list = precedence.sample_list(&vec![0; n], &mut rng, false);
        let mut plain = SgsDecoder::new(&problem, &precedence);
        plain.justify = false;
        let before = plain.decode(&list);
        let mut justified = SgsDecoder::new(&problem, &precedence);
        let after = justified.decode(&list);
        prop_assert!(after.objective <= before.objective);
        let starts: Vec<u32> = after.starts.iter().map(|&s| s as u32).collect();
        prop_assert_eq!(check(&problem, &starts), Ok(after.objective as u32));
    }
}
