//! Encoding with name compression, each library from its own model of the same message.
//!
//! Group `encode`: every corpus fixture. Group `encode_ptr_scaling`: N distinct PTR records
//! (the CVE-2024-8508 shape) for growing N, to see whether the cost per record stays flat.
//! Group `encode_chain_scaling`: the pathological shape (owners one label longer each time,
//! chains of 120) with 1, 2 and 4 chains, for the same question.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use dns_wire_benches::encode::{self, Models};
use dns_wire_benches::{corpus, generate};

fn bench_models(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    id: &str,
    models: &Models,
) {
    group.bench_with_input(BenchmarkId::new("dns-wire", id), models, |b, m| {
        b.iter(|| encode::dns_wire(black_box(&m.dns_wire)))
    });
    group.bench_with_input(BenchmarkId::new("hickory", id), models, |b, m| {
        b.iter(|| encode::hickory(black_box(&m.hickory)))
    });
    group.bench_with_input(BenchmarkId::new("domain", id), models, |b, m| {
        b.iter(|| encode::domain(black_box(&m.domain)))
    });
}

fn encode_corpus(c: &mut Criterion) {
    let mut group = c.benchmark_group("encode");
    for fixture in corpus() {
        let models = Models::new(&fixture.bytes);
        group.throughput(Throughput::Bytes(fixture.bytes.len() as u64));
        bench_models(&mut group, &fixture.name, &models);
    }
    group.finish();
}

fn encode_ptr_scaling(c: &mut Criterion) {
    let mut group = c.benchmark_group("encode_ptr_scaling");
    for count in [250usize, 500, 1000, 2000] {
        let models = Models::new(&generate::ptr_message(count));
        group.throughput(Throughput::Elements(count as u64));
        bench_models(&mut group, &count.to_string(), &models);
    }
    group.finish();
}

fn encode_chain_scaling(c: &mut Criterion) {
    let mut group = c.benchmark_group("encode_chain_scaling");
    for chains in [1usize, 2, 4] {
        let models = Models::new(&generate::chain_message(chains));
        group.throughput(Throughput::Elements(chains as u64 * 120));
        bench_models(&mut group, &(chains * 120).to_string(), &models);
    }
    group.finish();
}

criterion_group!(
    benches,
    encode_corpus,
    encode_ptr_scaling,
    encode_chain_scaling
);
criterion_main!(benches);
