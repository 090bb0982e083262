// bindings/tests/SCENARIO.md section 6: the key lifecycle (issue 14). Revoke-and-rotate
// locks a device out, every remaining unlock method opens items sealed before and after, a
// device pin refuses a rolled-back bundle, member removal re-keys an album, and the pin
// round-trips through its 40 bytes. The state is built lazily, as in Scenario.kt.

import app.keepsake.*

/** The first epoch of generation 1. */
private val GENERATION_1: ULong = 1uL shl 32

/** One item of an album: wrapped media key, sealed original, and an album name sealed under the same key. */
private class Item(album: AlbumKey, val text: String) {
    val mediaId = newMediaId()
    val original = text.repeat(50).toByteArray()
    private val key = MediaKey.generate()
    val wrapped = album.wrapMediaKey(mediaId, key)
    val sealed = key.seal(mediaId, MediaKind.ORIGINAL, original)
    val name = album.sealBlob(AlbumBlob.NAME, text.toByteArray())

    /** [album] (a key of this item's epoch) opens the item and its album name. */
    fun checkOpens(album: AlbumKey, what: String) {
        album.unwrapMediaKey(mediaId, wrapped).use { k ->
            assertBytes(original, k.open(mediaId, MediaKind.ORIGINAL, sealed), "$what: original")
        }
        assertBytes(text.toByteArray(), album.openBlob(AlbumBlob.NAME, name), "$what: album name")
    }
}

private class Lifecycle {
    val floor by lazy { kdfProfile(KdfProfile.FLOOR) }
    val passphrase = "lifecycle passphrase of Alice"
    val account by lazy { createAccount(passphrase, floor) }
    val phone by lazy { DeviceKey.generate() }
    val lost by lazy { DeviceKey.generate() }
    val phoneEnrollment by lazy { account.keyring.enrollDevice(account.bundle, phone.publicKey()) }
    val lostEnrollment by lazy { account.keyring.enrollDevice(phoneEnrollment.bundle, lost.publicKey()) }
    val bundle0 by lazy { lostEnrollment.bundle }
    /** What the lost device unlocked (and kept) before it was lost. */
    val lostKeyring by lazy { unlockWithDevice(bundle0, lost, lostEnrollment.pin) }
    val albumId by lazy { newAlbumId() }
    val album0 by lazy { lostKeyring.albumKey(albumId, lostKeyring.currentEpoch()) }
    val before by lazy { Item(album0, "sealed before the rotation") }
    val rotated by lazy { before; account.keyring.revokeDeviceAndRotate(bundle0, lost.publicKey()) }
    val bundle1 by lazy { rotated.bundle }
    val keyring1 by lazy { rotated.keyring }
    val album1 by lazy { keyring1.albumKey(albumId, keyring1.currentEpoch()) }
    val after by lazy { Item(album1, "sealed after the rotation") }

    // Member removal: Alice (generation 1) shares the album with Bob and Carol, then removes Carol.
    val bob by lazy { createAccount("Bob's passphrase", floor).keyring }
    val carol by lazy { createAccount("Carol's passphrase", floor).keyring }
    val expected1 by lazy { ExpectedAlbum(albumId, album1.epoch()) }
    val bobOld by lazy {
        bob.acceptGrant(keyring1.grantAlbum(album1, bob.identityPublicKey(), genesisOf(keyring1, album1)), keyring1.identityPublicKey(), expected1)
    }
    val carolOld by lazy {
        carol.acceptGrant(keyring1.grantAlbum(album1, carol.identityPublicKey(), genesisOf(keyring1, album1)), keyring1.identityPublicKey(), expected1)
    }
    val moved by lazy { bobOld; carolOld; keyring1.removeMember(album1, listOf(bob.identityPublicKey()), genesisOf(keyring1, album1)) }
    val added by lazy { Item(moved.album, "added after Carol left") }
}

fun lifecycleTests(suite: Suite) {
    val s = Lifecycle()

    suite.test("lifecycle: revoke-and-rotate moves to generation 1, epoch 2^32") {
        assertEquals(0uL, s.account.keyring.generation(), "generation before")
        assertEquals(0uL, s.account.keyring.currentEpoch(), "epoch before")
        assertEquals(1uL, s.keyring1.generation(), "generation after")
        assertEquals(GENERATION_1, s.keyring1.currentEpoch(), "epoch after")
        assertEquals(GENERATION_1, s.album1.epoch(), "album key's epoch")
        assertEquals(0uL, bundleGeneration(s.bundle0), "bundleGeneration(old)")
        assertEquals(1uL, bundleGeneration(s.bundle1), "bundleGeneration(new)")
        val devices = bundleDevices(s.bundle1)
        assertEquals(1, devices.size, "devices left")
        assertBytes(s.phone.publicKey(), devices[0], "the phone is left")
        assertBytes(s.account.keyring.identityPublicKey(), s.keyring1.identityPublicKey(), "identity kept")
        assertEquals(s.account.keyring.fingerprint(), s.keyring1.fingerprint(), "fingerprint kept")
        assertRaises<KeepsakeException.MalformedBundle>("bundleGeneration(garbage)") {
            bundleGeneration("not a bundle".toByteArray())
        }
    }
    suite.test("lifecycle: the revoked device cannot unlock the rotated bundle: DeviceNotEnrolled") {
        assertRaises<KeepsakeException.DeviceNotEnrolled>("revoked device") {
            unlockWithDevice(s.bundle1, s.lost, s.lostEnrollment.pin)
        }
        assertRaises<KeepsakeException.DeviceNotEnrolled>("revoking it again") {
            s.keyring1.revokeDeviceAndRotate(s.bundle1, s.lost.publicKey())
        }
    }
    suite.test("lifecycle: the revoked device's keyring cannot derive the new epoch: UnknownGeneration") {
        val e = assertRaises<KeepsakeException.UnknownGeneration>("old keyring, new epoch") {
            s.lostKeyring.albumKey(s.albumId, GENERATION_1)
        }
        val message = e.message ?: ""
        expect("generation 1" in message && "generation 0" in message) { "message: $message" }
    }
    suite.test("lifecycle: the old album keys cannot open items of the new epoch: DecryptionFailed") {
        assertRaises<KeepsakeException.DecryptionFailed>("old key, new wrapped media key") {
            s.album0.unwrapMediaKey(s.after.mediaId, s.after.wrapped)
        }
        assertRaises<KeepsakeException.DecryptionFailed>("old key, new album name") {
            s.album0.openBlob(AlbumBlob.NAME, s.after.name)
        }
        for (epoch in listOf(1uL, GENERATION_1 - 1uL)) {
            assertRaises<KeepsakeException.DecryptionFailed>("old keyring at epoch $epoch") {
                s.lostKeyring.albumKey(s.albumId, epoch).unwrapMediaKey(s.after.mediaId, s.after.wrapped)
            }
        }
    }
    suite.test("lifecycle: passphrase, recovery and the other device unlock the rotated bundle and open before and after") {
        val unlocks = listOf(
            "passphrase" to unlockWithPassphrase(s.bundle1, s.passphrase),
            "recovery" to unlockWithRecovery(s.bundle1, s.account.recoveryPhrase),
            "phone" to unlockWithDevice(s.bundle1, s.phone, s.phoneEnrollment.pin),
        )
        for ((how, k) in unlocks) {
            assertEquals(1uL, k.generation(), "$how generation")
            assertBytes(s.account.keyring.identityPublicKey(), k.identityPublicKey(), "$how identity")
            s.before.checkOpens(k.albumKey(s.albumId, 0uL), "$how, item before")
            s.after.checkOpens(k.albumKey(s.albumId, k.currentEpoch()), "$how, item after")
        }
    }
    suite.test("lifecycle: a plain rotation needs no secret; the phone still opens everything") {
        val again = s.keyring1.rotate(s.bundle1)
        assertEquals(2uL, again.keyring.generation(), "generation")
        assertEquals(2uL, bundleGeneration(again.bundle), "bundle generation")
        val byPhone = unlockWithDevice(again.bundle, s.phone, s.phoneEnrollment.pin)
        assertEquals(2uL, byPhone.generation(), "phone's generation")
        s.before.checkOpens(byPhone.albumKey(s.albumId, 0uL), "item before")
        s.after.checkOpens(byPhone.albumKey(s.albumId, GENERATION_1), "item after")
        val rolledBack = assertRaises<KeepsakeException.Rollback>("rotating an older bundle") { s.keyring1.rotate(s.bundle0) }
        expect("seen generation 1" in (rolledBack.message ?: "")) { "message: ${rolledBack.message}" }
    }
    suite.test("lifecycle: a pin at generation 1 refuses the generation-0 bundle: Rollback(seen 1, offered 0)") {
        val pin = unlockWithDevice(s.bundle1, s.phone, s.phoneEnrollment.pin).pin()
        assertEquals(1uL, pin.generation(), "new pin's generation")
        assertEquals(0uL, s.phoneEnrollment.pin.generation(), "enrollment pin's generation")
        val e = assertRaises<KeepsakeException.Rollback>("old bundle, new pin") {
            unlockWithDevice(s.bundle0, s.phone, pin)
        }
        val message = e.message ?: ""
        expect("seen generation 1" in message && "generation 0" in message) { "message: $message" }
        assertEquals(1uL, unlockWithDevice(s.bundle1, s.phone, pin).generation(), "new bundle, new pin")
    }
    suite.test("lifecycle: checkPin after a passphrase unlock: Rollback, IdentityMismatch") {
        val pin1 = s.keyring1.pin()
        val old = unlockWithPassphrase(s.bundle0, s.passphrase)
        assertRaises<KeepsakeException.Rollback>("generation-0 keyring, generation-1 pin") { old.checkPin(pin1) }
        s.keyring1.checkPin(pin1)
        s.keyring1.checkPin(s.phoneEnrollment.pin)
        val other = createAccount("someone else", s.floor).keyring
        assertRaises<KeepsakeException.IdentityMismatch>("another account's pin") { s.keyring1.checkPin(other.pin()) }
    }
    suite.test("lifecycle: the pin round-trips through its 40 bytes") {
        val pin = s.keyring1.pin()
        val bytes = pin.toBytes()
        assertEquals(40, bytes.size, "pin length")
        assertBytes(s.keyring1.identityDigest(), bytes.copyOfRange(0, 32), "identity digest part")
        assertBytes(s.keyring1.identityDigest(), pin.identityDigest(), "identityDigest()")
        assertBytes(byteArrayOf(0, 0, 0, 0, 0, 0, 0, 1), bytes.copyOfRange(32, 40), "generation part")
        val again = AccountPin.fromBytes(bytes)
        assertEquals(pin, again, "equal after the round trip")
        assertEquals(pin.hashCode(), again.hashCode(), "hashCode")
        assertEquals(1uL, again.generation(), "generation")
        expect(again != s.phoneEnrollment.pin) { "pins of different generations are equal" }
        assertEquals(2, setOf(pin, again, s.phoneEnrollment.pin).size, "distinct pins")
        assertEquals(s.account.keyring.pin(), s.phoneEnrollment.pin, "enrollment pin is the keyring's")
        for (bad in listOf(ByteArray(0), bytes.copyOf(39), bytes + byteArrayOf(0), bytes.copyOf(32))) {
            assertRaises<KeepsakeException.InvalidLength>("${bad.size}-byte pin") { AccountPin.fromBytes(bad) }
        }
    }
    suite.test("lifecycle: removeMember moves the album to the next epoch, grants only the remaining") {
        assertBytes(s.albumId, s.moved.album.albumId(), "album id")
        assertEquals(s.album1.epoch() + 1uL, s.moved.album.epoch(), "new epoch")
        assertEquals(1, s.moved.grants.size, "grant count")
        val grant = s.moved.grants[0]
        assertBytes(s.bob.identityPublicKey(), grant.memberIdentity, "granted member")
        assertEquals(1354, grant.grant.size, "grant length")
        val info = inspectGrant(grant.grant)
        assertBytes(s.bob.identityDigest(), info.recipientIdentityDigest, "recipient")
        assertBytes(s.keyring1.identityDigest(), info.senderIdentityDigest, "sender")
        assertEquals(s.moved.album.epoch(), info.epoch, "granted epoch")
        assertRaises<KeepsakeException.GrantWrongRecipient>("Carol accepting Bob's grant") {
            s.carol.acceptGrant(grant.grant, s.keyring1.identityPublicKey(), null)
        }
        s.added.checkOpens(s.keyring1.albumKey(s.albumId, s.moved.album.epoch()), "owner derives the new epoch")
    }
    suite.test("lifecycle: the remaining member opens old and new epochs") {
        val bobNew = s.bob.acceptGrant(
            s.moved.grants[0].grant, s.keyring1.identityPublicKey(), ExpectedAlbum(s.albumId, s.moved.album.epoch()),
        )
        s.added.checkOpens(bobNew, "Bob, new epoch")
        s.after.checkOpens(s.bobOld, "Bob, old epoch")
    }
    suite.test("lifecycle: the removed member cannot open items of the new epoch") {
        s.after.checkOpens(s.carolOld, "Carol keeps what she had")
        assertRaises<KeepsakeException.DecryptionFailed>("Carol, new wrapped media key") {
            s.carolOld.unwrapMediaKey(s.added.mediaId, s.added.wrapped)
        }
        assertRaises<KeepsakeException.DecryptionFailed>("Carol, new album name") {
            s.carolOld.openBlob(AlbumBlob.NAME, s.added.name)
        }
    }
    suite.test("lifecycle: only the owner removes members: NotAlbumOwner") {
        // A key Bob received, of an epoch of his own generation (a received key of a newer
        // generation than his is refused earlier, with UnknownGeneration).
        val received = s.bob.acceptGrant(
            s.keyring1.grantAlbum(s.album0, s.bob.identityPublicKey(), genesisOf(s.keyring1, s.album0)), s.keyring1.identityPublicKey(), ExpectedAlbum(s.albumId, 0uL),
        )
        assertRaises<KeepsakeException.NotAlbumOwner>("Bob removing with a received key") {
            s.bob.removeMember(received, listOf(), ByteArray(32))
        }
        val forged = AlbumKey.fromSecretBytes(s.albumId, s.album1.epoch(), ByteArray(32) { it.toByte() })
        assertRaises<KeepsakeException.NotAlbumOwner>("a key not derived by Alice") {
            s.keyring1.removeMember(forged, listOf(), ByteArray(32))
        }
        assertRaises<KeepsakeException.InvalidLength>("a short member key") {
            s.keyring1.removeMember(s.album1, listOf(byteArrayOf(1, 2, 3)), ByteArray(32))
        }
    }
}
