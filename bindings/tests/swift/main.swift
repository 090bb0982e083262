// The Swift runner of the foreign-language test suite (bindings/tests/SCENARIO.md).
//
// Compiled with plain swiftc together with the generated Keepsake.swift, Scenario.swift and
// Vectors.swift into one executable (no SwiftPM/XCTest: see run.sh). Runs every test by
// name, prints `ok NAME` or `FAILED NAME: REASON` (`skipped NAME: REASON` for a test made
// with `TestCase(name:skip:)`), then `N passed, N failed` (with `, N skipped` when any was),
// and exits 1 if any test failed.
//
// Usage: keepsake-swift-tests [SUBSTRING...]   (runs only the tests whose names contain
// one of the substrings, plus the scenario steps before a selected one; all by default). The vector files are read from tests/vectors/
// under the working directory, or from $KEEPSAKE_VECTORS.

import Foundation
import Keepsake

#if canImport(Glibc)
import Glibc
#endif

/// Writes one line to standard output at once (unbuffered, so a crash loses nothing).
func emit(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

// MARK: - Test registry

/// A named test; throwing (anything) fails it.
struct TestCase {
    let name: String
    let body: () throws -> Void
    /// Why the test is not run (say what re-enables it); nil runs it.
    var skipReason: String? = nil

    init(name: String, body: @escaping () throws -> Void) {
        self.name = name
        self.body = body
    }

    /// A test reported as skipped, with `reason`.
    init(name: String, skip reason: String) {
        self.name = name
        self.body = {}
        self.skipReason = reason
    }
}

/// Why a test failed, as printed after `FAILED name: `.
struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

// MARK: - Checks

func fail(_ message: String, file: StaticString = #fileID, line: UInt = #line) -> TestFailure {
    TestFailure("\(message) (\(file):\(line))")
}

func check(_ condition: Bool, _ message: @autoclosure () -> String,
           file: StaticString = #fileID, line: UInt = #line) throws {
    if !condition { throw fail(message(), file: file, line: line) }
}

/// A short description of bytes: their length and, when short, their hex.
func describe(_ data: Data) -> String {
    data.count <= 32 ? "\(data.count) bytes \(data.hex)" : "\(data.count) bytes"
}

func checkEqual(_ actual: Data, _ expected: Data, _ what: String,
                file: StaticString = #fileID, line: UInt = #line) throws {
    guard actual != expected else { return }
    let common = min(actual.count, expected.count)
    var at = common
    for i in 0..<common where actual[actual.startIndex + i] != expected[expected.startIndex + i] {
        at = i
        break
    }
    throw fail("\(what): got \(describe(actual)), expected \(describe(expected)), first difference at byte \(at)",
               file: file, line: line)
}

func checkEqual<T: Equatable>(_ actual: T, _ expected: T, _ what: String,
                              file: StaticString = #fileID, line: UInt = #line) throws {
    if actual != expected {
        throw fail("\(what): got \(actual), expected \(expected)", file: file, line: line)
    }
}

/// The name of a `KeepsakeError` case (`DecryptionFailed`, ...), from the enum case itself
/// (every case carries a `message`, so the mirror's one child is labelled with the case).
/// The hash of the genesis entry of a fresh history of `album`'s album owned by `keyring`: a
/// real album history entry for a grant to name where the test is not about the history.
func genesisOf(_ keyring: Keyring, _ album: AlbumKey) throws -> Data {
    historyEntryHash(entry: try keyring.createAlbumHistory(albumId: album.albumId()))
}

func caseName(_ error: KeepsakeError) -> String {
    Mirror(reflecting: error).children.first?.label ?? String(describing: error)
}

/// The message a `KeepsakeError` carries (the core error's text).
func message(_ error: KeepsakeError) -> String {
    guard let payload = Mirror(reflecting: error).children.first?.value else { return "" }
    if let text = payload as? String { return text }
    if let text = Mirror(reflecting: payload).children.first?.value as? String { return text }
    return "\(payload)"
}

/// Runs `body`, which must throw the `KeepsakeError` case `expected` (given by name, as in the
/// vector files). Any other outcome fails with what happened instead.
func expectError(_ expected: String, _ what: String,
                 file: StaticString = #fileID, line: UInt = #line,
                 _ body: () throws -> Any) throws {
    let result: Any
    do {
        result = try body()
    } catch let error as KeepsakeError {
        let got = caseName(error)
        if got == expected { return }
        throw fail("\(what): expected KeepsakeError.\(expected), got KeepsakeError.\(got) (\"\(message(error))\")",
                   file: file, line: line)
    } catch {
        throw fail("\(what): expected KeepsakeError.\(expected), got \(type(of: error)): \(error)",
                   file: file, line: line)
    }
    let shown = (result as? Data).map(describe) ?? "\(type(of: result))"
    throw fail("\(what): expected KeepsakeError.\(expected), but it succeeded (\(shown))", file: file, line: line)
}

/// `expectError` with the case given as the enum case itself (`KeepsakeError.DecryptionFailed`),
/// so a misspelt or removed case is a compile error.
func expectError(_ expected: (String) -> KeepsakeError, _ what: String,
                 file: StaticString = #fileID, line: UInt = #line,
                 _ body: () throws -> Any) throws {
    try expectError(caseName(expected("")), what, file: file, line: line, body)
}

// MARK: - Bytes

struct HexError: Error, CustomStringConvertible {
    let description: String
}

extension Data {
    /// Strict lowercase-or-uppercase hex decoding (even length, hex digits only).
    init(hex: String) throws {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { throw HexError(description: "odd-length hex (\(digits.count) digits)") }
        func nibble(_ c: UInt8) throws -> UInt8 {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
            default: throw HexError(description: "not a hex digit: \(Character(Unicode.Scalar(c)))")
            }
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity(digits.count / 2)
        var i = 0
        while i < digits.count {
            bytes.append(try nibble(digits[i]) << 4 | nibble(digits[i + 1]))
            i += 2
        }
        self.init(bytes)
    }

    var hex: String {
        let table = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(count * 2)
        for b in self {
            out.append(table[Int(b >> 4)])
            out.append(table[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `self` split into pieces of `size` bytes (the last may be shorter; none if empty).
    func pieces(of size: Int) -> [Data] {
        stride(from: 0, to: count, by: size).map { start in
            subdata(in: (startIndex + start)..<(startIndex + Swift.min(start + size, count)))
        }
    }

    /// A copy with the byte at `index` XORed with `mask`.
    func flipping(at index: Int, mask: UInt8 = 0x01) -> Data {
        var copy = self
        copy[copy.startIndex + index] ^= mask
        return copy
    }
}

// MARK: - Main

if CommandLine.arguments.count > 1 && CommandLine.arguments[1] == childOpenStallFlag {
    childOpenStall(Array(CommandLine.arguments.dropFirst(2)))
}
let filters = Array(CommandLine.arguments.dropFirst())
let scenario = scenarioTests()
let allTests = scenario.tests + vectorTests() + secretTests() + metadataTests() + asyncTests() + lifecycleTests() + idiomTests() + provenanceTests() + linkTests()
func matches(_ test: TestCase) -> Bool { filters.isEmpty || filters.contains { test.name.contains($0) } }
// Scenario steps build on the ones before them: a selected step brings its predecessors.
let lastScenarioStep = scenario.tests.lastIndex(where: matches) ?? -1
let selected = scenario.tests.prefix(lastScenarioStep + 1) + allTests.dropFirst(scenario.tests.count).filter(matches)

let started = Date()
var passed = 0
var failed = 0
var skipped = 0
for test in selected {
    if let reason = test.skipReason {
        skipped += 1
        emit("skipped \(test.name): \(reason)")
        continue
    }
    do {
        try test.body()
        passed += 1
        emit("ok \(test.name)")
    } catch {
        failed += 1
        let reason: String
        if let keepsake = error as? KeepsakeError {
            reason = "unexpected KeepsakeError.\(caseName(keepsake)) (\"\(message(keepsake))\")"
        } else if error is TestFailure || error is HexError {
            reason = "\(error)"
        } else {
            reason = "unexpected \(type(of: error)): \(error)"
        }
        emit("FAILED \(test.name): \(reason)")
    }
}
scenario.cleanUp()
if selected.isEmpty { emit("no test matches \(filters)") }
emit(String(format: "(%.1f s)", Date().timeIntervalSince(started)))
emit("\(passed) passed, \(failed) failed" + (skipped > 0 ? ", \(skipped) skipped" : ""))
exit(failed == 0 && !selected.isEmpty ? 0 : 1)
