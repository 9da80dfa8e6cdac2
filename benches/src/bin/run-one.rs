//! Runs one benchmark operation a given number of times, for instruction counting under
//! `valgrind --tool=cachegrind` (`cargo xtask bench-instructions`), where wall-clock time on a
//! shared machine is too noisy to compare libraries.
//!
//! usage: run-one parse|encode dns-wire|hickory|domain FILE ITERATIONS
//!
//! (`parse dns-wire-model` reads dns-wire's owned `Message` instead of its in-place view.)
//!
//! FILE may be `ptr:N` or `chain:N` for the generated messages of the scaling benchmarks.
//!
//! The models for `encode` are built before the loop; the difference between two runs with
//! different ITERATIONS is the cost of the extra iterations alone.

use std::hint::black_box;
use std::process::ExitCode;

use dns_wire_benches::encode::{self, Models};
use dns_wire_benches::visit::{dns_wire_model_visit, dns_wire_visit, domain_visit, hickory_visit};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [op, lib, file, iterations] = args.as_slice() else {
        eprintln!("usage: run-one parse|encode dns-wire|hickory|domain FILE ITERATIONS");
        return ExitCode::from(2);
    };
    let generated = |prefix: &str| file.strip_prefix(prefix).and_then(|n| n.parse().ok());
    let read = if let Some(count) = generated("ptr:") {
        Ok(dns_wire_benches::generate::ptr_message(count))
    } else if let Some(chains) = generated("chain:") {
        Ok(dns_wire_benches::generate::chain_message(chains))
    } else {
        std::fs::read(file)
    };
    let bytes = match read {
        Ok(bytes) => bytes,
        Err(e) => {
            eprintln!("run-one: cannot read {file}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let Ok(iterations) = iterations.parse::<u32>() else {
        eprintln!("run-one: ITERATIONS must be a whole number");
        return ExitCode::from(2);
    };
    let mut sink = 0u64;
    match (op.as_str(), lib.as_str()) {
        ("parse", "dns-wire") => {
            for _ in 0..iterations {
                sink ^= dns_wire_visit::visit(black_box(&bytes)).unwrap().checksum;
            }
        }
        ("parse", "dns-wire-model") => {
            for _ in 0..iterations {
                sink ^= dns_wire_model_visit::visit(black_box(&bytes))
                    .unwrap()
                    .checksum;
            }
        }
        ("parse", "hickory") => {
            for _ in 0..iterations {
                sink ^= hickory_visit::visit(black_box(&bytes)).unwrap().checksum;
            }
        }
        ("parse", "domain") => {
            for _ in 0..iterations {
                sink ^= domain_visit::visit(black_box(&bytes)).unwrap().checksum;
            }
        }
        ("encode", lib) => {
            let models = Models::new(&bytes);
            for _ in 0..iterations {
                let out = match lib {
                    "dns-wire" => encode::dns_wire(black_box(&models.dns_wire)),
                    "hickory" => encode::hickory(black_box(&models.hickory)),
                    "domain" => encode::domain(black_box(&models.domain)),
                    other => {
                        eprintln!("run-one: unknown library {other}");
                        return ExitCode::from(2);
                    }
                };
                sink ^= out.len() as u64;
            }
        }
        _ => {
            eprintln!("run-one: unknown operation or library {op} {lib}");
            return ExitCode::from(2);
        }
    }
    black_box(sink);
    ExitCode::SUCCESS
}
