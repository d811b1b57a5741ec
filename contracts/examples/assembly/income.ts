/**
 * Income verification for cross-border workers (a Greater Bay Area pilot): a data source (a
 * tax bureau or subsidy office, an institution of its jurisdiction) anchors a worker's income
 * record by its commitment, and a bank checks that record before selling the worker foreign
 * currency. The record itself travels in the same transaction as a private record (a type-3
 * transaction: encrypted to the parties and to the pilot's supervising regulators, decisions
 * 6-8 in docs/design-decisions.md, Supervision), so no income figure is ever on chain in the
 * clear, yet every anchored commitment is one a supervising regulator can open.
 *
 * The contract enforces that pairing: `anchor` asks PilotRegistry (0x…1006) for the current
 * transaction's record, anchors exactly its commitment, and requires its pilot to be this
 * contract's pilot (a record of another pilot is wrapped for that pilot's regulators, not
 * this one's). A bank holding the record and salt (handed over by the worker) recomputes
 * `keccak256(salt ‖ record)` off chain and checks it here; the check is recorded, together
 * with the commitment of the bank's own private record of the purchase if it sends one.
 */
import { AbiDecoder, AbiEncoder, Address, Bytes32, callContract, caller, Indexed, require, StorageMap, StorageValue, selectorBytes, timestamp } from "../../as-sdk/assembly";

// The selectors of PilotRegistry's views (keccak-256 of the signature, first 4 bytes).
const PAYLOAD_COMMITMENT: u32 = 0x66d6f625; // payloadCommitment() returns (bytes32)
const PAYLOAD_PILOT: u32 = 0x005e7b69; // payloadPilot() returns (uint64)

// What `verify` and `statusOf` answer (u8 on the ABI).
const STATUS_UNKNOWN: u8 = 0;
const STATUS_VALID: u8 = 1;
const STATUS_REVOKED: u8 = 2;

@event declare function PilotSet(pilot: u64): void;
@event declare function SourceAdded(source: Indexed<Address>, jurisdiction: string): void;
@event declare function IncomeAnchored(commitment: Indexed<Bytes32>, source: Indexed<Address>, worker: Indexed<Bytes32>, period: u32): void;
@event declare function IncomeRevoked(commitment: Indexed<Bytes32>, source: Indexed<Address>, reason: string): void;
@event declare function IncomeVerified(commitment: Indexed<Bytes32>, bank: Indexed<Address>, worker: Indexed<Bytes32>, status: u8, purchaseRecord: Bytes32): void;

/** PilotRegistry's address, 0x0000000000000000000000000000000000001006. */
function registry(): Address {
  const a = new Uint8Array(20);
  a[18] = 0x10;
  a[19] = 0x06;
  return new Address(a);
}

/** Calls a no-argument view of PilotRegistry; its absence or failure reverts the transaction. */
function askRegistry(selector: u32): AbiDecoder {
  const result = callContract(registry(), new AbiEncoder().finish(selectorBytes(selector)));
  require(result.ok, "income: PilotRegistry did not answer");
  return new AbiDecoder(result.data);
}

@contract
class IncomeVerification {
  private readonly operator_: StorageValue<Address> = new StorageValue<Address>("operator");
  private readonly pilot_: StorageValue<u64> = new StorageValue<u64>("pilot");
  private readonly jurisdictions: StorageMap<Address, string> = new StorageMap<Address, string>("jurisdiction");
  private readonly sources: StorageMap<Bytes32, Address> = new StorageMap<Bytes32, Address>("source");
  private readonly workers: StorageMap<Bytes32, Bytes32> = new StorageMap<Bytes32, Bytes32>("worker");
  private readonly periods: StorageMap<Bytes32, u32> = new StorageMap<Bytes32, u32>("period");
  private readonly anchoredTimes: StorageMap<Bytes32, u64> = new StorageMap<Bytes32, u64>("anchoredAt");
  private readonly revokedTimes: StorageMap<Bytes32, u64> = new StorageMap<Bytes32, u64>("revokedAt");
  private readonly checks: StorageMap<Bytes32, u64> = new StorageMap<Bytes32, u64>("checks");

  @deploy init(): void {
    this.operator_.set(caller());
  }

  /**
   * Names the pilot this contract belongs to, once; the operator's act after the committee
   * registered the pilot (its id is assigned then, after this contract was deployed).
   */
  setPilot(pilot: u64): void {
    require(caller() == this.operator(), "income: only the operator sets the pilot");
    require(pilot != 0, "income: pilot 0 does not exist");
    require(this.pilot() == 0, "income: pilot already set");
    this.pilot_.set(pilot);
    PilotSet(pilot);
  }

  /** Admits `source` (a tax bureau or subsidy office of `jurisdiction`); the operator's act. */
  addSource(source: Address, jurisdiction: string): void {
    require(caller() == this.operator(), "income: only the operator adds sources");
    require(!source.isZero(), "income: zero source");
    require(jurisdiction.length > 0, "income: empty jurisdiction");
    require(!this.jurisdictions.has(source), "income: source already added");
    this.jurisdictions.set(source, jurisdiction);
    SourceAdded(source, jurisdiction);
  }

  /**
   * Anchors the income record this transaction carries, for `worker` (a pseudonymous
   * reference the source and the worker share, never an identity number) and `period`
   * (e.g. 202406 for June 2024), and returns its commitment. The commitment is taken from
   * PilotRegistry, not from an argument, so what is anchored is always the record that
   * travelled (and was wrapped for the regulators), and the sender need not know the salt
   * its client drew before sealing.
   */
  anchor(worker: Bytes32, period: u32): Bytes32 {
    const source = caller();
    require(this.jurisdictions.has(source), "income: caller is not an admitted source");
    const commitment = this.carriedRecord();
    require(!this.sources.has(commitment), "income: already anchored");
    this.sources.set(commitment, source);
    this.workers.set(commitment, worker);
    this.periods.set(commitment, period);
    this.anchoredTimes.set(commitment, timestamp());
    IncomeAnchored(commitment, source, worker, period);
    return commitment;
  }

  /** Revokes an anchored record (a corrected return, a withdrawn subsidy); only its source may, once. */
  revoke(commitment: Bytes32, reason: string): void {
    require(this.sources.has(commitment), "income: unknown record");
    const source = this.sourceOf(commitment);
    require(source == caller(), "income: only the source revokes");
    require(!this.revokedTimes.has(commitment), "income: already revoked");
    this.revokedTimes.set(commitment, timestamp());
    IncomeRevoked(commitment, source, reason);
  }

  /**
   * Records the caller's (a bank's) check of the record with `commitment` and returns what it
   * found; a failed check is recorded too. If the transaction carries the bank's own private
   * record (the currency purchase), its commitment is logged with the check, so a regulator
   * can open both and see what the income check was for.
   */
  verify(commitment: Bytes32): u8 {
    const status = this.statusOf(commitment);
    const purchase = askRegistry(PAYLOAD_COMMITMENT).read<Bytes32>();
    if (!purchase.isZero()) this.requireOwnPilot();
    this.checks.set(commitment, this.checks.get(commitment, 0) + 1);
    IncomeVerified(commitment, caller(), this.workerOf(commitment), status, purchase);
    return status;
  }

  /** 0 unknown, 1 valid, 2 revoked. */
  @view statusOf(commitment: Bytes32): u8 {
    if (!this.sources.has(commitment)) return STATUS_UNKNOWN;
    if (this.revokedTimes.has(commitment)) return STATUS_REVOKED;
    return STATUS_VALID;
  }

  @view operator(): Address {
    return this.operator_.get(Address.zero());
  }

  /** The pilot this contract belongs to; 0 until set. */
  @view pilot(): u64 {
    return this.pilot_.get(0);
  }

  @view jurisdictionOf(source: Address): string {
    return this.jurisdictions.get(source, "");
  }

  /** The source that anchored the record, or the zero address. */
  @view sourceOf(commitment: Bytes32): Address {
    return this.sources.get(commitment, Address.zero());
  }

  @view workerOf(commitment: Bytes32): Bytes32 {
    return this.workers.get(commitment, new Bytes32());
  }

  @view periodOf(commitment: Bytes32): u32 {
    return this.periods.get(commitment, 0);
  }

  @view anchoredAt(commitment: Bytes32): u64 {
    return this.anchoredTimes.get(commitment, 0);
  }

  @view revokedAt(commitment: Bytes32): u64 {
    return this.revokedTimes.get(commitment, 0);
  }

  @view checkCount(commitment: Bytes32): u64 {
    return this.checks.get(commitment, 0);
  }

  /** The commitment of the private record this transaction carries, which must be one of this contract's pilot. */
  private carriedRecord(): Bytes32 {
    const carried = askRegistry(PAYLOAD_COMMITMENT).read<Bytes32>();
    require(!carried.isZero(), "income: the transaction carries no private record");
    this.requireOwnPilot();
    return carried;
  }

  private requireOwnPilot(): void {
    const own = this.pilot();
    require(own != 0, "income: pilot not set");
    require(askRegistry(PAYLOAD_PILOT).read<u64>() == own, "income: the private record is for another pilot");
  }
}
