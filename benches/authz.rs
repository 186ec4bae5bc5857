//! The cost of one authorization decision: casbin's enforcer against the memoized
//! per-role table the server uses (`ventanas::auth::rbac::Authorizer`).
//!
//! `cargo bench --bench authz` measures; under `cargo test` it runs a few
//! iterations only, as a smoke test.

#![allow(clippy::too_many_lines)] // scenarios are spelt out in full

use std::hint::black_box;
use std::time::Instant;

use casbin::CoreApi;
use ventanas::auth::rbac::{enforcer, Authorizer, Permission, Role};

fn per_op(label: &str, iterations: u32, mut op: impl FnMut(u32) -> bool) {
    let start = Instant::now();
    let mut allowed = 0_u32;
    for i in 0..iterations {
        allowed += u32::from(op(i));
    }
    let nanos = start.elapsed().as_nanos() / u128::from(iterations);
    println!("{label:<40} {nanos:>8} ns/decision  ({allowed} of {iterations} allowed)");
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let iterations = if measuring { 200_000 } else { 1_000 };
    let casbin = enforcer().await.expect("casbin enforcer");
    let memo = Authorizer::load().await.expect("authorizer");
    let tenants: Vec<String> = (0..64).map(|_| uuid::Uuid::new_v4().to_string()).collect();
    let pick = |i: u32| {
        let role = Role::ALL[i as usize % Role::ALL.len()];
        let permission = Permission::ALL[(i as usize / 4) % Permission::ALL.len()];
        (role, permission)
    };

    per_op("casbin Enforcer::enforce", iterations, |i| {
        let (role, permission) = pick(i);
        let (obj, act) = permission.object_action();
        let tenant = tenants[i as usize % tenants.len()].as_str();
        casbin
            .enforce(black_box((role.as_str(), tenant, obj, act)))
            .unwrap_or(false)
    });
    per_op("memoized Authorizer::allows", iterations * 10, |i| {
        let (role, permission) = pick(i);
        memo.allows(black_box(role), black_box(permission))
    });
}
