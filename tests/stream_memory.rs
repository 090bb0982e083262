//! Peak memory of the streaming objects, counted by a global allocator (issue 18).
//!
//! Every allocation and free of this test binary goes through [`Counting`], which keeps the
//! bytes live now and the most ever live since the last reset, counting only the threads
//! of the measuring test: the test's own thread and the workers of the pools it builds
//! ([`pool`]). Threads of other tests, of the harness and of pools dropped earlier (their
//! workers exit and free their memory asynchronously) are not counted, so their frees
//! cannot pull a measured peak down. Each case resets the peak, runs one streaming object
//! to its end (or its error) on a pool of a given number of threads, and compares the peak
//! above what was live before with the formula the object's documentation states (SPEC.md
//! 3.8). The tests run one at a time ([`alone`]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::cell::Cell;
use std::io::{self, Read, Write};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use keepsake::stream::{self, OpenOptions, Opener, PushSealer, SealOptions, Sealer};
use keepsake::{MediaId, MediaKey, MediaKind};

/// The system allocator, counting live bytes.
struct Counting;

/// Bytes of this session's blocks that are live (see [`BLOCKS`]).
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
/// The measuring session; 0 before the first.
static SESSION: AtomicU64 = AtomicU64::new(0);
/// Set when [`BLOCKS`] had no room for a block (the measurement is then void).
static OVERFLOW: AtomicBool = AtomicBool::new(false);

thread_local! {
    /// The session this thread counts for (no destructor, no allocation: safe to read
    /// from the allocator).
    static COUNTS_FOR: Cell<u64> = const { Cell::new(0) };
}

/// The live blocks this session's threads allocated: an open-addressed table of
/// addresses (0 empty, 1 removed) and their sizes. A free is counted only when its block
/// is here, so memory allocated before the session and freed during it, by any thread
/// (a dropped pool's workers exiting, crossbeam-epoch's deferred garbage), never pulls a
/// measured peak down.
const SLOTS: usize = 1 << 16;
const EMPTY: usize = 0;
const REMOVED: usize = 1;
static BLOCKS: [AtomicUsize; SLOTS] = [const { AtomicUsize::new(EMPTY) }; SLOTS];
static SIZES: [AtomicUsize; SLOTS] = [const { AtomicUsize::new(0) }; SLOTS];

fn slot_of(ptr: usize) -> usize {
    (ptr >> 4).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (usize::BITS - SLOTS.trailing_zeros())
}

/// Whether this thread's allocations count in the current session.
fn counted() -> bool {
    let session = SESSION.load(Ordering::SeqCst);
    session != 0
        && COUNTS_FOR
            .try_with(|mine| mine.get() == session)
            .unwrap_or(false)
}

/// Counts a block a session thread allocated.
fn track(ptr: *mut u8, size: usize) {
    let now = LIVE.fetch_add(size, Ordering::SeqCst) + size;
    PEAK.fetch_max(now, Ordering::SeqCst);
    let start = slot_of(ptr as usize);
    for i in 0..SLOTS {
        let slot = (start + i) % SLOTS;
        let cell = &BLOCKS[slot];
        let seen = cell.load(Ordering::SeqCst);
        if (seen == EMPTY || seen == REMOVED)
            && cell
                .compare_exchange(seen, ptr as usize, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
        {
            SIZES[slot].store(size, Ordering::SeqCst);
            return;
        }
    }
    OVERFLOW.store(true, Ordering::SeqCst);
}

/// Uncounts a block if this session allocated it (call before the block is freed, so its
/// address cannot be handed out again first).
fn untrack(ptr: *mut u8) {
    let start = slot_of(ptr as usize);
    for i in 0..SLOTS {
        let slot = (start + i) % SLOTS;
        let seen = BLOCKS[slot].load(Ordering::SeqCst);
        if seen == EMPTY {
            return;
        }
        if seen == ptr as usize {
            let size = SIZES[slot].load(Ordering::SeqCst);
            BLOCKS[slot].store(REMOVED, Ordering::SeqCst);
            LIVE.fetch_sub(size, Ordering::SeqCst);
            return;
        }
    }
}

#[allow(unsafe_code)]
// SAFETY: every call is forwarded unchanged to `System`; only counters are updated.
unsafe impl std::alloc::GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        let ptr = unsafe { std::alloc::System.alloc(layout) };
        if !ptr.is_null() && counted() {
            track(ptr, layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        let ptr = unsafe { std::alloc::System.alloc_zeroed(layout) };
        if !ptr.is_null() && counted() {
            track(ptr, layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        untrack(ptr);
        unsafe { std::alloc::System.dealloc(ptr, layout) };
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new: usize) -> *mut u8 {
        // Counted as the worst case: both blocks live until the old one is freed.
        let counts = counted();
        if counts {
            let now = LIVE.fetch_add(new, Ordering::SeqCst) + new;
            PEAK.fetch_max(now, Ordering::SeqCst);
            LIVE.fetch_sub(new, Ordering::SeqCst);
        }
        untrack(ptr);
        let moved = unsafe { std::alloc::System.realloc(ptr, layout, new) };
        if !moved.is_null() && counts {
            track(moved, new);
        }
        moved
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Held for the whole of a test: starts a new session, counted on this thread and on the
/// workers of the pools built while it is held.
fn alone() -> std::sync::MutexGuard<'static, ()> {
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    let guard = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let session = SESSION.fetch_add(1, Ordering::SeqCst) + 1;
    for cell in &BLOCKS {
        cell.store(EMPTY, Ordering::SeqCst);
    }
    LIVE.store(0, Ordering::SeqCst);
    COUNTS_FOR.with(|mine| mine.set(session));
    guard
}

/// Runs `f` and returns its result and the peak of bytes live above those live when it
/// started (call it under [`alone`]).
fn peak_of<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = LIVE.load(Ordering::SeqCst);
    PEAK.store(before, Ordering::SeqCst);
    let out = f();
    assert!(
        !OVERFLOW.load(Ordering::SeqCst),
        "more live blocks than the table holds"
    );
    (out, PEAK.load(Ordering::SeqCst) - before)
}

const KEY: [u8; 32] = [7; 32];
const ID: MediaId = MediaId::from_bytes([9; 16]);
const TAG: usize = 16;

/// A sealed stream's first `good` bytes, then an endless run of garbage: an opener must
/// stop at the first garbage chunk, whatever the claimed length.
struct ThenGarbage {
    good: io::Cursor<Vec<u8>>,
}

impl Read for ThenGarbage {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.good.read(buf)?;
        if n > 0 {
            return Ok(n);
        }
        buf.fill(0x5a);
        Ok(buf.len())
    }
}

/// Chunks per batch as `stream::batch_chunks` computes them (SPEC.md 3.8).
fn batch(chunk: usize, threads: usize, parallel: bool) -> usize {
    if parallel {
        (stream::BATCH_BYTES / chunk).max(threads.clamp(1, stream::MAX_BATCH_THREADS))
    } else {
        (stream::SEQUENTIAL_BATCH_BYTES / chunk).max(1)
    }
}

/// The opener's stated peak: a batch of ciphertext and its look-ahead byte, twice when
/// parallel (the next batch is read while this one opens), and a batch of plaintext.
fn opener_formula(chunk: usize, threads: usize, parallel: bool) -> usize {
    let b = batch(chunk, threads, parallel);
    let sealed = b * (chunk + TAG) + 1;
    let copies = if parallel { 2 } else { 1 };
    copies * sealed + b * chunk
}

/// The sealer's stated peak: a batch of plaintext and a batch of ciphertext, and, when
/// parallel, the previous batch's ciphertext still being written.
fn sealer_formula(chunk: usize, threads: usize, parallel: bool) -> usize {
    let b = batch(chunk, threads, parallel);
    let sealed = b * (chunk + TAG);
    let copies = if parallel { 2 } else { 1 };
    b * chunk + copies * sealed
}

/// A pool whose workers count for the current session (build it under [`alone`]).
fn pool(threads: usize) -> rayon::ThreadPool {
    let session = SESSION.load(Ordering::SeqCst);
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .start_handler(move |_| COUNTS_FOR.with(|mine| mine.set(session)))
        .build()
        .expect("a thread pool")
}

/// `plain_len` bytes sealed in chunks of `2^log2`.
fn sealed(log2: u8, plain_len: usize) -> Vec<u8> {
    let options = SealOptions::new().with_chunk_size_log2(log2).unwrap();
    let plain: Vec<u8> = (0..plain_len).map(|i| (i % 251) as u8).collect();
    stream::seal_with(
        &MediaKey::from_bytes(KEY),
        &ID,
        MediaKind::Original,
        &plain,
        &options,
    )
    .unwrap()
}

/// What an opener released, the error it ended on (if any), and the peak it stated.
struct Opened {
    released: usize,
    err: Option<io::Error>,
    stated: usize,
}

/// Opens `source` through an `Opener` with `options`, read into `buf` (64 KiB, shorter
/// than a batch, so the opener's own plaintext buffer is used).
fn open_all(source: impl Read, options: &OpenOptions, buf: &mut [u8]) -> Opened {
    let mut opener = Opener::with_options(
        &MediaKey::from_bytes(KEY),
        &ID,
        MediaKind::Original,
        source,
        options,
    )
    .unwrap();
    let stated = opener.peak_memory();
    let mut released = 0;
    loop {
        match opener.read(buf) {
            Ok(0) => {
                return Opened {
                    released,
                    err: None,
                    stated,
                };
            }
            Ok(n) => released += n,
            Err(err) => {
                return Opened {
                    released,
                    err: Some(err),
                    stated,
                };
            }
        }
    }
}

/// Seals `plain` through a `Sealer` with `options`, written in `piece`-byte writes, into
/// `out`; returns the peak it stated.
fn seal_all(plain: &[u8], piece: usize, options: &SealOptions, out: impl Write) -> usize {
    let mut sealer = Sealer::with_options(
        &MediaKey::from_bytes(KEY),
        &ID,
        MediaKind::Original,
        out,
        options,
    )
    .unwrap();
    let stated = sealer.peak_memory();
    for piece in plain.chunks(piece) {
        sealer.write_all(piece).unwrap();
    }
    sealer.finish().unwrap();
    stated
}

/// Asserts that `peak` is the formula's bytes within 5 % (and not below it by more than
/// what the small objects around the buffers make up).
fn assert_near(what: &str, peak: usize, formula: usize) {
    let ratio = peak as f64 / formula as f64;
    eprintln!("{what}: peak {peak} bytes, formula {formula} bytes ({ratio:.4}x)");
    assert!(
        (0.95..=1.05).contains(&ratio),
        "{what}: peak {peak} bytes, formula {formula} bytes ({ratio:.3}x)"
    );
}

#[test]
fn opener_4_mib_chunks_8_threads_then_endless_garbage() {
    let _alone = alone();
    let chunk = 4 << 20;
    let good = sealed(22, 3 * chunk + 1000);
    // The genuine stream without its final chunk, then garbage.
    let cut = good.len() - (1000 + TAG);
    let source = ThenGarbage {
        good: io::Cursor::new(good[..cut].to_vec()),
    };
    drop(good);
    let (pool, mut buf) = (pool(8), vec![0u8; 64 << 10]);
    let options = OpenOptions::default();
    let (opened, peak) = peak_of(|| pool.install(|| open_all(source, &options, &mut buf)));
    assert!(opened.err.is_some(), "garbage must fail");
    assert_eq!(
        opened.released,
        3 * chunk,
        "the chunks before the garbage are released"
    );
    assert_eq!(opened.stated, opener_formula(chunk, 8, true));
    assert_near(
        "opener 4 MiB x 8 threads",
        peak,
        opener_formula(chunk, 8, true),
    );
}

#[test]
fn opener_64_kib_chunks() {
    let _alone = alone();
    let chunk = 64 << 10;
    let good = sealed(16, 10 << 20);
    let pools: Vec<_> = [2, 1, 8].into_iter().map(|t| (t, pool(t))).collect();
    for (threads, parallel) in [(2, true), (1, false), (8, true)] {
        let source = io::Cursor::new(good.clone());
        let pool = &pools.iter().find(|(t, _)| *t == threads).unwrap().1;
        let mut buf = vec![0u8; 64 << 10];
        let options = OpenOptions::default().with_parallel(parallel);
        let (opened, peak) = peak_of(|| pool.install(|| open_all(source, &options, &mut buf)));
        assert!(opened.err.is_none(), "{:?}", opened.err);
        assert_eq!(opened.released, 10 << 20);
        assert_eq!(opened.stated, opener_formula(chunk, threads, parallel));
        assert_near(
            &format!("opener 64 KiB x {threads} threads, parallel {parallel}"),
            peak,
            opener_formula(chunk, threads, parallel),
        );
    }
}

#[test]
fn sealer_peaks() {
    let _alone = alone();
    let pools: Vec<_> = [8, 2, 1].into_iter().map(|t| (t, pool(t))).collect();
    for (log2, threads, parallel) in [(22u8, 8, true), (16, 2, true), (16, 1, false)] {
        let chunk = 1usize << log2;
        let plain = vec![3u8; 8 * batch(chunk, threads, parallel) * chunk + 17];
        let pool = &pools.iter().find(|(t, _)| *t == threads).unwrap().1;
        let options = SealOptions::new()
            .with_chunk_size_log2(log2)
            .unwrap()
            .with_parallel(parallel);
        let (stated, peak) =
            peak_of(|| pool.install(|| seal_all(&plain, 64 * 1024, &options, io::sink())));
        assert_eq!(stated, sealer_formula(chunk, threads, parallel));
        assert_near(
            &format!("sealer 2^{log2} x {threads} threads, parallel {parallel}"),
            peak,
            sealer_formula(chunk, threads, parallel),
        );
    }
}

/// With a memory budget the opener reads smaller batches, stays under the budget (its
/// stated peak, measured), and releases the same plaintext.
#[test]
fn opener_within_a_memory_budget() {
    let _alone = alone();
    let chunk = 4 << 20;
    let good = sealed(22, 5 * chunk + 1000);
    let pool = pool(8);
    for (budget, parallel_expected) in [(40usize << 20, true), (12 << 20, false)] {
        let options = OpenOptions::default().with_memory_budget(budget);
        let mut buf = vec![0u8; 64 << 10];
        let source = io::Cursor::new(good.clone());
        let (opened, peak) = peak_of(|| pool.install(|| open_all(source, &options, &mut buf)));
        let stated = opened.stated;
        assert_eq!(opened.released, 5 * chunk + 1000);
        assert!(stated <= budget, "stated {stated} over the budget {budget}");
        assert!(peak <= budget, "peak {peak} over the budget {budget}");
        assert_near(&format!("opener budget {budget}"), peak, stated);
        let batch_of_3 = opener_formula(chunk, 3, true);
        if parallel_expected {
            // 3 chunks in parallel: 2 x 3 x (4 MiB + 16) + 2 + 3 x 4 MiB = 36 MiB.
            assert_eq!(stated, batch_of_3);
        } else {
            // One chunk at a time, sequentially: 2 x 4 MiB + 17.
            assert_eq!(stated, 2 * chunk + TAG + 1);
        }
    }
}

/// A budget that cannot hold one chunk refuses the stream right after its header, having
/// read nothing more; the sealer refuses before writing anything.
#[test]
fn a_budget_below_one_chunk_is_refused_before_any_chunk() {
    let _alone = alone();
    let good = sealed(22, 1 << 20);
    let mut source = io::Cursor::new(good);
    let options = OpenOptions::default().with_memory_budget(6 << 20);
    let err = Opener::with_options(
        &MediaKey::from_bytes(KEY),
        &ID,
        MediaKind::Original,
        &mut source,
        &options,
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            keepsake::Error::TooLarge { len, max, .. }
                if len == 2 * (4 << 20) + 17 && max == 6 << 20
        ),
        "{err:?}"
    );
    assert_eq!(source.position(), keepsake::stream::HEADER_LEN as u64);

    let mut written = Vec::new();
    let options = SealOptions::new()
        .with_chunk_size_log2(22)
        .unwrap()
        .with_memory_budget(8 << 20);
    let err = Sealer::with_options(
        &MediaKey::from_bytes(KEY),
        &ID,
        MediaKind::Original,
        &mut written,
        &options,
    )
    .unwrap_err();
    assert!(
        matches!(err, keepsake::Error::TooLarge { len, max, .. } if len == 2 * (4 << 20) + 16 && max == 8 << 20),
        "{err:?}"
    );
    assert!(written.is_empty(), "nothing is written before the refusal");
}

/// The sealer under a budget: smaller batches, the same stream (it opens to the input),
/// its peak measured under the budget.
#[test]
fn sealer_within_a_memory_budget() {
    let _alone = alone();
    let chunk = 64 << 10;
    let plain: Vec<u8> = (0..3 << 20).map(|i| (i % 253) as u8).collect();
    let pool = pool(2);
    for budget in [1usize << 20, 200 << 10] {
        let options = SealOptions::new().with_memory_budget(budget);
        let mut out = Vec::with_capacity(plain.len() + (1 << 20));
        let (stated, peak) =
            peak_of(|| pool.install(|| seal_all(&plain, 10_000, &options, &mut out)));
        assert!(
            stated <= budget && peak <= budget,
            "{stated} / {peak} over {budget}"
        );
        assert_near(&format!("sealer budget {budget}"), peak, stated);
        if budget == 200 << 10 {
            assert_eq!(stated, chunk + (chunk + TAG), "one chunk, sequentially");
        }
        let opened = stream::open(&MediaKey::from_bytes(KEY), &ID, MediaKind::Original, &out);
        assert_eq!(opened.unwrap(), plain);
    }
}

/// The push sealer's only buffer is one chunk of plaintext (SPEC.md 3.8), whatever the
/// chunk size, thread count and piece sizes; its output goes into the caller's slice.
#[test]
fn push_sealer_holds_one_chunk() {
    let _alone = alone();
    let pools: Vec<_> = [8, 2, 1].into_iter().map(|t| (t, pool(t))).collect();
    for (log2, threads, parallel) in [(22u8, 8, true), (16, 2, true), (16, 1, false)] {
        let chunk = 1usize << log2;
        // Pieces that end inside chunks, on boundaries, and span several chunks.
        let pieces = [chunk / 3, chunk - chunk / 3, 3 * chunk + 5, 1, chunk, 12];
        let plain = vec![5u8; pieces.iter().sum()];
        let pool = &pools.iter().find(|(t, _)| *t == threads).unwrap().1;
        let options = SealOptions::new()
            .with_chunk_size_log2(log2)
            .unwrap()
            .with_parallel(parallel);
        let total = stream::sealed_len(plain.len() as u64, log2).unwrap() as usize;
        let mut out = vec![0u8; total];
        let key = MediaKey::from_bytes(KEY);
        let mut sealer =
            PushSealer::with_options(&key, &ID, MediaKind::Original, &options).unwrap();
        let (written, peak) = peak_of(|| {
            pool.install(|| {
                let (mut at, mut from) = (0, 0);
                for len in pieces {
                    at += sealer
                        .push_to(&plain[from..from + len], &mut out[at..])
                        .unwrap();
                    from += len;
                }
                at + sealer.finish_to(&mut out[at..]).unwrap()
            })
        });
        assert_eq!(written, total);
        assert_eq!(
            stream::open(&key, &ID, MediaKind::Original, &out).unwrap(),
            plain
        );
        assert_near(
            &format!("push sealer 2^{log2} x {threads} threads, parallel {parallel}"),
            peak,
            chunk,
        );
    }
}

/// The file calls' stated memory (`seal_file` / `open_file` docs, 64 KiB chunks, no budget):
/// two pieces read and two written, on one thread or all cores, and the push object's one
/// chunk. The files themselves are the kernel's; the helper threads allocate nothing.
#[test]
fn file_calls_hold_two_pieces_each_way_and_one_chunk() {
    use keepsake::file::PROGRESS_STEP;
    let _alone = alone();
    let pool = pool(2);
    let dir = std::env::temp_dir().join(format!("keepsake-memory-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (src, sealed, back) = (dir.join("in"), dir.join("sealed"), dir.join("back"));
    let plain: Vec<u8> = (0..4 * PROGRESS_STEP + 12_345)
        .map(|i| (i % 251) as u8)
        .collect();
    std::fs::write(&src, &plain).unwrap();
    let (chunk, piece, key) = (1usize << 16, PROGRESS_STEP, MediaKey::from_bytes(KEY));
    // A piece's sealed room: the header, its chunks and the chunk kept from before it.
    let seal_room = stream::HEADER_LEN + piece + chunk + (piece / chunk + 2) * TAG;
    let seal_formula = 2 * piece + 2 * seal_room + chunk;
    // A piece's plaintext room, and the opener's one chunk of ciphertext.
    let open_formula = 2 * piece + 2 * (piece + chunk) + chunk + TAG;
    for parallel in [true, false] {
        for path in [&sealed, &back] {
            std::fs::remove_file(path).ok();
        }
        let options = move || {
            keepsake::FileOptions::new()
                .seal_options(SealOptions::new().with_parallel(parallel))
                .open_options(OpenOptions::default().with_parallel(parallel))
        };
        let (done, peak) = peak_of(|| {
            pool.install(|| {
                keepsake::seal_file(&key, &ID, MediaKind::Original, &src, &sealed, options())
            })
        });
        done.unwrap();
        assert_near(
            &format!("seal_file, parallel {parallel}"),
            peak,
            seal_formula,
        );
        let (done, peak) = peak_of(|| {
            pool.install(|| {
                keepsake::open_file(&key, &ID, MediaKind::Original, &sealed, &back, options())
            })
        });
        done.unwrap();
        assert_near(
            &format!("open_file, parallel {parallel}"),
            peak,
            open_formula,
        );
        assert!(
            std::fs::read(&back).unwrap() == plain,
            "parallel {parallel}"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}
