//! Store micro-benchmarks: append to the commit log, dispatch to consume queues, and read
//! back through a queue, with the store on a temp dir (ASYNC_FLUSH, so the disk is not timed).
//!
//! Run with: `cargo bench -p rocketmq-broker-server --bench store`

use std::net::SocketAddr;
use std::time::Duration;

use broker_server::store::{MessageStore, PutMessage, StoreConfig};
use bytes::Bytes;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

fn message(body: &Bytes, queue_id: i32) -> PutMessage {
    let host: SocketAddr = "127.0.0.1:10911".parse().expect("addr");
    PutMessage {
        topic: "BenchmarkTest".into(),
        queue_id,
        flag: 0,
        sys_flag: 0,
        born_timestamp: 1_700_000_000_000,
        born_host: host,
        store_host: host,
        reconsume_times: 0,
        prepared_transaction_offset: 0,
        body: body.clone(),
        properties: "TAGS\u{1}TagA\u{2}UNIQ_KEY\u{1}7F0000010000000000000000000000001\u{2}WAIT\u{1}true\u{2}".into(),
        store_timestamp: None,
    }
}

fn open(dir: &std::path::Path) -> MessageStore {
    let config = StoreConfig {
        mapped_file_size_commit_log: 256 * 1024 * 1024,
        ..StoreConfig::for_dir(dir)
    };
    MessageStore::open(config, None).expect("store opens")
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    for size in [128usize, 1024] {
        let body = Bytes::from(vec![b'x'; size]);
        let mut group = c.benchmark_group(format!("store/{size}B"));
        group.throughput(Throughput::Elements(1));

        let dir = tempfile::tempdir().expect("dir");
        let store = open(dir.path());
        let mut i = 0i32;
        group.bench_function("append", |b| {
            b.iter(|| {
                i = i.wrapping_add(1);
                rt.block_on(store.put_message(message(&body, i & 7), true))
            })
        });

        let batch: Vec<PutMessage> = (0..32).map(|_| message(&body, 0)).collect();
        group.throughput(Throughput::Elements(32));
        group.bench_function("append_batch_32", |b| {
            b.iter(|| rt.block_on(store.put_messages(batch.clone(), true)))
        });
        drop(store);

        // Read: fill one queue, then pull it in 32-message pages from random offsets.
        let dir = tempfile::tempdir().expect("dir");
        let store = open(dir.path());
        for _ in 0..20_000 {
            rt.block_on(store.put_message(message(&body, 0), true))
                .expect("stored");
        }
        assert!(store.wait_dispatched(Duration::from_secs(10)));
        let mut offset = 0i64;
        group.throughput(Throughput::Elements(32));
        group.bench_function("read_32", |b| {
            b.iter_batched(
                || {
                    offset = (offset + 7919) % 19_900;
                    offset
                },
                |from| store.get_message("BenchmarkTest", 0, from, 32, &|_| true),
                BatchSize::SmallInput,
            )
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(4)).warm_up_time(Duration::from_secs(1)).sample_size(30);
    targets = bench
}
criterion_main!(benches);
