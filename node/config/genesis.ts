import { readFileSync } from 'node:fs';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { z } from 'zod';
import { normalizeNodeId } from '../crypto/node-id.js';
import {
  ApprovalPercent,
  BlockLimitWindow,
  COMMITTEE_BOUNDS,
  CommitteeMemberWeight,
  EthereumChainId,
  GenesisRegulators,
  ParticipationPercent,
  ProposalLifetimeBlocks,
} from './defaults.js';
import { ConfigError, ConfigErrorCode } from './errors.js';

/**
 * The chain's genesis file: everything every node must agree on before block 1.
 * Its content is committed into block 0's state, so two nodes with different genesis
 * files have different genesis hashes and refuse each other's blocks.
 */
const hexBytes = (len: number, what: string) =>
  z.string().regex(new RegExp(`^(0x)?[0-9a-fA-F]{${len * 2}}$`), `${what} must be ${len} bytes of hex`);

/** A node id in any accepted spelling (0x, upper case), read as its canonical form. */
export const NodeIdSchema = z.string().transform((s, ctx) => {
  const id = normalizeNodeId(s);
  if (id === null) {
    ctx.addIssue({
      code: 'custom',
      message: 'node id (uncompressed secp256k1 public key without prefix) must be 64 bytes of hex',
    });
    return z.NEVER;
  }
  return id;
});
export const AddressSchema = hexBytes(20, 'address');

/** The governing committee: weighted members and the rules their proposals are voted by. */
export const CommitteeSchema = z
  .object({
    members: z
      .array(z.object({ address: AddressSchema, weight: CommitteeMemberWeight }).strict())
      .min(1, 'at least one committee member is required')
      .max(COMMITTEE_BOUNDS.maxMembers, `at most ${COMMITTEE_BOUNDS.maxMembers} committee members`),
    participationPercent: ParticipationPercent,
    approvalPercent: ApprovalPercent,
    proposalLifetimeBlocks: ProposalLifetimeBlocks,
  })
  .strict();

export const GenesisSchema = z
  .object({
    chainId: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9._-]+$/, 'chainId may use letters, digits, dot, dash and underscore'),
    /** Absent: derived from chainId (deriveEthereumChainId). */
    ethereumChainId: EthereumChainId.optional(),
    suite: z.enum(['ecdsa', 'sm']),
    timestamp: z.number().int().nonnegative(),
    blockLimitWindow: BlockLimitWindow,
    sealers: z.array(NodeIdSchema).min(1, 'at least one sealer is required'),
    observers: z
      .array(
        z
          .object({ nodeId: NodeIdSchema, regulator: z.boolean().default(false), name: z.string().max(64).optional() })
          .strict(),
      )
      .default([]),
    committee: CommitteeSchema,
    /** Regulators' accounts (their observer nodes are flagged in `observers`). */
    regulators: GenesisRegulators,
    systemConfig: z.record(z.string(), z.string()).default({}),
  })
  .strict()
  .transform((g) => ({ ...g, ethereumChainId: g.ethereumChainId ?? deriveEthereumChainId(g.chainId) }));

/** Largest derived Ethereum chain id: 2^31 - 1, so that 32-bit tools and wallets take it. */
const DERIVED_ETH_CHAIN_ID_MAX = 0x7fffffff;

/**
 * The Ethereum chain id of a genesis that does not set one: the first four bytes of
 * keccak-256 of the chainId string, as a big-endian number, folded into 1..2^31-1.
 * Deterministic, so every node reading the same file agrees; distinct chain ids almost
 * always differ (a chain that must avoid a known Ethereum network's id sets it explicitly).
 */
export function deriveEthereumChainId(chainId: string): number {
  const h = keccak_256(new TextEncoder().encode(chainId));
  const word = ((h[0] << 24) | (h[1] << 16) | (h[2] << 8) | h[3]) >>> 0;
  return (word % DERIVED_ETH_CHAIN_ID_MAX) + 1;
}

export type GenesisConfig = z.infer<typeof GenesisSchema>;
/** A genesis file as written: fields with a default may be left out. */
export type GenesisInput = z.input<typeof GenesisSchema>;

/** A genesis committee of these members, weight 1 each, voting by the default rules. */
export function committeeOf(addresses: readonly string[]): GenesisInput['committee'] {
  return { members: addresses.map((address) => ({ address })) };
}

export function parseGenesis(json: unknown, source = 'genesis'): GenesisConfig {
  const r = GenesisSchema.safeParse(json);
  if (!r.success) throw new ConfigError(`${source}: ${formatZodError(r.error)}`);
  // 'sm' is a suite the format reserves (SM2/SM3, the national standards) but this build
  // cannot run yet: refused here, naming the file, rather than when a node starts.
  if (r.data.suite !== 'ecdsa')
    throw new ConfigError(
      `${source}: suite: crypto suite '${r.data.suite}' (SM2/SM3) is not available yet; use 'ecdsa'`,
      ConfigErrorCode.UnsupportedSuite,
      { suite: r.data.suite },
    );
  // Node ids are in canonical form by now, so one spelled twice differently is caught too.
  const ids = [...r.data.sealers, ...r.data.observers.map((o) => o.nodeId)];
  if (new Set(ids).size !== ids.length)
    throw new ConfigError(
      `${source}: a node id appears more than once among sealers and observers`,
      ConfigErrorCode.DuplicateNode,
    );
  const members = r.data.committee.members.map((m) => m.address.toLowerCase().replace(/^0x/, ''));
  if (new Set(members).size !== members.length)
    throw new ConfigError(
      `${source}: committee.members: an address appears more than once`,
      ConfigErrorCode.DuplicateMember,
    );
  const regulators = r.data.regulators.map((x) => x.account.toLowerCase().replace(/^0x/, ''));
  if (new Set(regulators).size !== regulators.length)
    throw new ConfigError(`${source}: regulators: an account appears more than once`, ConfigErrorCode.DuplicateMember);
  return r.data;
}

export function loadGenesisFile(path: string): GenesisConfig {
  return parseGenesis(readJsonFile(path), path);
}

export { ConfigError, ConfigErrorCode } from './errors.js';

export function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(
      `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      ConfigErrorCode.Unreadable,
    );
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${path} is not valid JSON: ${(e as Error).message}`, ConfigErrorCode.NotJson);
  }
}

export function formatZodError(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');
}
