//! Personal data at rest: ID numbers and phone numbers are sealed with
//! SM4-GCM (国密 block cipher in the generic GCM mode) under a key kept
//! outside the database, and found again through a keyed SM3 blind index,
//! so a raw copy of the database shows neither the values nor a hash that
//! could be brute-forced without the key. Each value is sealed for the row
//! and column it is stored in ([`SealedColumn`], [`RowBinding`]), so bytes
//! copied to another row do not open there.

use std::path::Path;

use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{AesGcm, Nonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sm3::{Digest, Sm3};

use crate::{Result, StoreError};

type Sm4Gcm = AesGcm<sm4::Sm4, U12>;

/// The sealing and indexing keys, derived from one 32-byte master key.
#[derive(Clone)]
pub struct PiiCipher {
    cipher: Sm4Gcm,
    index_key: [u8; 32],
    chain_key: [u8; 32],
    form_key: [u8; 32],
}

impl std::fmt::Debug for PiiCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PiiCipher(<redacted>)")
    }
}

fn derive(master: &[u8], label: &[u8]) -> [u8; 32] {
    let mut h = Sm3::new();
    h.update(label);
    h.update(master);
    h.finalize().into()
}

impl PiiCipher {
    pub fn from_master(master: &[u8; 32]) -> PiiCipher {
        let enc = derive(master, b"scigrant pii sm4 key");
        let cipher = Sm4Gcm::new_from_slice(&enc[..16]).expect("SM4 takes a 16-byte key");
        PiiCipher {
            cipher,
            index_key: derive(master, b"scigrant pii index key"),
            chain_key: derive(master, b"scigrant audit-chain key"),
            form_key: derive(master, b"scigrant pre-login form token key"),
        }
    }

    /// The key of the audit chain's HMAC-SM3, derived from the same master
    /// under its own label ("audit-chain"), so it lives outside the
    /// database like the PII key and needs no secret of its own.
    pub fn audit_chain_key(&self) -> crate::admin::audit::ChainKey {
        crate::admin::audit::ChainKey(self.chain_key)
    }

    /// Parses a 64-hex-digit master key (from configuration).
    pub fn from_hex(hex_key: &str) -> Result<PiiCipher> {
        let bytes = hex::decode(hex_key.trim()).map_err(|e| StoreError::Key(e.to_string()))?;
        let master: [u8; 32] = bytes
            .try_into()
            .map_err(|_| StoreError::Key("PII key must be 32 bytes (64 hex digits)".into()))?;
        Ok(Self::from_master(&master))
    }

    /// Loads the key file, creating it with mode 0600 on first start.
    pub fn load_or_create(path: &Path) -> Result<PiiCipher> {
        if path.exists() {
            let text = std::fs::read_to_string(path)?;
            return Self::from_hex(&text);
        }
        if let Some(dir) = path.parent() {
            crate::private::create_dir_all(dir)?;
        }
        let mut master = [0u8; 32];
        rand::rng().fill_bytes(&mut master);
        write_private(path, hex::encode(master).as_bytes())?;
        Ok(Self::from_master(&master))
    }

    /// The format before values were bound to their row: nonce (12 bytes)
    /// ‖ ciphertext ‖ tag, no associated data. Written only by tests that
    /// play an earlier release.
    #[doc(hidden)]
    pub fn seal_unbound(&self, plaintext: &str) -> Vec<u8> {
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let ct = self
            .cipher
            .encrypt(&Nonce::<U12>::from(nonce), plaintext.as_bytes())
            .expect("GCM encryption of a short value cannot fail");
        let mut out = Vec::with_capacity(12 + ct.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        out
    }

    /// Opens the unbound format of an earlier release; only the upgrade
    /// ([`crate::sealed::bind_legacy`]) does, to bind such values to the
    /// row they are in.
    pub(crate) fn open_unbound(&self, sealed: &[u8]) -> Result<String> {
        if sealed.len() < 12 + 16 {
            return Err(StoreError::Key("sealed value too short".into()));
        }
        let (nonce, ct) = sealed.split_at(12);
        let nonce: [u8; 12] = nonce
            .try_into()
            .map_err(|_| StoreError::Key("nonce".into()))?;
        let pt = self
            .cipher
            .decrypt(&Nonce::<U12>::from(nonce), ct)
            .map_err(|_| StoreError::Key("sealed value does not open under this key".into()))?;
        String::from_utf8(pt).map_err(|e| StoreError::Key(e.to_string()))
    }

    /// Seals `plaintext` for one row of one column: version byte
    /// [`BOUND_V1`] ‖ nonce (12 bytes) ‖ ciphertext ‖ tag, with the row's
    /// [`RowBinding`] as GCM associated data. The same bytes copied into
    /// another row, or another column, no longer open.
    pub fn seal_at(&self, at: RowBinding, plaintext: &str) -> Vec<u8> {
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let aad = at.associated_data();
        let ct = self
            .cipher
            .encrypt(
                &Nonce::<U12>::from(nonce),
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: aad.as_bytes(),
                },
            )
            .expect("GCM encryption of a short value cannot fail");
        let mut out = Vec::with_capacity(1 + 12 + ct.len());
        out.push(BOUND_V1);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        out
    }

    /// Opens a value sealed by [`PiiCipher::seal_at`] for exactly this
    /// row and column. A value sealed for another row (copied there) is
    /// refused with [`StoreError::Key`] naming the binding, never opened.
    pub fn open_at(&self, at: RowBinding, sealed: &[u8]) -> Result<String> {
        let refused = || StoreError::Key(format!("sealed value does not open for {at}"));
        let Some((&BOUND_V1, rest)) = sealed.split_first() else {
            return Err(refused());
        };
        if rest.len() < 12 + 16 {
            return Err(refused());
        }
        let (nonce, ct) = rest.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| refused())?;
        let aad = at.associated_data();
        let pt = self
            .cipher
            .decrypt(
                &Nonce::<U12>::from(nonce),
                Payload {
                    msg: ct,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| refused())?;
        String::from_utf8(pt).map_err(|e| StoreError::Key(e.to_string()))
    }

    /// HMAC-SM3 of a pre-login form token's nonce under its own derived
    /// key: every node sharing the master key signs and checks alike, and
    /// nobody without it can make a token the site accepts.
    pub fn form_token_mac(&self, nonce: &[u8]) -> [u8; 32] {
        let mut mac = <Hmac<Sm3> as KeyInit>::new_from_slice(&self.form_key)
            .expect("HMAC takes any key length");
        mac.update(nonce);
        mac.finalize().into_bytes().into()
    }

    /// Keyed SM3 (HMAC-SM3) of the normalised value, hex encoded; `kind`
    /// keeps equal strings of different kinds apart.
    pub fn index(&self, kind: &str, value: &str) -> String {
        let mut mac = <Hmac<Sm3> as KeyInit>::new_from_slice(&self.index_key)
            .expect("HMAC takes any key length");
        mac.update(kind.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

/// The leading byte of a value sealed for one row ([`PiiCipher::seal_at`]).
pub const BOUND_V1: u8 = 1;

/// A column that holds sealed personal data. The list is closed: a value
/// is bound to a column named here, never to a string made up at a call
/// site, so two call sites cannot disagree on how a column is spelt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SealedColumn {
    table: &'static str,
    column: &'static str,
    /// The table's primary key, whose value binds a sealed value to its row.
    key: &'static str,
}

impl SealedColumn {
    /// `applications.data_json`: the phone fields of the form as last saved.
    pub const APPLICATION_DRAFT: SealedColumn =
        SealedColumn::new("applications", "data_json", "id");
    /// `applications.submitted_json`: the phone fields of the frozen version.
    pub const APPLICATION_SUBMITTED: SealedColumn =
        SealedColumn::new("applications", "submitted_json", "id");
    /// `suggestions.data_json`: the phone fields of a 指南建议.
    pub const SUGGESTION_DATA: SealedColumn = SealedColumn::new("suggestions", "data_json", "id");
    /// A person's 证件号码.
    pub const PERSON_DOC_NO: SealedColumn = SealedColumn::new("persons", "doc_no_enc", "id");
    /// A person's 手机号码.
    pub const PERSON_PHONE: SealedColumn = SealedColumn::new("persons", "phone_enc", "id");
    /// A unit's 联系人手机号码.
    pub const UNIT_CONTACT_PHONE: SealedColumn =
        SealedColumn::new("units", "contact_phone_enc", "id");
    /// A unit's 法定代表人证件号码 (修改法人信息). Not in [`Self::BINARY`]:
    /// the column came after row binding, so it never held an unbound
    /// value, and it stays NULL until a unit gives one.
    pub const UNIT_LEGAL_REP_DOC_NO: SealedColumn =
        SealedColumn::new("units", "legal_rep_doc_no_enc", "id");
    /// The recipient (phone or e-mail) of a queued message.
    pub const OUTBOX_RECIPIENT: SealedColumn = SealedColumn::new("outbox", "recipient_enc", "id");
    /// The mobile a new staff member's activation code goes to.
    pub const STAFF_ACTIVATION_MOBILE: SealedColumn =
        SealedColumn::new("staff_activation", "mobile_enc", "staff_id");
    /// The contact phone of a 公示 objection.
    pub const OBJECTION_CONTACT: SealedColumn =
        SealedColumn::new("objections", "contact_enc", "id");
    /// The phone of a comment on a draft guide (指南征求意见).
    pub const COMMENT_PHONE: SealedColumn =
        SealedColumn::new("consultation_comments", "phone_enc", "id");
    /// The 证件号码 given in a 申诉找回密码 (new with appeals: no earlier
    /// release sealed it unbound, so it is not in [`Self::BINARY`]).
    pub const APPEAL_DOC_NO: SealedColumn = SealedColumn::new("appeals", "doc_no_enc", "id");
    /// The phone given in a 申诉找回密码 (as above).
    pub const APPEAL_PHONE: SealedColumn = SealedColumn::new("appeals", "phone_enc", "id");

    /// The binary columns, each holding one sealed value per row.
    pub const BINARY: [SealedColumn; 7] = [
        SealedColumn::PERSON_DOC_NO,
        SealedColumn::PERSON_PHONE,
        SealedColumn::UNIT_CONTACT_PHONE,
        SealedColumn::OUTBOX_RECIPIENT,
        SealedColumn::STAFF_ACTIVATION_MOBILE,
        SealedColumn::OBJECTION_CONTACT,
        SealedColumn::COMMENT_PHONE,
    ];

    const fn new(table: &'static str, column: &'static str, key: &'static str) -> SealedColumn {
        SealedColumn { table, column, key }
    }

    /// The binding of this column in the row whose primary key is `id`.
    pub fn row(self, id: i64) -> RowBinding {
        RowBinding { column: self, id }
    }

    pub(crate) fn table(self) -> &'static str {
        self.table
    }

    pub(crate) fn column(self) -> &'static str {
        self.column
    }

    pub(crate) fn key(self) -> &'static str {
        self.key
    }
}

/// One row of one [`SealedColumn`]: the associated data a value is sealed
/// with. The row's primary key is used because it never changes, is
/// unique within the table and is not chosen by anyone who could write a
/// copied ciphertext (an attacker who can write the database can move
/// bytes, not make them open under another row's key).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RowBinding {
    column: SealedColumn,
    id: i64,
}

impl RowBinding {
    /// `table.column#id`, e.g. `persons.phone_enc#42`.
    fn associated_data(self) -> String {
        self.to_string()
    }

    pub(crate) fn id(self) -> i64 {
        self.id
    }

    pub(crate) fn column(self) -> SealedColumn {
        self.column
    }
}

impl std::fmt::Display for RowBinding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}.{}#{}",
            self.column.table, self.column.column, self.id
        )
    }
}

/// Writes a file readable by its owner only.
pub fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = crate::private::new_file().open(path)?;
    f.write_all(contents)?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use sm4::cipher::BlockCipherEncrypt;

    #[test]
    fn sm4_matches_gmt_0002_vector() {
        // GM/T 0002-2012 example 1: key = plaintext = 0123456789abcdeffedcba9876543210.
        let key = hex::decode("0123456789abcdeffedcba9876543210").unwrap();
        let c = sm4::Sm4::new_from_slice(&key).unwrap();
        let mut block = sm4::cipher::Block::<sm4::Sm4>::try_from(&key[..]).unwrap();
        c.encrypt_block(&mut block);
        assert_eq!(hex::encode(block), "681edf34d206965e86b3e94f536e4246");
    }

    #[test]
    fn a_bound_value_opens_only_in_its_own_row_and_column() {
        let c = PiiCipher::from_master(&[7u8; 32]);
        let at = SealedColumn::APPLICATION_DRAFT.row(5);
        let sealed = c.seal_at(at, "13900000001");
        assert_eq!(sealed[0], BOUND_V1);
        assert!(!sealed.windows(6).any(|w| w == b"139000"));
        assert_eq!(c.open_at(at, &sealed).unwrap(), "13900000001");
        let other_row = SealedColumn::APPLICATION_DRAFT.row(6);
        let err = c.open_at(other_row, &sealed).unwrap_err().to_string();
        assert!(err.contains("applications.data_json#6"), "{err}");
        let other_column = SealedColumn::APPLICATION_SUBMITTED.row(5);
        assert!(c.open_at(other_column, &sealed).is_err());
        assert!(c.open_at(at, &c.seal_unbound("13900000001")).is_err());
        let other_key = PiiCipher::from_master(&[8u8; 32]);
        assert!(other_key.open_at(at, &sealed).is_err());
    }

    #[test]
    fn seal_round_trips_and_hides_the_value() {
        let c = PiiCipher::from_master(&[7u8; 32]);
        let sealed = c.seal_unbound("542322199101060091");
        assert!(!sealed.windows(6).any(|w| w == b"542322"));
        assert_eq!(c.open_unbound(&sealed).unwrap(), "542322199101060091");
        let other = PiiCipher::from_master(&[8u8; 32]);
        assert!(other.open_unbound(&sealed).is_err());
        assert_eq!(
            c.index("phone", "13800000000"),
            c.index("phone", "13800000000")
        );
        assert_ne!(
            c.index("phone", "13800000000"),
            c.index("id", "13800000000")
        );
        assert_ne!(
            c.index("phone", "13800000000"),
            other.index("phone", "13800000000")
        );
    }
}
