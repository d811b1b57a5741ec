/**
 * A key-value evidence store for cross-institution verification: an issuer records the
 * digest of a document (the document itself stays off chain) with metadata, anyone can
 * look it up, and only the issuer can revoke it. Timestamps are the block's (ms).
 */
import { Address, Bytes32, blockNumber, caller, Indexed, require, StorageMap, StorageValue, timestamp } from "../../as-sdk/assembly";

@event declare function EvidenceStored(digest: Indexed<Bytes32>, issuer: Indexed<Address>, metadata: string): void;
@event declare function EvidenceRevoked(digest: Indexed<Bytes32>, issuer: Indexed<Address>, reason: string): void;

@contract
class EvidenceStore {
  private readonly issuers: StorageMap<Bytes32, Address> = new StorageMap<Bytes32, Address>("issuer");
  private readonly metadata: StorageMap<Bytes32, string> = new StorageMap<Bytes32, string>("metadata");
  private readonly times: StorageMap<Bytes32, u64> = new StorageMap<Bytes32, u64>("storedAt");
  private readonly blocks: StorageMap<Bytes32, u64> = new StorageMap<Bytes32, u64>("storedBlock");
  private readonly revocations: StorageMap<Bytes32, string> = new StorageMap<Bytes32, string>("revoked");
  private readonly total: StorageValue<u64> = new StorageValue<u64>("count");

  /** Records `digest` with the caller as issuer; a digest can be stored once. */
  store(digest: Bytes32, metadata: string): void {
    require(!digest.isZero(), "evidence: empty digest");
    require(!this.issuers.has(digest), "evidence: already stored");
    const issuer = caller();
    this.issuers.set(digest, issuer);
    this.metadata.set(digest, metadata);
    this.times.set(digest, timestamp());
    this.blocks.set(digest, blockNumber());
    this.total.set(this.total.get(0) + 1);
    EvidenceStored(digest, issuer, metadata);
  }

  /** Marks `digest` revoked; only its issuer may, and only once. */
  revoke(digest: Bytes32, reason: string): void {
    require(this.issuers.has(digest), "evidence: not found");
    const issuer = this.issuers.get(digest, Address.zero());
    require(issuer == caller(), "evidence: only the issuer can revoke");
    require(!this.revocations.has(digest), "evidence: already revoked");
    this.revocations.set(digest, reason);
    EvidenceRevoked(digest, issuer, reason);
  }

  @view exists(digest: Bytes32): bool {
    return this.issuers.has(digest);
  }

  /** Stored and not revoked. */
  @view isValid(digest: Bytes32): bool {
    return this.issuers.has(digest) && !this.revocations.has(digest);
  }

  /** The issuer, or the zero address for an unknown digest. */
  @view issuerOf(digest: Bytes32): Address {
    return this.issuers.get(digest, Address.zero());
  }

  @view metadataOf(digest: Bytes32): string {
    return this.metadata.get(digest, "");
  }

  /** Block timestamp (ms) of the recording; 0 for an unknown digest. */
  @view storedAt(digest: Bytes32): u64 {
    return this.times.get(digest, 0);
  }

  @view storedBlock(digest: Bytes32): u64 {
    return this.blocks.get(digest, 0);
  }

  /** The revocation reason; empty if not revoked. */
  @view revocationReason(digest: Bytes32): string {
    return this.revocations.get(digest, "");
  }

  @view count(): u64 {
    return this.total.get(0);
  }
}
