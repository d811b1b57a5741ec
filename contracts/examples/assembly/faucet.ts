/**
 * A token faucet: a contract that calls another. It holds ERC-20 tokens and gives each
 * address one fixed claim by calling the token's `transfer` (the faucet is the token's
 * caller, so its own balance pays). A failed transfer's revert data is passed on, so the
 * claimant sees the token's reason.
 */
import { AbiDecoder, AbiEncoder, Address, callContract, caller, Indexed, require, revertWith, selectorBytes, selfAddress, StorageMap, StorageValue, u256 } from "../../as-sdk/assembly";

// Selectors of the ERC-20 functions called: keccak-256 of the signature, first 4 bytes.
const TRANSFER: u32 = 0xa9059cbb; // transfer(address,uint256)
const BALANCE_OF: u32 = 0x70a08231; // balanceOf(address)

@event declare function Claimed(claimant: Indexed<Address>, amount: u256): void;

@contract
class Faucet {
  private readonly tokenAddress: StorageValue<Address> = new StorageValue<Address>("token");
  private readonly perClaim: StorageValue<u256> = new StorageValue<u256>("amount");
  private readonly claimed: StorageMap<Address, bool> = new StorageMap<Address, bool>("claimed");

  @deploy
  init(token: Address, amountPerClaim: u256): void {
    this.tokenAddress.set(token);
    this.perClaim.set(amountPerClaim);
  }

  /** Sends the caller one claim's worth of tokens; each address may claim once. */
  claim(): u256 {
    const claimant = caller();
    require(!this.claimed.get(claimant, false), "faucet: already claimed");
    this.claimed.set(claimant, true);
    const amount = this.perClaim.get(u256.Zero);
    const data = new AbiEncoder().write<Address>(claimant).write<u256>(amount).finish(selectorBytes(TRANSFER));
    const result = callContract(this.token(), data);
    if (!result.ok) revertWith(result.data);
    Claimed(claimant, amount);
    return amount;
  }

  /** The faucet's own token balance, asked of the token contract. */
  @view available(): u256 {
    const data = new AbiEncoder().write<Address>(selfAddress()).finish(selectorBytes(BALANCE_OF));
    const result = callContract(this.token(), data);
    require(result.ok, "faucet: token balanceOf failed");
    return new AbiDecoder(result.data).read<u256>();
  }

  @view token(): Address {
    return this.tokenAddress.get(Address.zero());
  }

  @view hasClaimed(account: Address): bool {
    return this.claimed.get(account, false);
  }
}
