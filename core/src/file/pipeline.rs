//! The file calls' overlapped I/O: a helper thread reads ahead ([`read_ahead`]) or writes
//! behind ([`write_behind`]) while the calling thread seals or opens, with two wiped
//! [`PROGRESS_STEP`] buffers passed between them.

use std::io::{self, Read, Write};
use std::sync::mpsc;

use zeroize::Zeroizing;

use super::PROGRESS_STEP;
use crate::{Error, Result};

/// A piece of a file in flight between two threads (plaintext on one side or the other).
type Buffer = Zeroizing<Vec<u8>>;

/// A free buffer and what travels with it.
type Tagged<T> = (Buffer, T);

/// One `read` of `input` into `buf`, retried when interrupted.
pub(super) fn read_piece(input: &mut impl Read, buf: &mut [u8]) -> Result<usize> {
    loop {
        match input.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            read => return Ok(read?),
        }
    }
}

/// Two buffers of [`PROGRESS_STEP`] bytes (plaintext: wiped when dropped) passed between
/// this thread and one helper thread, so that file I/O on the helper overlaps with sealing
/// or opening here (on all cores: the parallel file calls without a memory budget).
/// Each buffer travels with a `T` (the write-behind side's progress); both start as
/// `T::default()`.
fn two_buffers<T: Default>() -> (mpsc::SyncSender<Tagged<T>>, mpsc::Receiver<Tagged<T>>) {
    two_buffers_of(PROGRESS_STEP)
}

/// [`two_buffers`] of `len` bytes each.
fn two_buffers_of<T: Default>(
    len: usize,
) -> (mpsc::SyncSender<Tagged<T>>, mpsc::Receiver<Tagged<T>>) {
    let (free, take) = mpsc::sync_channel(2);
    for _ in 0..2 {
        free.send((Zeroizing::new(vec![0u8; len]), T::default()))
            .expect("the channel has room for both");
    }
    (free, take)
}

/// The reading helper's loop: fills each free buffer from `input` and sends it on, until
/// the end of the input (sent as a piece of 0 bytes), a read error, or the other side
/// stops taking pieces.
fn read_pieces(
    input: &mut impl Read,
    take: mpsc::Receiver<Tagged<()>>,
    full: mpsc::SyncSender<(Buffer, usize)>,
) -> Result<()> {
    for (mut buf, ()) in take {
        let n = read_piece(input, &mut buf)?;
        if full.send((buf, n)).is_err() || n == 0 {
            break;
        }
    }
    Ok(())
}

/// The writing helper's loop: writes each piece to `out` and hands its buffer back with
/// the progress it reached, until no piece comes, a write error, or the other side stops.
fn write_pieces(
    out: &mut impl Write,
    next: mpsc::Receiver<(Buffer, usize, u64)>,
    free: mpsc::SyncSender<Tagged<Option<u64>>>,
) -> Result<()> {
    for (buf, n, done) in next {
        out.write_all(&buf[..n])?;
        if free.send((buf, Some(done))).is_err() {
            break;
        }
    }
    Ok(())
}

/// Reports the progress of the pieces written since the last report, from the free
/// buffers the writer handed back.
fn report_rest(
    take: &mpsc::Receiver<Tagged<Option<u64>>>,
    written: &mut impl FnMut(u64) -> Result<()>,
) -> Result<()> {
    match take.try_iter().filter_map(|(_, done)| done).max() {
        Some(done) => written(done),
        None => Ok(()),
    }
}

/// Reads `input` on a helper thread, a buffer ahead, and hands each piece to `use_piece`
/// here, in order. Stops at the first error of either side (`use_piece`'s first).
pub(super) fn read_ahead(
    input: &mut (impl Read + Send),
    mut use_piece: impl FnMut(&[u8]) -> Result<()>,
) -> Result<()> {
    let (free, take) = two_buffers::<()>();
    let (full, next) = mpsc::sync_channel::<(Buffer, usize)>(1);
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || read_pieces(input, take, full));
        let used = (|| {
            // Ends when the reader has stopped (end of input, or its error).
            for (buf, n) in &next {
                if n == 0 {
                    break;
                }
                use_piece(&buf[..n])?;
                if free.send((buf, ())).is_err() {
                    break;
                }
            }
            Ok(())
        })();
        // Dropping the channels stops the reader at its next buffer.
        drop((free, next));
        used.and(joined(reader.join(), "reader"))
    })
}

/// Fills buffers with `fill` here and writes each to `out` on a helper thread, so writing
/// piece `n` overlaps with producing piece `n + 1`. `fill` returns a piece's length (0 at
/// the end) and the progress it reaches; `written` is told that progress once the piece is
/// in `out` (so a report never runs ahead of what was written). Stops at the first error of
/// either side (`fill`'s or `written`'s first); what was written before it stays in `out`,
/// which the caller discards.
pub(super) fn write_behind(
    out: &mut (impl Write + Send),
    mut fill: impl FnMut(&mut [u8]) -> Result<(usize, u64)>,
    mut written: impl FnMut(u64) -> Result<()>,
) -> Result<()> {
    // Free buffers, with the progress of the piece last written from each.
    let (free, take) = two_buffers::<Option<u64>>();
    let (full, next) = mpsc::sync_channel::<(Buffer, usize, u64)>(1);
    std::thread::scope(|scope| {
        let writer = scope.spawn(move || write_pieces(out, next, free));
        let filled = (|| {
            // Ends at the end of the input, or when the writer has stopped (its error).
            for (mut buf, done) in &take {
                if let Some(done) = done {
                    written(done)?;
                }
                match fill(&mut buf)? {
                    (0, _) => break,
                    (n, done) => {
                        if full.send((buf, n, done)).is_err() {
                            break;
                        }
                    }
                }
            }
            Ok(())
        })();
        drop(full);
        filled.and(joined(writer.join(), "writer"))?;
        report_rest(&take, &mut written)
    })
}

/// Turns `input` into `out` piece by piece with both kinds of file I/O off this thread: a
/// helper thread reads [`PROGRESS_STEP`] pieces a buffer ahead, `step` turns each into an
/// output piece here (`step(None, ..)` once the input has ended), and a second helper
/// thread writes each output piece behind, so reading, the crypto and writing all overlap.
/// `step` writes into the front of the buffer it is given (`room` bytes; it may grow it
/// with [`room_for`]) and returns how many bytes to write. `written` is told the input
/// bytes consumed once their output is in `out` (so a report never runs ahead of what was
/// written). Every buffer is wiped when dropped. Stops at the first error of any side
/// (this thread's first); what was written before it stays in `out`, which the caller
/// discards.
pub(super) fn through(
    input: &mut (impl Read + Send),
    out: &mut (impl Write + Send),
    room: usize,
    mut step: impl FnMut(Option<&[u8]>, &mut Buffer) -> Result<usize>,
    mut written: impl FnMut(u64) -> Result<()>,
) -> Result<()> {
    let (in_free, in_take) = two_buffers::<()>();
    let (in_full, in_next) = mpsc::sync_channel::<(Buffer, usize)>(1);
    // Free output buffers, with the progress of the piece last written from each.
    let (out_free, out_take) = two_buffers_of::<Option<u64>>(room);
    let (out_full, out_next) = mpsc::sync_channel::<(Buffer, usize, u64)>(1);
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || read_pieces(input, in_take, in_full));
        let writer = scope.spawn(move || write_pieces(out, out_next, out_free));
        let worked = (|| {
            let mut done = 0u64;
            // Ends at the end of the input, or when either helper has stopped (its error).
            for (piece, n) in &in_next {
                let Ok((mut buf, last_done)) = out_take.recv() else {
                    break;
                };
                if let Some(last_done) = last_done {
                    written(last_done)?;
                }
                let len = step((n > 0).then(|| &piece[..n]), &mut buf)?;
                done += n as u64;
                if out_full.send((buf, len, done)).is_err() || n == 0 {
                    break;
                }
                // The reader may have ended already (its end of input is queued).
                in_free.send((piece, ())).ok();
            }
            Ok(())
        })();
        // Dropping the channels stops both helpers at their next buffer.
        drop((in_free, in_next, out_full));
        let read = joined(reader.join(), "reader");
        let wrote = joined(writer.join(), "writer");
        worked.and(read).and(wrote)?;
        report_rest(&out_take, &mut written)
    })
}

/// The first `need` bytes of `buf`, grown first (wiping the block it leaves) if it is
/// shorter: where a [`through`] step writes a piece whose size its object states.
pub(super) fn room_for(buf: &mut Buffer, need: usize) -> &mut [u8] {
    if buf.len() < need {
        crate::primitives::resize_wiping(buf, need);
    }
    &mut buf[..need]
}

/// A helper thread's result; a panic becomes an I/O error naming the helper.
fn joined(result: std::thread::Result<Result<()>>, which: &str) -> Result<()> {
    result.unwrap_or_else(|_| {
        Err(Error::Io(io::Error::other(format!(
            "the file {which} thread panicked"
        ))))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer that fails after `left` bytes.
    struct FailingWriter {
        left: usize,
        written: Vec<u8>,
    }

    impl Write for FailingWriter {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.left == 0 {
                return Err(io::Error::other("disk full"));
            }
            let n = buf.len().min(self.left);
            self.left -= n;
            self.written.extend_from_slice(&buf[..n]);
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// A reader of `.0` pieces of 5 bytes of 1, then an error.
    struct FailingReader(usize);

    impl Read for FailingReader {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0 == 0 {
                return Err(io::Error::other("bad sector"));
            }
            self.0 -= 1;
            buf[..5].fill(1);
            Ok(5)
        }
    }

    /// A writer into a shared buffer, which a test can look at while it is written.
    struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// Either side's error stops the overlapped pipelines and is the one returned; the
    /// producing side's error wins when both fail.
    #[test]
    fn the_overlapped_pipelines_stop_at_the_first_error() {
        // The writer fails: write_behind returns its error, and stops asking for pieces.
        let mut out = FailingWriter {
            left: PROGRESS_STEP + 10,
            written: Vec::new(),
        };
        let mut filled = 0;
        let err = write_behind(
            &mut out,
            |buf| {
                filled += 1;
                buf.fill(7);
                Ok((buf.len(), filled))
            },
            |_| Ok(()),
        )
        .unwrap_err();
        assert!(
            matches!(&err, Error::Io(e) if e.to_string() == "disk full"),
            "{err:?}"
        );
        assert!(
            filled <= 5,
            "{filled} pieces produced after the writer failed"
        );
        assert_eq!(out.written.len(), PROGRESS_STEP + 10);
        // The producer fails: its error, and what came before it is written in order.
        let mut out = FailingWriter {
            left: usize::MAX,
            written: Vec::new(),
        };
        let mut n = 0u8;
        let err = write_behind(
            &mut out,
            |buf| {
                n += 1;
                if n == 3 {
                    return Err(Error::Cancelled);
                }
                buf.fill(n);
                Ok((10, u64::from(n)))
            },
            |_| Ok(()),
        )
        .unwrap_err();
        assert!(matches!(err, Error::Cancelled), "{err:?}");
        assert_eq!(out.written, [[1u8; 10], [2u8; 10]].concat());
        // Progress is reported only for pieces already written, and the last one at the end.
        let shared = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut sink = Shared(shared.clone());
        let mut reports = Vec::new();
        let mut k = 0u64;
        write_behind(
            &mut sink,
            |buf| {
                k += 1;
                buf[..3].fill(k as u8);
                Ok((if k <= 5 { 3 } else { 0 }, k))
            },
            |done| {
                let on_disk = shared.lock().unwrap().len() as u64;
                assert!(
                    on_disk >= 3 * done,
                    "reported {done} with {on_disk} bytes written"
                );
                reports.push(done);
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(reports.last(), Some(&5));
        assert!(reports.windows(2).all(|w| w[0] < w[1]), "{reports:?}");
        // read_ahead: the consumer's error is returned; the pieces before it came in order.
        let data: Vec<u8> = (0..3 * PROGRESS_STEP).map(|i| (i % 251) as u8).collect();
        let mut seen = Vec::new();
        let err = read_ahead(&mut &data[..], |piece| {
            seen.extend_from_slice(piece);
            if seen.len() >= 2 * PROGRESS_STEP {
                return Err(Error::Cancelled);
            }
            Ok(())
        })
        .unwrap_err();
        assert!(matches!(err, Error::Cancelled), "{err:?}");
        assert!(seen[..] == data[..seen.len()]);
        // ... a reader's error is returned after the pieces read before it.
        let mut total = 0;
        let err = read_ahead(&mut FailingReader(4), |piece| {
            total += piece.len();
            Ok(())
        })
        .unwrap_err();
        assert!(
            matches!(&err, Error::Io(e) if e.to_string() == "bad sector"),
            "{err:?}"
        );
        assert_eq!(total, 20);
    }

    /// `through` hands every piece read to the step in order and then `None` once, writes
    /// each output in order (growing a buffer when the step needs more room), reports only
    /// what is written, and stops at the first error of the reader, the step or the writer.
    #[test]
    fn through_moves_every_piece_in_order_and_stops_at_the_first_error() {
        let data: Vec<u8> = (0..3 * PROGRESS_STEP + 7)
            .map(|i| (i % 251) as u8)
            .collect();
        let shared = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut sink = Shared(shared.clone());
        let (mut ends, mut reports) = (0, Vec::new());
        through(
            &mut &data[..],
            &mut sink,
            16,
            |piece, buf| match piece {
                Some(piece) => {
                    for (o, i) in room_for(buf, piece.len()).iter_mut().zip(piece) {
                        *o = i ^ 0x5a;
                    }
                    Ok(piece.len())
                }
                None => {
                    ends += 1;
                    buf[..3].copy_from_slice(b"end");
                    Ok(3)
                }
            },
            |done| {
                let on_disk = shared.lock().unwrap().len() as u64;
                assert!(on_disk >= done, "reported {done} with {on_disk} written");
                reports.push(done);
                Ok(())
            },
        )
        .unwrap();
        let mut expected: Vec<u8> = data.iter().map(|b| b ^ 0x5a).collect();
        expected.extend_from_slice(b"end");
        assert!(*shared.lock().unwrap() == expected);
        assert_eq!(ends, 1);
        assert_eq!(reports.last(), Some(&(data.len() as u64)));
        assert!(reports.windows(2).all(|w| w[0] <= w[1]), "{reports:?}");

        let copy = |piece: Option<&[u8]>, buf: &mut Buffer| {
            let piece = piece.unwrap_or(b"end");
            buf[..piece.len()].copy_from_slice(piece);
            Ok(piece.len())
        };
        // The reader fails: its error, after the pieces read before it; no end piece.
        let mut out = FailingWriter {
            left: usize::MAX,
            written: Vec::new(),
        };
        let err = through(&mut FailingReader(4), &mut out, 8, copy, |_| Ok(())).unwrap_err();
        assert!(
            matches!(&err, Error::Io(e) if e.to_string() == "bad sector"),
            "{err:?}"
        );
        assert_eq!(out.written, [1u8; 20]);
        // The step fails on the second piece: its error; only the first piece is written.
        let mut out = FailingWriter {
            left: usize::MAX,
            written: Vec::new(),
        };
        let mut n = 0;
        let err = through(
            &mut &data[..],
            &mut out,
            PROGRESS_STEP,
            |piece, buf| {
                n += 1;
                if n == 2 {
                    return Err(Error::Cancelled);
                }
                copy(piece, buf)
            },
            |_| Ok(()),
        )
        .unwrap_err();
        assert!(matches!(err, Error::Cancelled), "{err:?}");
        assert!(out.written == data[..PROGRESS_STEP]);
        // The writer fails: its error.
        let mut out = FailingWriter {
            left: 10,
            written: Vec::new(),
        };
        let err = through(&mut &data[..], &mut out, PROGRESS_STEP, copy, |_| Ok(())).unwrap_err();
        assert!(
            matches!(&err, Error::Io(e) if e.to_string() == "disk full"),
            "{err:?}"
        );
        assert!(out.written == data[..10]);
    }
}
