/**
 * Fuzzing the deploy path: random and mutated WebAssembly modules. The VM must refuse a
 * module with a ContractRejectedError (its own, stable reason) or accept it; an accepted
 * module's instrumented code is valid WebAssembly, and running it ends in one of the VM's
 * statuses within its gas limit — never a crash, a hang or another kind of error.
 *
 * The same modules in signed deploy transactions through the chain: a refused deployment
 * leaves the state root as an empty block would, its receipt names a reason the VM defines
 * (never the engine's text, which differs between runtimes and would decide a hashed byte),
 * and re-executing the block, as every validator does, gives the same roots.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Chain } from '../../node/chain/chain.js';
import { ReceiptStatus } from '../../node/codec/block.js';
import { encodeCanonical } from '../../node/codec/canonical.js';
import { toHex } from '../../node/codec/hex.js';
import { decodeTx } from '../../node/codec/tx.js';
import { buildSignedTx } from '../../node/codec/tx-builder.js';
import { committeeOf, parseGenesis } from '../../node/config/genesis.js';
import { createEcdsaSuite } from '../../node/crypto/index.js';
import { encodeDeployInput, WasmContractVm } from '../../node/exec/wasm-vm.js';
import { RejectCode } from '../../node/vm/errors.js';
import { ContractRejectedError, prepareContract, runContract } from '../../node/vm/index.js';
import { TrapReason } from '../../node/vm/run.js';
import { engine } from '../../node/vm/wasm/engine.js';
import { fuzzParams, hostileBytes, mutated } from '../helpers/fuzz.js';
import { CORPUS } from '../helpers/vm/corpus.js';
import { address, MemoryHost, newWorld } from '../helpers/vm/memory-host.js';
import { randomProgram } from '../helpers/vm/program-gen.js';
import { wat } from '../helpers/vm/wat.js';

const corpus = Object.values(CORPUS).map((text) => wat(text));
const validModule = fc.oneof(
  fc.constantFrom(...corpus),
  fc.integer({ min: 0, max: 2 ** 31 - 1 }).map((seed) => wat(randomProgram(seed))),
);

const STATUSES = ['success', 'revert', 'outOfGas', 'trap'];

function deployAndRun(bytes: Uint8Array): void {
  let prepared: ReturnType<typeof prepareContract>;
  try {
    prepared = prepareContract(bytes);
  } catch (e) {
    if (!(e instanceof ContractRejectedError))
      throw new Error(`deploy threw ${(e as Error)?.name}: ${(e as Error)?.message}`);
    expect(e.code).toMatch(/^[A-Z_]+$/);
    return;
  }
  expect(engine.validate(prepared.code)).toBe(true);
  const r = runContract({
    prepared,
    entry: 'call',
    input: new Uint8Array(),
    gasLimit: 2_000_000,
    host: new MemoryHost(newWorld(), address(1)),
  });
  expect(STATUSES).toContain(r.status);
  expect(r.gasUsed).toBeLessThanOrEqual(2_000_000);
}

describe('fuzz: WebAssembly deploy path', () => {
  it('random, mutated and noise modules are refused with a VM reason or run within their gas', () => {
    fc.assert(fc.property(hostileBytes(validModule, 512), deployAndRun), fuzzParams(400));
  });
});

const suite = createEcdsaSuite();
const deployer = suite.keyPairFromSecret(new Uint8Array(32).fill(7));
const sealer = suite.keyPairFromSecret(new Uint8Array(32).fill(8));
const CHAIN_ID = 'fuzz-deploy';

/** What a deployment's receipt may say: the VM's and the executor's own words, per status. */
const REJECT_CODES = Object.values(RejectCode).join('|');
const VM_REASONS: Record<number, RegExp> = {
  [ReceiptStatus.Success]: /^$/,
  [ReceiptStatus.DeployFailed]: new RegExp(
    `^(contract refused \\((${REJECT_CODES})\\): contract rejected \\(\\2\\): |deployment input (is not|must be) )`,
  ),
  [ReceiptStatus.Trapped]: new RegExp(`^(${Object.values(TrapReason).join('|')})$`),
  [ReceiptStatus.OutOfGas]: /^out of gas: needed \d+, \d+ left$/,
  [ReceiptStatus.Reverted]: /.*/, // the contract's own revert reason
};
/** Words only V8 (or another engine) writes: none may reach a receipt. */
const ENGINE_TEXT = /CompileError|RuntimeError|LinkError|wasm-function|@\+\d+|Compiling function|WebAssembly\.\w/;

describe('fuzz: deploy transactions through the chain', () => {
  let dir: string;
  let chain: Chain;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lingding-fuzz-deploy-'));
    const genesis = parseGenesis({
      chainId: CHAIN_ID,
      suite: 'ecdsa',
      timestamp: 1,
      sealers: [toHex(sealer.publicKey)],
      committee: committeeOf([toHex(deployer.address)]),
    });
    chain = await Chain.open({ dataDir: dir, genesis, suite, syncWrites: false, vm: new WasmContractVm() });
  });
  afterAll(async () => {
    await chain?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A deploy input: modules as above, wrapped as the executor expects, or a broken wrapping. */
  const deployInput = fc.oneof(
    {
      weight: 4,
      arbitrary: hostileBytes(validModule, 512).map((wasm) => encodeDeployInput(wasm, new Uint8Array(), '')),
    },
    { weight: 1, arbitrary: mutated(validModule.map((wasm) => encodeDeployInput(wasm, new Uint8Array(), '[]'))) },
    { weight: 1, arbitrary: fc.constantFrom(encodeCanonical([]), encodeCanonical(['a', 'b', 'c']), new Uint8Array()) },
  );

  it('a refused deployment changes no state and its receipt names only a VM reason; re-execution agrees', () => {
    const at = { timestamp: 1000, proposer: 0, view: 0 };
    const emptyRoot = toHex(chain.buildBlock([], at).block.header.stateRoot);
    const gasLimit = Math.min(chain.systemConfig().txGasLimit, 5_000_000);
    fc.assert(
      fc.property(deployInput, (input) => {
        const signed = buildSignedTx(
          suite,
          { chainId: CHAIN_ID, height: chain.head.number, to: null, input, gasLimit },
          deployer.secretKey,
        );
        const tx = decodeTx(signed.raw);
        const built = chain.buildBlock(
          [{ tx, hash: signed.hash, sender: deployer.address, size: signed.raw.length }],
          at,
        );
        expect(built.receipts.length).toBe(1);
        const r = built.receipts[0];
        expect(r.message).toMatch(VM_REASONS[r.status] ?? /^$/);
        expect(r.message).not.toMatch(ENGINE_TEXT);
        if (r.status !== ReceiptStatus.Success) {
          expect(toHex(built.block.header.stateRoot)).toBe(emptyRoot);
          expect(r.contractAddress).toBeNull();
        }
        // What every other validator computes from the block.
        const again = chain.executeBlock(built.block, [deployer.address]);
        expect(toHex(again.block.header.stateRoot)).toBe(toHex(built.block.header.stateRoot));
        expect(toHex(again.block.header.receiptRoot)).toBe(toHex(built.block.header.receiptRoot));
      }),
      fuzzParams(150),
    );
    expect(chain.head.number).toBe(0);
  });
});
