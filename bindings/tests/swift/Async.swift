// SCENARIO.md section 5 in Swift: the async exports from Swift concurrency (Task), a progress
// listener a Swift 6 app writes without `@unchecked Sendable` (an AsyncStream's continuation),
// and cancelling a file operation's task mid-file with nothing left under the destination.

import Foundation
import Keepsake

#if canImport(Glibc)
import Glibc
#endif

/// The result of an async body, handed from its Task to the synchronous test runner.
private final class Outcome<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Result<T, Error>?
    func set(_ r: Result<T, Error>) { lock.lock(); value = r; lock.unlock() }
    func get() -> Result<T, Error>? { lock.lock(); defer { lock.unlock() }; return value }
}

/// Runs `body` in a Task and waits for it (the test runner is synchronous).
private func waitFor<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let outcome = Outcome<T>()
    let done = DispatchSemaphore(value: 0)
    Task {
        do { outcome.set(.success(try await body())) } catch { outcome.set(.failure(error)) }
        done.signal()
    }
    done.wait()
    return try outcome.get()!.get()
}

/// Progress as an AsyncStream: the listener holds only the continuation (Sendable), so the
/// compiler checks its Sendable conformance in Swift 6 mode; no `@unchecked`.
final class StreamedProgress: ProgressListener, Sendable {
    let continuation: AsyncStream<(UInt64, UInt64)>.Continuation
    init(_ continuation: AsyncStream<(UInt64, UInt64)>.Continuation) { self.continuation = continuation }

    func onProgress(done: UInt64, total: UInt64) throws -> Bool {
        continuation.yield((done, total))
        return true
    }
}

/// Slows an open down and signals once 4 MiB are through (for the cancellation test).
private final class SlowProgress: ProgressListener, Sendable {
    let started: DispatchSemaphore
    let furthest: Outcome<UInt64>
    init(started: DispatchSemaphore, furthest: Outcome<UInt64>) {
        self.started = started
        self.furthest = furthest
    }

    func onProgress(done: UInt64, total: UInt64) throws -> Bool {
        if (try? furthest.get()?.get()) ?? 0 < done { furthest.set(.success(done)) }
        if done >= 4 << 20 && done < 5 << 20 { started.signal() }
        usleep(20_000)
        return true
    }
}

func asyncTests() -> [TestCase] {
    [
        TestCase(name: "async: account calls from a Task") {
            let params = KdfParams(memoryKib: 64 * 1024, iterations: 3, parallelism: 1)
            let floor = kdfProfile(profile: .floor)
            try waitFor {
                let created = try await createAccountAsync(passphrase: "pass phrase", params: params)
                let unlocked = try await unlockWithPassphraseAsync(bundleBytes: created.bundle, passphrase: "pass phrase")
                try checkEqual(unlocked.identityPublicKey(), created.keyring.identityPublicKey(), "identity")
                let again = try await unlockWithRecoveryAsync(bundleBytes: created.bundle, recoveryPhrase: created.recoveryPhrase)
                try checkEqual(again.fingerprint(), created.keyring.fingerprint(), "recovery unlock")
                let changed = try await created.keyring.changePassphraseAsync(bundleBytes: created.bundle, newPassphrase: "new", params: floor)
                try checkEqual(try await unlockWithPassphraseAsync(bundleBytes: changed, passphrase: "new").fingerprint(),
                               created.keyring.fingerprint(), "changed")
                do {
                    _ = try await unlockWithPassphraseAsync(bundleBytes: changed, passphrase: "pass phrase")
                    throw fail("the old passphrase still unlocks")
                } catch let e as KeepsakeError {
                    try checkEqual(caseName(e), "WrongPassphrase", "error")
                }
                let calibrated = try await kdfCalibrateAsync(memoryBudgetKib: 32 * 1024, targetMillis: 50)
                try check(calibrated.memoryKib <= 32 * 1024, "calibrated within the budget")
            }
        },
        TestCase(name: "async: sealFileAsync with progress as an AsyncStream, openFileAsync") {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("keepsake-swift-async-\(getpid())")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let key = try MediaKey.generate()
            let id = try newMediaId()
            let data = Data((0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 13) })
            try data.write(to: dir.appendingPathComponent("in"))
            let (stream, continuation) = AsyncStream<(UInt64, UInt64)>.makeStream()
            let path = dir.path
            let reports = try waitFor {
                let sealed = try await key.sealFileAsync(mediaId: id, kind: .original, source: path + "/in",
                                                         destination: path + "/in.ks", overwrite: false,
                                                         listener: StreamedProgress(continuation))
                continuation.finish()
                var seen: [UInt64] = []
                for await (done, total) in stream {
                    try checkEqual(total, UInt64(data.count), "total")
                    seen.append(done)
                }
                let opened = try await key.openFileAsync(mediaId: id, kind: .original, source: path + "/in.ks",
                                                         destination: path + "/out", overwrite: false, listener: nil)
                try checkEqual(opened, UInt64(data.count), "opened size")
                try check(sealed > opened, "sealed size")
                return seen
            }
            try check(!reports.isEmpty && reports.last == UInt64(data.count), "progress reports \(reports)")
            try checkEqual(try Data(contentsOf: dir.appendingPathComponent("out")), data, "round trip")
        },
        TestCase(name: "async: cancelling openFileAsync's task stops it mid-file and leaves nothing") {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("keepsake-swift-cancel-\(getpid())")
            let out = dir.appendingPathComponent("out")
            try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let key = try MediaKey.generate()
            let id = try newMediaId()
            try Data(count: 32 << 20).write(to: dir.appendingPathComponent("in"))
            _ = try key.sealFile(mediaId: id, kind: .original, source: dir.appendingPathComponent("in").path,
                                 destination: dir.appendingPathComponent("in.ks").path, overwrite: false, listener: nil)
            let started = DispatchSemaphore(value: 0)
            let furthest = Outcome<UInt64>()
            let source = dir.appendingPathComponent("in.ks").path
            let destination = out.appendingPathComponent("video.mp4").path
            // The Keepsake module's async `openFile` (KeepsakeAsync.swift): task cancellation
            // reaches the call's cancel token.
            let task = Task {
                try await key.openFile(mediaId: id, kind: .original, source: source, destination: destination,
                                       listener: SlowProgress(started: started, furthest: furthest))
            }
            try check(started.wait(timeout: .now() + 30) == .success, "the open never reached 4 MiB")
            task.cancel()
            let outcome = try waitFor { () async -> String in
                switch await task.result {
                case .success: return "completed"
                case .failure(let e as KeepsakeError): return caseName(e)
                case .failure(let e): return "\(e)"
                }
            }
            try checkEqual(outcome, "Cancelled", "the cancelled task's outcome")
            let deadline = Date().addingTimeInterval(10)
            while !(try FileManager.default.contentsOfDirectory(atPath: out.path)).isEmpty && Date() < deadline {
                usleep(20_000)
            }
            try checkEqual(try FileManager.default.contentsOfDirectory(atPath: out.path), [], "files left after cancelling")
            usleep(100_000)
            let reached = (try? furthest.get()?.get()) ?? 0
            try check(reached < 32 << 20, "the open ran to the end (\(reached) bytes)")
        },
    ]
}
