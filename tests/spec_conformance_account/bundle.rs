//! The account bundle (section 5.5): canonical encoding, MAC and parsing in the
//! specification's order.

use super::*;
// ---------------------------------------------------------------- bundle (5.5)

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Bundle {
    pub(super) generation: u64,
    pub(super) identity: IdPk,
    pub(super) identity_secret: Vec<u8>,
    pub(super) kdf: Kdf,
    pub(super) pass_salt: Salt,
    pub(super) pass: Slot,
    pub(super) rec_salt: Salt,
    pub(super) rec: Slot,
    pub(super) devices: Vec<Slot>,
    /// Entry `i` wraps the root of generation `i`.
    pub(super) history: Vec<Vec<u8>>,
    pub(super) mac: Key,
}

/// `"public_key":HEX(1216),"enc":HEX(1120),"wrapped_root":HEX(48)` (the `SLOT` of 5.5).
pub(super) fn slot_json(s: &Slot) -> String {
    let (pk, enc, wr) = (
        hex::encode(s.public_key),
        hex::encode(s.enc),
        hex::encode(s.wrapped_root),
    );
    format!(r#""public_key":"{pk}","enc":"{enc}","wrapped_root":"{wr}""#)
}

impl Bundle {
    /// The canonical encoding of the `body` object (5.5), written out by hand.
    pub(super) fn body(&self) -> String {
        let devices: Vec<String> = self
            .devices
            .iter()
            .map(|d| format!(r#"{{"suite":{SUITE_XWING},{}}}"#, slot_json(d)))
            .collect();
        let history: Vec<String> = self
            .history
            .iter()
            .enumerate()
            .map(|(i, w)| {
                format!(
                    r#"{{"generation":{i},"wrapped_root":"{}"}}"#,
                    hex::encode(w)
                )
            })
            .collect();
        let Kdf { m, t, p } = self.kdf;
        let (s, g) = (SUITE_XWING, self.generation);
        let (id, ids) = (
            hex::encode(self.identity),
            hex::encode(&self.identity_secret),
        );
        let (ps, rs) = (hex::encode(self.pass_salt), hex::encode(self.rec_salt));
        let (pass, rec) = (slot_json(&self.pass), slot_json(&self.rec));
        let kdf = format!(r#"{{"memory_kib":{m},"iterations":{t},"parallelism":{p}}}"#);
        format!(
            r#"{{"version":{BUNDLE_VERSION},"generation":{g},"identity":"{id}","identity_secret":"{ids}","passphrase":{{"suite":{s},"kdf":{kdf},"salt":"{ps}",{pass}}},"recovery":{{"suite":{s},"salt":"{rs}",{rec}}},"devices":[{}],"history":[{}]}}"#,
            devices.join(","),
            history.join(",")
        )
    }

    pub(super) fn encode(&self) -> String {
        let (body, mac) = (self.body(), hex::encode(self.mac));
        format!(r#"{{"body":{body},"mac":"{mac}"}}"#)
    }

    /// `HMAC-SHA256(HKDF("", root, LABEL_BUNDLE_MAC), body)`.
    pub(super) fn compute_mac(&self, root: &Key) -> Key {
        use hmac::{KeyInit as _, Mac as _};
        let mac_key: Key = hkdf(b"", root, LABEL_BUNDLE_MAC);
        let mut mac = hmac::Hmac::<Sha256>::new_from_slice(&mac_key).unwrap();
        mac.update(self.body().as_bytes());
        mac.finalize().into_bytes().as_slice().try_into().unwrap()
    }
}

/// The fields of a JSON object that has exactly `names` (order is left to the canonical check).
pub(super) fn fields<'a, const N: usize>(v: &'a Value, names: [&str; N]) -> Res<[&'a Value; N]> {
    let m = v.as_object().ok_or(MalformedBundle)?;
    let exact = m.len() == N && names.iter().all(|n| m.contains_key(*n));
    ensure(exact, MalformedBundle)?;
    Ok(names.map(|n| &m[n]))
}

/// An unsigned integer of at most `max` (a larger one, a fraction or a string is mistyped).
pub(super) fn uint(v: &Value, max: u64) -> Res<u64> {
    v.as_u64().filter(|n| *n <= max).ok_or(MalformedBundle)
}

pub(super) fn text(v: &Value) -> Res<&str> {
    v.as_str().ok_or(MalformedBundle)
}

/// A hex string of exactly `N` bytes (case is left to the canonical check).
pub(super) fn hex_arr<const N: usize>(s: &str) -> Res<[u8; N]> {
    let bytes = hex::decode(s).map_err(|_| MalformedBundle)?;
    bytes.try_into().map_err(|_| MalformedBundle)
}

/// A slot's fields after the shape check: `(suite, public_key, enc, wrapped_root)`.
pub(super) type RawSlot<'a> = (u64, [&'a str; 3]);

/// The shape of a slot object with `extra` fields before `SLOT`.
pub(super) fn raw_slot<'a, const N: usize>(
    v: &'a Value,
    extra: [&str; N],
) -> Res<(RawSlot<'a>, Vec<&'a Value>)> {
    let m = v.as_object().ok_or(MalformedBundle)?;
    let names: Vec<&str> = extra
        .iter()
        .copied()
        .chain(["suite", "public_key", "enc", "wrapped_root"])
        .collect();
    let exact = m.len() == names.len() && names.iter().all(|n| m.contains_key(*n));
    ensure(exact, MalformedBundle)?;
    let suite = uint(&m["suite"], u64::from(u8::MAX))?;
    let f = |n| text(&m[n]);
    let slot = [f("public_key")?, f("enc")?, f("wrapped_root")?];
    Ok(((suite, slot), extra.iter().map(|n| &m[*n]).collect()))
}

pub(super) fn slot_of((_, [pk, enc, wr]): RawSlot) -> Res<Slot> {
    Ok(Slot {
        public_key: hex_arr(pk)?,
        enc: hex_arr(enc)?,
        wrapped_root: hex_arr(wr)?,
    })
}

/// Section 5.5's version rule: a plain non-negative integer other than 1, or any number whose
/// value is an integer of at least 2^64, is `UnsupportedVersion`; anything else
/// `MalformedBundle`.
pub(super) fn check_version(version: &Value) -> Res<()> {
    let huge = |f: f64| f.fract() == 0.0 && f >= 2f64.powi(64);
    match (version.as_u64(), version.as_i64(), version.as_f64()) {
        (Some(BUNDLE_VERSION), _, _) => Ok(()),
        (Some(_), _, _) => Err(UnsupportedVersion),
        (None, None, Some(f)) if huge(f) => Err(UnsupportedVersion),
        _ => Err(MalformedBundle),
    }
}

/// A history entry's shape: `(generation, wrapped_root)`.
pub(super) fn history_entry(e: &Value) -> Res<(u64, &str)> {
    let [g, w] = fields(e, ["generation", "wrapped_root"])?;
    Ok((uint(g, u64::MAX)?, text(w)?))
}

/// Section 5.5 parsing, in the specification's order.
pub(super) fn parse_bundle(input: &[u8]) -> Res<Bundle> {
    ensure(input.len() <= MAX_BUNDLE_LEN, TooLarge)?;
    let v: Value = serde_json::from_slice(input).map_err(|_| MalformedBundle)?;
    let version = v.get("body").and_then(|b| b.get("version"));
    check_version(version.ok_or(MalformedBundle)?)?;
    // The shape: every field present, known and of its type.
    let [body, mac] = fields(&v, ["body", "mac"])?;
    let names = [
        "version",
        "generation",
        "identity",
        "identity_secret",
        "passphrase",
        "recovery",
        "devices",
        "history",
    ];
    let [_, generation, identity, id_secret, pass, rec, devs, hist] = fields(body, names)?;
    let generation = uint(generation, u64::MAX)?;
    let (identity, id_secret, mac) = (text(identity)?, text(id_secret)?, text(mac)?);
    let (pass, pass_extra) = raw_slot(pass, ["kdf", "salt"])?;
    let [m, t, p] = fields(pass_extra[0], ["memory_kib", "iterations", "parallelism"])?;
    let u32_of = |v| uint(v, u64::from(u32::MAX)).map(|n| u32::try_from(n).unwrap());
    let kdf = Kdf {
        m: u32_of(m)?,
        t: u32_of(t)?,
        p: u32_of(p)?,
    };
    let pass_salt = text(pass_extra[1])?;
    let (rec, rec_extra) = raw_slot(rec, ["salt"])?;
    let rec_salt = text(rec_extra[0])?;
    let devs = devs.as_array().ok_or(MalformedBundle)?;
    let devs: Vec<RawSlot> = devs
        .iter()
        .map(|d| Ok(raw_slot(d, [])?.0))
        .collect::<Res<_>>()?;
    let hist = hist.as_array().ok_or(MalformedBundle)?;
    let hist: Vec<(u64, &str)> = hist.iter().map(history_entry).collect::<Res<_>>()?;
    // Suites.
    let suites_ok = [pass.0, rec.0]
        .iter()
        .chain(devs.iter().map(|d| &d.0))
        .all(|&s| s == u64::from(SUITE_XWING));
    ensure(suites_ok, UnsupportedSuite)?;
    // Counts, generations, history numbering, hex lengths, device order.
    ensure(
        devs.len() <= MAX_DEVICES && generation < MAX_GENERATIONS,
        MalformedBundle,
    )?;
    let numbered = hist.iter().enumerate().all(|(i, e)| e.0 == i as u64);
    ensure(hist.len() as u64 == generation && numbered, MalformedBundle)?;
    let history = hist
        .iter()
        .map(|e| Ok(hex_arr::<WRAPPED_KEY_LEN>(e.1)?.to_vec()));
    let bundle = Bundle {
        generation,
        identity: hex_arr(identity)?,
        identity_secret: hex_arr::<WRAPPED_KEY_LEN>(id_secret)?.to_vec(),
        kdf,
        pass_salt: hex_arr(pass_salt)?,
        pass: slot_of(pass)?,
        rec_salt: hex_arr(rec_salt)?,
        rec: slot_of(rec)?,
        devices: devs.into_iter().map(slot_of).collect::<Res<_>>()?,
        history: history.collect::<Res<_>>()?,
        mac: hex_arr(mac)?,
    };
    let sorted = bundle
        .devices
        .windows(2)
        .all(|w| w[0].public_key < w[1].public_key);
    ensure(sorted, MalformedBundle)?;
    // The public keys are checked when used (5.1), not here. Now the KDF parameters, then
    // byte-identity with the canonical encoding.
    bundle.kdf.check()?;
    ensure(bundle.encode().as_bytes() == input, MalformedBundle)?;
    Ok(bundle)
}
