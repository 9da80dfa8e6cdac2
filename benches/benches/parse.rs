//! Parse + read every field, the same bytes through dns-wire, hickory-proto and domain.
//!
//! One group, `parse`; ids are `<library>/<fixture>`, with all three libraries measured back to
//! back on each fixture so machine load drifts affect them alike (dns-wire twice: its in-place
//! view, `dns-wire`, and its owned model, `dns-wire-model`). Summarise with
//! `cargo xtask bench-table`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use dns_wire_benches::corpus;
use dns_wire_benches::visit::{dns_wire_model_visit, dns_wire_visit, domain_visit, hickory_visit};

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    for fixture in corpus() {
        let bytes = fixture.bytes.as_slice();
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_with_input(
            BenchmarkId::new("dns-wire", &fixture.name),
            bytes,
            |b, bytes| b.iter(|| dns_wire_visit::visit(black_box(bytes)).unwrap()),
        );
        group.bench_with_input(
            BenchmarkId::new("dns-wire-model", &fixture.name),
            bytes,
            |b, bytes| b.iter(|| dns_wire_model_visit::visit(black_box(bytes)).unwrap()),
        );
        group.bench_with_input(
            BenchmarkId::new("hickory", &fixture.name),
            bytes,
            |b, bytes| b.iter(|| hickory_visit::visit(black_box(bytes)).unwrap()),
        );
        group.bench_with_input(
            BenchmarkId::new("domain", &fixture.name),
            bytes,
            |b, bytes| b.iter(|| domain_visit::visit(black_box(bytes)).unwrap()),
        );
    }
    group.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
