/**
 * The throughput benches' two workloads behind one interface, chosen with `--workload kv|erc20`:
 *  - kv: KVStore.set of a fresh key, the cheapest useful transaction (a system contract);
 *  - erc20: transfers of the shipped AssemblyScript token (contracts/examples/assembly/token.ts)
 *    from `--senders` accounts (default 200) to as many receiving addresses.
 * Both are native (type 1) transactions: a random nonce and a blockLimit window, so they can
 * be signed ahead in any number and committed in any order, unlike Ethereum's per-sender nonces.
 */
import { Interface } from 'ethers';
import { asExample } from '../../contracts/testing/examples.js';
import { fromHex, toHex } from '../../node/codec/hex.js';
import { buildSignedTx } from '../../node/codec/tx-builder.js';
import { GENESIS_DEFAULTS } from '../../node/config/defaults.js';
import type { KeyPair } from '../../node/crypto/index.js';
import { SystemAddress } from '../../node/exec/addresses.js';
import { encodeDeployInput } from '../../node/exec/wasm-vm.js';
import type { RpcClient } from '../../tools/client/rpc-client.js';
import { numberArg, stringArg } from './args.js';
import { suite } from './signing.js';

export type WorkloadName = 'kv' | 'erc20';

/** The chain a workload runs on: a node to set up through and the committee accounts that pay for setup. */
export interface TargetChain {
  readonly chainId: string;
  readonly accounts: readonly KeyPair[];
  readonly client: RpcClient;
}

export interface PreparedWorkload {
  /** `count` signed transactions (hex), valid from `height` for the genesis blockLimit window. */
  sign(count: number, height: number): string[];
  /**
   * After the load, checks the chain's state against the `succeeded` receipts: null when it
   * agrees, else what differs (a transfer the receipts call successful must have moved tokens).
   */
  checkState(succeeded: number): Promise<string | null>;
}

export interface Workload {
  readonly name: WorkloadName;
  /** What one transaction is, for table titles. */
  readonly label: string;
  /** The untimed setup (deploying, funding the senders). */
  prepare(chain: TargetChain): Promise<PreparedWorkload>;
}

/** Accounts sending ERC-20 transfers, and addresses receiving them. */
export const DEFAULT_SENDERS = 200;
/** Each transfer moves one token unit, so the receivers' balances sum to the successful transfers. */
const TRANSFER_AMOUNT = 1n;
/** Tokens each sender is given in setup: far more than any run spends. */
const SENDER_FUNDS = 10n ** 9n;
/** The AssemblyScript token's transfer uses ~100 k gas (two storage writes, one event); room to spare. */
const TRANSFER_GAS = 1_000_000;
// Signed at the height the load starts; the chain accepts blockLimits up to its genesis window ahead.
const BLOCK_LIMIT_WINDOW = GENESIS_DEFAULTS.blockLimitWindow;

/** `--workload kv|erc20` (default kv) and `--senders N` for erc20. */
export function workloadArg(): Workload {
  const name = stringArg('workload', 'kv');
  if (name === 'kv') return kvWorkload();
  if (name === 'erc20') return erc20Workload(numberArg('senders', DEFAULT_SENDERS));
  throw new Error(`--workload expects kv or erc20, got '${name}'`);
}

export function kvWorkload(): Workload {
  const kv = new Interface(['function set(string key, string value) returns (int32)']);
  return {
    name: 'kv',
    label: 'KVStore.set txs',
    async prepare(chain) {
      // Keys fresh per prepared run, so every set writes a new key as the bench always did.
      const prefix = `b${Date.now().toString(36)}`;
      let signed = 0;
      return {
        sign(count, height) {
          return Array.from({ length: count }, () => {
            const i = signed++;
            const input = fromHex(kv.encodeFunctionData('set', [`${prefix}-k${i}`, `value-${i}`]));
            const account = chain.accounts[i % chain.accounts.length];
            return signRaw(chain.chainId, height, SystemAddress.KVStore, input, 200_000, account);
          });
        },
        // A committed set cannot fail but for gas, which its receipt already says.
        checkState: async () => null,
      };
    },
  };
}

export function erc20Workload(senderCount: number): Workload {
  return {
    name: 'erc20',
    label: `ERC-20 transfers (AssemblyScript token, ${senderCount} senders)`,
    async prepare(chain) {
      const token = await asExample('token');
      const iface = new Interface(token.abi as never);
      const owner = chain.accounts[0];
      const setup = async (to: Uint8Array | null, inputs: Uint8Array[], gasLimit: number) => {
        const height = await chain.client.call('getBlockNumber');
        for (let i = 0; i < inputs.length; i += 100) {
          const raws = inputs
            .slice(i, i + 100)
            .map((input) => signRaw(chain.chainId, height, to, input, gasLimit, owner));
          const res = await chain.client.batch(raws.map((r) => ({ method: 'sendTransaction', params: [r, true] })));
          for (const r of res) {
            const receipt = r.result as { status?: number; message?: string; contractAddress?: string | null };
            if (r.error || receipt?.status !== 0)
              throw new Error(`erc20 setup failed: ${r.error?.message ?? receipt?.message}`);
          }
          if (i + 100 >= inputs.length) return res[res.length - 1].result as { contractAddress?: string | null };
        }
        throw new Error('erc20 setup sent nothing');
      };
      const ctor = fromHex(iface.encodeDeploy(['Bench', 'BCH', 0, 10n ** 15n]));
      const deployed = await setup(null, [encodeDeployInput(token.wasm, ctor, JSON.stringify(token.abi))], 50_000_000);
      const address = fromHex(deployed.contractAddress);
      const senders = Array.from({ length: senderCount }, () => suite.generateKeyPair());
      const receivers = Array.from({ length: senderCount }, () => suite.generateKeyPair().address);
      await setup(
        address,
        senders.map((s) => fromHex(iface.encodeFunctionData('transfer', [toHex(s.address), SENDER_FUNDS]))),
        TRANSFER_GAS,
      );
      let signed = 0;
      return {
        sign(count, height) {
          return Array.from({ length: count }, () => {
            const i = signed++;
            const to = toHex(receivers[i % receivers.length]);
            const input = fromHex(iface.encodeFunctionData('transfer', [to, TRANSFER_AMOUNT]));
            return signRaw(chain.chainId, height, address, input, TRANSFER_GAS, senders[i % senders.length]);
          });
        },
        async checkState(succeeded) {
          const res = await chain.client.batch(
            receivers.map((r) => ({
              method: 'call',
              params: [{ to: toHex(address), data: iface.encodeFunctionData('balanceOf', [toHex(r)]) }],
            })),
          );
          const received = res.reduce((sum, r) => {
            const output = (r.result as { output?: string } | undefined)?.output;
            if (r.error || !output) throw new Error(`balanceOf failed: ${r.error?.message}`);
            return sum + (iface.decodeFunctionResult('balanceOf', output)[0] as bigint);
          }, 0n);
          const expected = BigInt(succeeded) * TRANSFER_AMOUNT;
          return received === expected ? null : `receivers hold ${received} token units, receipts say ${expected}`;
        },
      };
    },
  };
}

function signRaw(
  chainId: string,
  height: number,
  to: Uint8Array | null,
  input: Uint8Array,
  gasLimit: number,
  from: KeyPair,
): string {
  return toHex(
    buildSignedTx(suite, { chainId, height, to, input, gasLimit, blockLimitWindow: BLOCK_LIMIT_WINDOW }, from.secretKey)
      .raw,
  );
}
