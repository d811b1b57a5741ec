/**
 * Cross-border data verification (a Greater Bay Area pilot): an institution in one
 * jurisdiction anchors the digest of a document it issued (credit report, KYC report, asset
 * certificate, admission letter) with its kind and expiry; a bank in another jurisdiction
 * checks a file the customer carries by hashing it and asking here. Only digests cross the
 * border, never the document. Every act is an event, so a regulator sees who issued, who
 * verified what and when, and what was revoked, without reading any document.
 *
 * Issuers are admitted by the pilot's operator (the deployer), so a verifier knows an
 * anchor comes from a known institution of a known jurisdiction.
 */
import { Address, Bytes32, caller, Indexed, require, StorageMap, StorageValue, timestamp } from "../../as-sdk/assembly";

// Document kinds (u8 on the ABI): 1 credit report, 2 KYC report, 3 asset certificate, 4 admission letter.
const KIND_CREDIT_REPORT: u8 = 1;
const KIND_ADMISSION_LETTER: u8 = 4;

// What `verify` and `statusOf` answer (u8 on the ABI).
const STATUS_UNKNOWN: u8 = 0;
const STATUS_VALID: u8 = 1;
const STATUS_REVOKED: u8 = 2;
const STATUS_EXPIRED: u8 = 3;

@event declare function IssuerAdded(issuer: Indexed<Address>, jurisdiction: string): void;
@event declare function DocumentAnchored(digest: Indexed<Bytes32>, issuer: Indexed<Address>, kind: u8, expiresAt: u64): void;
@event declare function DocumentVerified(digest: Indexed<Bytes32>, verifier: Indexed<Address>, issuer: Indexed<Address>, status: u8): void;
@event declare function DocumentRevoked(digest: Indexed<Bytes32>, issuer: Indexed<Address>, reason: string): void;

@contract
class DocVerify {
  private readonly operator_: StorageValue<Address> = new StorageValue<Address>("operator");
  private readonly jurisdictions: StorageMap<Address, string> = new StorageMap<Address, string>("jurisdiction");
  private readonly issuers: StorageMap<Bytes32, Address> = new StorageMap<Bytes32, Address>("issuer");
  private readonly kinds: StorageMap<Bytes32, u8> = new StorageMap<Bytes32, u8>("kind");
  private readonly expiries: StorageMap<Bytes32, u64> = new StorageMap<Bytes32, u64>("expiresAt");
  private readonly anchoredTimes: StorageMap<Bytes32, u64> = new StorageMap<Bytes32, u64>("anchoredAt");
  private readonly revokedTimes: StorageMap<Bytes32, u64> = new StorageMap<Bytes32, u64>("revokedAt");
  private readonly verifications: StorageMap<Bytes32, u64> = new StorageMap<Bytes32, u64>("verifications");

  @deploy init(): void {
    this.operator_.set(caller());
  }

  /** Admits `issuer` (an institution of `jurisdiction`, e.g. "HK"); the operator's act. */
  addIssuer(issuer: Address, jurisdiction: string): void {
    require(caller() == this.operator(), "doc-verify: only the operator adds issuers");
    require(!issuer.isZero(), "doc-verify: zero issuer");
    require(jurisdiction.length > 0, "doc-verify: empty jurisdiction");
    require(!this.jurisdictions.has(issuer), "doc-verify: issuer already added");
    this.jurisdictions.set(issuer, jurisdiction);
    IssuerAdded(issuer, jurisdiction);
  }

  /** Anchors `digest` (keccak-256 of the document) issued by the caller, valid until `expiresAt` (block ms). */
  anchor(digest: Bytes32, kind: u8, expiresAt: u64): void {
    const issuer = caller();
    require(this.jurisdictions.has(issuer), "doc-verify: caller is not an admitted issuer");
    require(!digest.isZero(), "doc-verify: empty digest");
    require(kind >= KIND_CREDIT_REPORT && kind <= KIND_ADMISSION_LETTER, "doc-verify: unknown document kind");
    require(expiresAt > timestamp(), "doc-verify: already expired");
    require(!this.issuers.has(digest), "doc-verify: already anchored");
    this.issuers.set(digest, issuer);
    this.kinds.set(digest, kind);
    this.expiries.set(digest, expiresAt);
    this.anchoredTimes.set(digest, timestamp());
    DocumentAnchored(digest, issuer, kind, expiresAt);
  }

  /**
   * Records that the caller checked the file with `digest` and returns what it found.
   * A failed check is recorded too (it does not revert): a bank presented with a revoked
   * or unknown document is exactly what a regulator wants to see.
   */
  verify(digest: Bytes32): u8 {
    const status = this.statusOf(digest);
    this.verifications.set(digest, this.verifications.get(digest, 0) + 1);
    DocumentVerified(digest, caller(), this.issuerOf(digest), status);
    return status;
  }

  /** Revokes `digest`; only its issuer may, and only once. */
  revoke(digest: Bytes32, reason: string): void {
    require(this.issuers.has(digest), "doc-verify: unknown document");
    const issuer = this.issuerOf(digest);
    require(issuer == caller(), "doc-verify: only the issuer revokes");
    require(!this.revokedTimes.has(digest), "doc-verify: already revoked");
    this.revokedTimes.set(digest, timestamp());
    DocumentRevoked(digest, issuer, reason);
  }

  /** 0 unknown, 1 valid, 2 revoked, 3 expired (at this block's time). */
  @view statusOf(digest: Bytes32): u8 {
    if (!this.issuers.has(digest)) return STATUS_UNKNOWN;
    if (this.revokedTimes.has(digest)) return STATUS_REVOKED;
    if (timestamp() >= this.expiries.get(digest, 0)) return STATUS_EXPIRED;
    return STATUS_VALID;
  }

  @view operator(): Address {
    return this.operator_.get(Address.zero());
  }

  /** The jurisdiction of an admitted issuer; empty for anyone else. */
  @view jurisdictionOf(issuer: Address): string {
    return this.jurisdictions.get(issuer, "");
  }

  /** The issuer, or the zero address for an unknown digest. */
  @view issuerOf(digest: Bytes32): Address {
    return this.issuers.get(digest, Address.zero());
  }

  @view kindOf(digest: Bytes32): u8 {
    return this.kinds.get(digest, 0);
  }

  @view expiresAt(digest: Bytes32): u64 {
    return this.expiries.get(digest, 0);
  }

  @view anchoredAt(digest: Bytes32): u64 {
    return this.anchoredTimes.get(digest, 0);
  }

  /** Block time (ms) of the revocation; 0 if not revoked. */
  @view revokedAt(digest: Bytes32): u64 {
    return this.revokedTimes.get(digest, 0);
  }

  @view verificationCount(digest: Bytes32): u64 {
    return this.verifications.get(digest, 0);
  }
}
