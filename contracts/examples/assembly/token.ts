/**
 * A fungible token with the ERC-20 surface. Amounts are u256 (18-decimal fixed point by
 * convention); arithmetic is checked, and the explicit `require`s give the same revert
 * reasons as OpenZeppelin's ERC-20, which wallets and tests recognise.
 */
import { Address, caller, Indexed, require, StorageMap, StorageMap2, StorageValue, u256 } from "../../as-sdk/assembly";

@event declare function Transfer(from: Indexed<Address>, to: Indexed<Address>, value: u256): void;
@event declare function Approval(owner: Indexed<Address>, spender: Indexed<Address>, value: u256): void;

@contract
class Token {
  private readonly name_: StorageValue<string> = new StorageValue<string>("name");
  private readonly symbol_: StorageValue<string> = new StorageValue<string>("symbol");
  private readonly decimals_: StorageValue<u8> = new StorageValue<u8>("decimals");
  private readonly supply: StorageValue<u256> = new StorageValue<u256>("totalSupply");
  private readonly balances: StorageMap<Address, u256> = new StorageMap<Address, u256>("balances");
  private readonly allowances: StorageMap2<Address, Address, u256> = new StorageMap2<Address, Address, u256>("allowances");

  /** Mints the whole supply to the deployer. */
  @deploy
  init(name: string, symbol: string, decimals: u8, initialSupply: u256): void {
    this.name_.set(name);
    this.symbol_.set(symbol);
    this.decimals_.set(decimals);
    this.supply.set(initialSupply);
    const owner = caller();
    this.balances.set(owner, initialSupply);
    Transfer(Address.zero(), owner, initialSupply);
  }

  @view name(): string {
    return this.name_.get("");
  }

  @view symbol(): string {
    return this.symbol_.get("");
  }

  @view decimals(): u8 {
    return this.decimals_.get(0);
  }

  @view totalSupply(): u256 {
    return this.supply.get(u256.Zero);
  }

  @view balanceOf(owner: Address): u256 {
    return this.balances.get(owner, u256.Zero);
  }

  @view allowance(owner: Address, spender: Address): u256 {
    return this.allowances.get(owner, spender, u256.Zero);
  }

  transfer(to: Address, amount: u256): bool {
    this.move(caller(), to, amount);
    return true;
  }

  approve(spender: Address, amount: u256): bool {
    require(!spender.isZero(), "ERC20: approve to the zero address");
    const owner = caller();
    this.allowances.set(owner, spender, amount);
    Approval(owner, spender, amount);
    return true;
  }

  /** Spends an allowance; u256.Max means unlimited and is never decreased. */
  transferFrom(from: Address, to: Address, amount: u256): bool {
    const spender = caller();
    const allowed = this.allowance(from, spender);
    if (allowed != u256.Max) {
      require(allowed >= amount, "ERC20: insufficient allowance");
      this.allowances.set(from, spender, allowed - amount);
    }
    this.move(from, to, amount);
    return true;
  }

  private move(from: Address, to: Address, amount: u256): void {
    require(!to.isZero(), "ERC20: transfer to the zero address");
    const balance = this.balanceOf(from);
    require(balance >= amount, "ERC20: transfer amount exceeds balance");
    this.balances.set(from, balance - amount);
    this.balances.set(to, this.balanceOf(to) + amount);
    Transfer(from, to, amount);
  }
}
