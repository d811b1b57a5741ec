/**
 * Supply-chain receivables (a Greater Bay Area pilot): a core enterprise acknowledges what it
 * owes a supplier as a receivable (id, debtor, face amount, due date); holders split it into
 * two (amounts summing to the parent) and pass splits down the supply chain; a bank finances
 * (buys) a split the holder offers it; the debtor settles each live receivable at maturity.
 *
 * Every move of value emits the ERC-20 `Transfer` (issue is a mint, settlement a burn), which
 * is what the pilot's limits and the regulator read (docs/design-decisions.md, Supervision,
 * decision 4); `AssetMoved` and `AssetSplit`, the identified-asset standard a regulator node
 * reads (decision 11), say which receivable moved or was split, so a regulator can follow one
 * from its issue through every split and hop to whoever holds each piece now. A split
 * moves no value between holders, so it emits no Transfer. Payment itself happens off chain.
 */
import { Address, caller, Indexed, require, StorageMap, StorageValue, timestamp, u256 } from "../../as-sdk/assembly";

// Status of a receivable (u8 on the ABI); 0 = no such receivable.
const ACTIVE: u8 = 1;
const SPLIT: u8 = 2;
const SETTLED: u8 = 3;

@event declare function Transfer(from: Indexed<Address>, to: Indexed<Address>, value: u256): void;
@event declare function AssetMoved(id: Indexed<u256>, from: Indexed<Address>, to: Indexed<Address>, amount: u256): void;
@event declare function Issued(id: Indexed<u256>, debtor: Indexed<Address>, holder: Indexed<Address>, amount: u256, dueDate: u64): void;
@event declare function AssetSplit(parent: Indexed<u256>, child: Indexed<u256>, holder: Address, amount: u256): void;
@event declare function FinancingOffered(id: Indexed<u256>, holder: Indexed<Address>, bank: Indexed<Address>, price: u256): void;
@event declare function Financed(id: Indexed<u256>, bank: Indexed<Address>, seller: Indexed<Address>, price: u256): void;
@event declare function Settled(id: Indexed<u256>, debtor: Indexed<Address>, holder: Indexed<Address>, amount: u256): void;

@contract
class Receivables {
  private readonly holders: StorageMap<u256, Address> = new StorageMap<u256, Address>("holder");
  private readonly amounts: StorageMap<u256, u256> = new StorageMap<u256, u256>("amount");
  private readonly debtors: StorageMap<u256, Address> = new StorageMap<u256, Address>("debtor");
  private readonly dueDates: StorageMap<u256, u64> = new StorageMap<u256, u64>("dueDate");
  private readonly parents: StorageMap<u256, u256> = new StorageMap<u256, u256>("parent");
  private readonly statuses: StorageMap<u256, u8> = new StorageMap<u256, u8>("status");
  private readonly financiers: StorageMap<u256, Address> = new StorageMap<u256, Address>("financier");
  private readonly offers: StorageMap<u256, Address> = new StorageMap<u256, Address>("offer");
  private readonly offerPrices: StorageMap<u256, u256> = new StorageMap<u256, u256>("offerPrice");
  private readonly balances: StorageMap<Address, u256> = new StorageMap<Address, u256>("balances");
  private readonly outstanding: StorageValue<u256> = new StorageValue<u256>("totalSupply");

  /** The caller (the debtor, a core enterprise) issues receivable `id` to its supplier. */
  issue(id: u256, supplier: Address, amount: u256, dueDate: u64): void {
    const debtor = caller();
    this.requireNew(id);
    require(!supplier.isZero(), "receivables: zero supplier");
    require(supplier != debtor, "receivables: the debtor cannot hold its own receivable");
    require(!amount.isZero(), "receivables: zero amount");
    require(dueDate > timestamp(), "receivables: due date has passed");
    this.create(id, u256.Zero, debtor, supplier, amount, dueDate);
    this.outstanding.set(this.totalSupply() + amount);
    this.balances.set(supplier, this.balanceOf(supplier) + amount);
    Issued(id, debtor, supplier, amount, dueDate);
    AssetMoved(id, Address.zero(), supplier, amount);
    Transfer(Address.zero(), supplier, amount);
  }

  /** The holder splits `parent` into `childA` and `childB`, whose amounts must sum to the parent's. */
  split(parent: u256, childA: u256, amountA: u256, childB: u256, amountB: u256): void {
    const holder = this.requireHeldByCaller(parent);
    require(this.financierOf(parent).isZero(), "receivables: already financed");
    this.requireNew(childA);
    this.requireNew(childB);
    require(childA != childB, "receivables: child ids must differ");
    require(!amountA.isZero() && !amountB.isZero(), "receivables: zero amount");
    require(amountA + amountB == this.amountOf(parent), "receivables: split amounts do not sum to the parent's");
    this.statuses.set(parent, SPLIT);
    this.offers.remove(parent);
    const debtor = this.debtorOf(parent);
    const dueDate = this.dueDateOf(parent);
    this.create(childA, parent, debtor, holder, amountA, dueDate);
    this.create(childB, parent, debtor, holder, amountB, dueDate);
    AssetSplit(parent, childA, holder, amountA);
    AssetSplit(parent, childB, holder, amountB);
  }

  /** The holder passes receivable `id` on to `to` (e.g. paying its own supplier with it). */
  transfer(id: u256, to: Address): void {
    const from = this.requireHeldByCaller(id);
    require(this.financierOf(id).isZero(), "receivables: already financed");
    require(!to.isZero(), "receivables: transfer to the zero address");
    require(to != from, "receivables: transfer to the holder");
    this.move(id, from, to);
  }

  /** The holder offers receivable `id` to `bank` for `price` (at most its face amount). */
  offerForFinancing(id: u256, bank: Address, price: u256): void {
    const holder = this.requireHeldByCaller(id);
    require(this.financierOf(id).isZero(), "receivables: already financed");
    require(!bank.isZero() && bank != holder, "receivables: bad bank");
    require(!price.isZero() && price <= this.amountOf(id), "receivables: price must be within the face amount");
    this.offers.set(id, bank);
    this.offerPrices.set(id, price);
    FinancingOffered(id, holder, bank, price);
  }

  /** The bank an offer names buys receivable `id`; it then holds it until settlement. */
  finance(id: u256): void {
    this.requireActive(id);
    require(this.financierOf(id).isZero(), "receivables: already financed");
    const bank = caller();
    require(this.offerOf(id) == bank, "receivables: no financing offer to the caller");
    const seller = this.holderOf(id);
    const price = this.offerPrices.get(id, u256.Zero);
    this.financiers.set(id, bank);
    Financed(id, bank, seller, price);
    this.move(id, seller, bank);
  }

  /** The debtor settles receivable `id` at or after its due date (paid off chain); it is burnt. */
  settle(id: u256): void {
    this.requireActive(id);
    const debtor = this.debtorOf(id);
    require(caller() == debtor, "receivables: only the debtor settles");
    require(timestamp() >= this.dueDateOf(id), "receivables: not yet due");
    const holder = this.holderOf(id);
    const amount = this.amountOf(id);
    this.statuses.set(id, SETTLED);
    this.offers.remove(id);
    this.balances.set(holder, this.balanceOf(holder) - amount);
    this.outstanding.set(this.totalSupply() - amount);
    Settled(id, debtor, holder, amount);
    AssetMoved(id, holder, Address.zero(), amount);
    Transfer(holder, Address.zero(), amount);
  }

  /** 0 none, 1 active, 2 split (its children carry its value), 3 settled. */
  @view statusOf(id: u256): u8 {
    return this.statuses.get(id, 0);
  }

  @view holderOf(id: u256): Address {
    return this.holders.get(id, Address.zero());
  }

  @view amountOf(id: u256): u256 {
    return this.amounts.get(id, u256.Zero);
  }

  @view debtorOf(id: u256): Address {
    return this.debtors.get(id, Address.zero());
  }

  @view dueDateOf(id: u256): u64 {
    return this.dueDates.get(id, 0);
  }

  /** The receivable this one was split from; 0 for an issued one. */
  @view parentOf(id: u256): u256 {
    return this.parents.get(id, u256.Zero);
  }

  /** The bank that financed it; the zero address if none did. */
  @view financierOf(id: u256): Address {
    return this.financiers.get(id, Address.zero());
  }

  /** The bank an open financing offer names; the zero address if none. */
  @view offerOf(id: u256): Address {
    return this.offers.get(id, Address.zero());
  }

  /** Face value of the live receivables `owner` holds (ERC-20 style). */
  @view balanceOf(owner: Address): u256 {
    return this.balances.get(owner, u256.Zero);
  }

  /** Face value of all live receivables: issued and not yet settled. */
  @view totalSupply(): u256 {
    return this.outstanding.get(u256.Zero);
  }

  private create(id: u256, parent: u256, debtor: Address, holder: Address, amount: u256, dueDate: u64): void {
    this.statuses.set(id, ACTIVE);
    this.parents.set(id, parent);
    this.debtors.set(id, debtor);
    this.holders.set(id, holder);
    this.amounts.set(id, amount);
    this.dueDates.set(id, dueDate);
  }

  private move(id: u256, from: Address, to: Address): void {
    const amount = this.amountOf(id);
    this.holders.set(id, to);
    this.offers.remove(id);
    this.balances.set(from, this.balanceOf(from) - amount);
    this.balances.set(to, this.balanceOf(to) + amount);
    AssetMoved(id, from, to, amount);
    Transfer(from, to, amount);
  }

  private requireNew(id: u256): void {
    require(!id.isZero(), "receivables: id 0 is reserved");
    require(this.statusOf(id) == 0, "receivables: id already used");
  }

  private requireActive(id: u256): void {
    const status = this.statusOf(id);
    require(status != 0, "receivables: unknown receivable");
    require(status != SPLIT, "receivables: receivable was split");
    require(status != SETTLED, "receivables: receivable is settled");
  }

  /** The holder of live receivable `id`, which must be the caller. */
  private requireHeldByCaller(id: u256): Address {
    this.requireActive(id);
    const holder = this.holderOf(id);
    require(holder == caller(), "receivables: caller is not the holder");
    return holder;
  }
}
