// Swift concurrency for Keepsake's file operations, shipped in the `Keepsake` module beside
// the generated Keepsake.swift (bindings/tests/swift/run.sh and build-xcframework.sh compile
// the two together).
//
// UniFFI's generated `sealFileAsync` / `openFileAsync` run off the caller's thread, but
// Swift task cancellation does not reach the library by itself. These overloads wire it:
// cancelling the task cancels the call's `CancelToken`, so the operation stops at its next
// progress step with `KeepsakeError.Cancelled` and leaves nothing under the destination.
// `memoryBudgetBytes` caps the streaming buffers as in the generated calls (SPEC.md 3.8).

import Foundation

extension MediaKey {
    /// Seals the file `source` into `destination` off the caller's thread; cancelled with
    /// the calling task. Returns the sealed size.
    public func sealFile(mediaId: Data, kind: MediaKind, source: String, destination: String,
                         overwrite: Bool = false, listener: ProgressListener? = nil,
                         memoryBudgetBytes: UInt64? = nil) async throws -> UInt64 {
        let token = CancelToken()
        return try await withTaskCancellationHandler {
            try await sealFileAsync(mediaId: mediaId, kind: kind, source: source, destination: destination,
                                    overwrite: overwrite, listener: listener, cancel: token,
                                    memoryBudgetBytes: memoryBudgetBytes)
        } onCancel: {
            token.cancel()
        }
    }

    /// Opens the sealed file `source` into `destination` off the caller's thread; cancelled
    /// with the calling task (no plaintext is left behind). Returns the plaintext size.
    public func openFile(mediaId: Data, kind: MediaKind, source: String, destination: String,
                         overwrite: Bool = false, listener: ProgressListener? = nil,
                         memoryBudgetBytes: UInt64? = nil) async throws -> UInt64 {
        let token = CancelToken()
        return try await withTaskCancellationHandler {
            try await openFileAsync(mediaId: mediaId, kind: kind, source: source, destination: destination,
                                    overwrite: overwrite, listener: listener, cancel: token,
                                    memoryBudgetBytes: memoryBudgetBytes)
        } onCancel: {
            token.cancel()
        }
    }
}
