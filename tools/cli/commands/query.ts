import type { Command } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { fromHex } from '../../../node/codec/hex.js';
import { decodeTx, txHash } from '../../../node/codec/tx.js';
import { createEcdsaSuite } from '../../../node/crypto/index.js';
import { verifyMerkleProof } from '../../../node/ledger/merkle.js';
import { RpcClient } from '../../client/rpc-client.js';
import { CliError, kv, print } from '../output.js';
import { defineCommand } from '../command-table.js';

import { DEFAULT_RPC } from '../send-options.js';

export interface ProofJson {
  kind: 'transaction' | 'receipt';
  blockNumber: number;
  blockHash: string;
  root: string;
  leaf: string;
  transaction?: string;
  proof: { index: number; leafCount: number; siblings: string[] };
}

/**
 * Checks a proof with nothing but its own content: the leaf hashes up to the root. For a
 * transaction proof the leaf must also be the hash of the transaction bytes it carries.
 * Whether the root belongs to a trusted block is for the caller to check (block header).
 */
export function verifyProofOffline(p: ProofJson): { ok: boolean; reason: string } {
  const suite = createEcdsaSuite();
  const hash = (b: Uint8Array) => suite.hash(b);
  try {
    if (p.kind === 'transaction' && p.transaction !== undefined) {
      // The leaf is the transaction's hash as the chain computes it (txHash): for an
      // Ethereum-signed one that is keccak256 of its signed bytes, not of the envelope.
      const h = txHash(suite, decodeTx(fromHex(p.transaction, 'transaction')));
      if (Buffer.compare(h, fromHex(p.leaf, 'leaf')) !== 0)
        return { ok: false, reason: 'leaf is not the hash of the transaction bytes' };
    }
    const ok = verifyMerkleProof(hash, fromHex(p.root, 'root', 32), fromHex(p.leaf, 'leaf'), {
      index: p.proof.index,
      leafCount: p.proof.leafCount,
      siblings: p.proof.siblings.map((s) => fromHex(s, 'sibling', 32)),
    });
    return ok ? { ok, reason: 'leaf is included under root' } : { ok, reason: 'proof does not lead to the root' };
  } catch (e) {
    return { ok: false, reason: `malformed proof: ${(e as Error).message}` };
  }
}

export function registerQueryCommands(program: Command): void {
  const rpcOpt = (c: Command) => c.option('--rpc <url>', 'node RPC URL', DEFAULT_RPC).option('--json', 'print JSON');

  rpcOpt(defineCommand(program, 'info')).action(async (o: { rpc: string; json?: boolean }) => {
    const info = await new RpcClient(o.rpc).call('getNodeInfo');
    print(o, info, () => kv(Object.entries(info)));
  });

  rpcOpt(defineCommand(program, 'block'))
    .option('--txs', 'include full transactions')
    .action(async (id: string, o: { rpc: string; json?: boolean; txs?: boolean }) => {
      const c = new RpcClient(o.rpc);
      const b = /^0x[0-9a-fA-F]{64}$/.test(id)
        ? await c.call('getBlockByHash', [id, !!o.txs])
        : await c.call('getBlockByNumber', [
            id === 'latest' ? 'latest' : Number.isNaN(Number(id)) ? id : Number(id),
            !!o.txs,
          ]);
      if (!b) throw new CliError(`block ${id} not found`);
      print(o, b, () =>
        kv(Object.entries(b).map(([k, v]) => [k, Array.isArray(v) && !o.txs ? `${v.length} item(s)` : v])),
      );
    });

  rpcOpt(defineCommand(program, 'tx')).action(async (hash: string, o: { rpc: string; json?: boolean }) => {
    const t = await new RpcClient(o.rpc).call('getTransactionByHash', [hash]);
    if (!t) throw new CliError(`transaction ${hash} not found`);
    print(o, t, () => kv(Object.entries(t)));
  });

  rpcOpt(defineCommand(program, 'receipt')).action(async (hash: string, o: { rpc: string; json?: boolean }) => {
    const r = await new RpcClient(o.rpc).call('getTransactionReceipt', [hash]);
    if (!r) throw new CliError(`no receipt for ${hash} (not committed yet, or unknown)`);
    print(o, r, () => kv(Object.entries(r)));
  });

  rpcOpt(defineCommand(program, 'proof'))
    .option('--receipt', 'prove the receipt instead of the transaction')
    .option('--out <file>', 'also save the proof for offline verification')
    .action(async (hash: string, o: { rpc: string; json?: boolean; receipt?: boolean; out?: string }) => {
      const kind = o.receipt ? 'receipt' : 'transaction';
      const c = new RpcClient(o.rpc);
      const p = o.receipt ? await c.call('getReceiptProof', [hash]) : await c.call('getTransactionProof', [hash]);
      if (!p) throw new CliError(`${hash} is not on chain`);
      const proof: ProofJson = { kind, ...p };
      if (o.out) writeFileSync(o.out, JSON.stringify(proof, null, 2) + '\n');
      const v = verifyProofOffline(proof);
      print(o, { ...proof, verified: v.ok, reason: v.reason }, () =>
        kv([
          ['kind', kind],
          ['block', `${proof.blockNumber} ${proof.blockHash}`],
          ['root', proof.root],
          ['siblings', proof.proof.siblings.length],
          ['verified', `${v.ok} (${v.reason})`],
        ]),
      );
      if (!v.ok) process.exitCode = 1;
    });

  defineCommand(program, 'verify-proof')
    .option('--json', 'print JSON')
    .action((file: string, o: { json?: boolean }) => {
      let proof: ProofJson;
      try {
        proof = JSON.parse(readFileSync(file, 'utf8')) as ProofJson;
      } catch (e) {
        throw new CliError(`cannot read proof ${file}: ${(e as Error).message}`);
      }
      const v = verifyProofOffline(proof);
      print(
        o,
        { verified: v.ok, reason: v.reason, root: proof.root, blockNumber: proof.blockNumber },
        () => `${v.ok ? 'VALID' : 'INVALID'}: ${v.reason} (block ${proof.blockNumber}, root ${proof.root})`,
      );
      if (!v.ok) process.exitCode = 1;
    });
}
