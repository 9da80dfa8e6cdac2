//! `cargo xtask bench`: run the criterion benches and print dns-wire, hickory-proto and domain
//! side by side from criterion's own estimates (`target/criterion/<group>/<library>/<id>/new/
//! estimates.json`, the median point estimate).

use std::path::Path;

use crate::{cargo, root, run_command};

/// The libraries, in table order; the first is the one the ratios are relative to.
const LIBRARIES: [&str; 3] = ["dns-wire", "hickory", "domain"];
/// Criterion groups written by benches/benches/{parse,encode}.rs.
const GROUPS: [(&str, &str); 4] = [
    ("parse", "parse + visit every field (ns per message)"),
    ("encode", "encode with compression (ns per message)"),
    (
        "encode_ptr_scaling",
        "encode N PTR records (ns per message; linear if ns/record stays flat)",
    ),
    (
        "encode_chain_scaling",
        "encode N pathological owners, chains of 120 (linear if ns/record stays flat)",
    ),
];

/// `cargo xtask bench [--quick] [-- CRITERION_ARGS...]`
pub fn run(args: &[String]) -> Result<(), String> {
    let (ours, extra) = match args.iter().position(|a| a == "--") {
        Some(i) => (&args[..i], &args[i + 1..]),
        None => (args, &[][..]),
    };
    let mut criterion_args: Vec<String> = Vec::new();
    for arg in ours {
        match arg.as_str() {
            "--quick" => criterion_args
                .extend(["--warm-up-time", "1", "--measurement-time", "2"].map(String::from)),
            other => return Err(format!("unexpected argument {other:?}")),
        }
    }
    criterion_args.extend(extra.iter().cloned());
    run_command(
        cargo()
            .args([
                "bench",
                "-p",
                "dns-wire-benches",
                "--bench",
                "parse",
                "--bench",
                "encode",
            ])
            .arg("--")
            .args(&criterion_args),
    )?;
    table()
}

/// Median estimate in nanoseconds, if criterion wrote one.
fn median_ns(dir: &Path) -> Option<f64> {
    let text = std::fs::read_to_string(dir.join("new/estimates.json")).ok()?;
    let after = &text[text.find("\"median\"")?..];
    let after = &after[after.find("\"point_estimate\":")? + "\"point_estimate\":".len()..];
    let end = after.find([',', '}'])?;
    after[..end].trim().parse().ok()
}

fn geometric_mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    (values.iter().map(|v| v.ln()).sum::<f64>() / values.len() as f64).exp()
}

/// Benchmark ids (fixtures) present for a group, sorted (numerically when they are numbers).
fn ids(group_dir: &Path) -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_dir(group_dir.join(LIBRARIES[0]))
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.path().join("new/estimates.json").exists())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    ids.sort_by(|a, b| match (a.parse::<u64>(), b.parse::<u64>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        _ => a.cmp(b),
    });
    ids
}

/// Prints the side-by-side table of the last run as Markdown.
pub fn table() -> Result<(), String> {
    let criterion = root().join("target/criterion");
    if !criterion.exists() {
        return Err("no target/criterion yet: run `cargo xtask bench` first".into());
    }
    for (group, title) in GROUPS {
        let group_dir = criterion.join(group);
        let ids = ids(&group_dir);
        if ids.is_empty() {
            continue;
        }
        println!("\n### {group}: {title}\n");
        println!(
            "| message | octets | dns-wire | hickory | domain | hickory / dns-wire | domain / dns-wire |"
        );
        println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        let mut ratios: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
        let mut times: [Vec<f64>; 3] = [Vec::new(), Vec::new(), Vec::new()];
        for id in &ids {
            let ns: Vec<Option<f64>> = LIBRARIES
                .iter()
                .map(|lib| median_ns(&group_dir.join(lib).join(id)))
                .collect();
            let octets = std::fs::metadata(root().join("benches/data").join(format!("{id}.bin")))
                .map(|m| m.len().to_string())
                .unwrap_or_else(|_| "-".into());
            let cell = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.0}"));
            let ratio = |other: Option<f64>| match (other, ns[0]) {
                (Some(o), Some(ours)) if ours > 0.0 => Some(o / ours),
                _ => None,
            };
            let r = [ratio(ns[1]), ratio(ns[2])];
            for (i, value) in r.iter().enumerate() {
                if let Some(v) = value {
                    ratios[i].push(*v);
                }
            }
            for (i, value) in ns.iter().enumerate() {
                if let Some(v) = value {
                    times[i].push(*v);
                }
            }
            let rcell = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.2}x"));
            println!(
                "| {id} | {octets} | {} | {} | {} | {} | {} |",
                cell(ns[0]),
                cell(ns[1]),
                cell(ns[2]),
                rcell(r[0]),
                rcell(r[1])
            );
        }
        println!(
            "| **geometric mean** | | {:.0} | {:.0} | {:.0} | **{:.2}x** | **{:.2}x** |",
            geometric_mean(&times[0]),
            geometric_mean(&times[1]),
            geometric_mean(&times[2]),
            geometric_mean(&ratios[0]),
            geometric_mean(&ratios[1])
        );
        if group.ends_with("_scaling") {
            println!("\nns per record:\n");
            println!("| records | dns-wire | hickory | domain |");
            println!("| ---: | ---: | ---: | ---: |");
            for id in &ids {
                let n: f64 = id.parse().unwrap_or(f64::NAN);
                let per = |lib: &str| {
                    median_ns(&group_dir.join(lib).join(id))
                        .map_or("-".to_string(), |v| format!("{:.1}", v / n))
                };
                println!(
                    "| {id} | {} | {} | {} |",
                    per("dns-wire"),
                    per("hickory"),
                    per("domain")
                );
            }
        }
    }
    println!("\n(ratios above 1.00x mean dns-wire is faster; criterion median estimates)");
    Ok(())
}

/// Instructions per operation for one (op, library, input), measured with cachegrind as the
/// difference between runs of `HIGH` and `LOW` iterations (so setup and model building cancel).
fn instructions(binary: &Path, op: &str, lib: &str, input: &str) -> Result<f64, String> {
    const LOW: u64 = 4;
    const HIGH: u64 = 24;
    let count = |iterations: u64| -> Result<u64, String> {
        let out = std::process::Command::new("valgrind")
            .args([
                "--tool=cachegrind",
                "--cache-sim=no",
                "--cachegrind-out-file=/dev/null",
            ])
            .arg(binary)
            .args([op, lib, input, &iterations.to_string()])
            .output()
            .map_err(|e| format!("cannot run valgrind (apt-get install valgrind): {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "run-one {op} {lib} {input} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        stderr
            .lines()
            .find_map(|l| {
                l.split_once("I   refs:")
                    .or_else(|| l.split_once("I refs:"))
            })
            .and_then(|(_, n)| n.trim().replace(',', "").parse().ok())
            .ok_or_else(|| format!("no instruction count in cachegrind output:\n{stderr}"))
    };
    let (low, high) = (count(LOW)?, count(HIGH)?);
    Ok(high.saturating_sub(low) as f64 / (HIGH - LOW) as f64)
}

/// `cargo xtask bench-instructions`: instructions per message for every fixture, operation and
/// library, counted by cachegrind (deterministic, unlike wall-clock time on a shared machine).
pub fn instruction_table() -> Result<(), String> {
    // The profiling profile: release code with debug info, so cg_annotate can name functions.
    run_command(cargo().args([
        "build",
        "--profile",
        "profiling",
        "-p",
        "dns-wire-benches",
        "--bin",
        "run-one",
    ]))?;
    let binary = root().join("target/profiling/run-one");
    let data = root().join("benches/data");
    let mut fixtures: Vec<String> = std::fs::read_dir(&data)
        .map_err(|e| format!("{}: {e}", data.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "bin"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    fixtures.sort();
    for op in ["parse", "encode"] {
        println!("\n### {op}: instructions per message (cachegrind)\n");
        println!(
            "| message | dns-wire | hickory | domain | hickory / dns-wire | domain / dns-wire |"
        );
        println!("| --- | ---: | ---: | ---: | ---: | ---: |");
        let mut ratios: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
        let rows: Vec<(String, String)> = fixtures
            .iter()
            .map(|f| {
                (
                    f.clone(),
                    data.join(format!("{f}.bin")).display().to_string(),
                )
            })
            .collect();
        // dns-wire's owned model (`Message::from_bytes`), read the same way, for parse.
        let mut models = Vec::new();
        for (label, input) in rows {
            let mut counts = [0f64; 3];
            for (i, lib) in LIBRARIES.iter().enumerate() {
                counts[i] = instructions(&binary, op, lib, &input)?;
            }
            if op == "parse" {
                let model = instructions(&binary, op, "dns-wire-model", &input)?;
                models.push((label.clone(), model, counts));
            }
            let r = [counts[1] / counts[0], counts[2] / counts[0]];
            if !label.contains("scaling") {
                ratios[0].push(r[0]);
                ratios[1].push(r[1]);
            }
            println!(
                "| {label} | {:.0} | {:.0} | {:.0} | {:.2}x | {:.2}x |",
                counts[0], counts[1], counts[2], r[0], r[1]
            );
        }
        println!(
            "| **geometric mean (corpus)** | | | | **{:.2}x** | **{:.2}x** |",
            geometric_mean(&ratios[0]),
            geometric_mean(&ratios[1])
        );
        if !models.is_empty() {
            println!("\n### parse into dns-wire's owned model (`Message::from_bytes`)\n");
            println!(
                "| message | dns-wire model | dns-wire view | hickory / model | domain / model |"
            );
            println!("| --- | ---: | ---: | ---: | ---: |");
            let mut model_ratios: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
            for (label, model, counts) in models {
                let r = [counts[1] / model, counts[2] / model];
                model_ratios[0].push(r[0]);
                model_ratios[1].push(r[1]);
                println!(
                    "| {label} | {model:.0} | {:.0} | {:.2}x | {:.2}x |",
                    counts[0], r[0], r[1]
                );
            }
            println!(
                "| **geometric mean (corpus)** | | | **{:.2}x** | **{:.2}x** |",
                geometric_mean(&model_ratios[0]),
                geometric_mean(&model_ratios[1])
            );
        }
    }
    // Linearity: instructions per record as the message grows.
    println!("\n### encode scaling: instructions per record (cachegrind)\n");
    println!("| message | records | dns-wire | hickory | domain |");
    println!("| --- | ---: | ---: | ---: | ---: |");
    let shapes = [250, 500, 1000, 2000]
        .map(|n| ("PTR records", n, format!("ptr:{n}")))
        .into_iter()
        .chain([1, 2, 4].map(|c| ("pathological chains", c * 120, format!("chain:{c}"))));
    for (shape, records, input) in shapes {
        let mut cells = Vec::new();
        for lib in LIBRARIES {
            let per_record = instructions(&binary, "encode", lib, &input)? / records as f64;
            cells.push(format!("{per_record:.0}"));
        }
        println!("| {shape} | {records} | {} |", cells.join(" | "));
    }
    Ok(())
}
