import { encodeCanonical } from '../../node/codec/canonical.js';
import { hexKey, toHex } from '../../node/codec/hex.js';
import { createEcdsaSuite } from '../../node/crypto/index.js';
import type { CryptoSuite, KeyPair } from '../../node/crypto/suite.js';
import { bindSuiteToChain, createValidatorSet, MsgType } from '../../consensus/index.js';
import { ByzantineNode } from './byzantine.js';
import { genesis } from './fake-chain.js';
import { Network } from './network.js';
import { SimNode, type Envelope, type NodeEnv } from './node.js';
import { Prng } from './prng.js';
import { describeScenario, type Scenario } from './scenario.js';
import { Scheduler } from './scheduler.js';
import { createSimSuite, withVerifyCache } from './sim-suite.js';

export interface SimReport {
  readonly scenario: string;
  /** Virtual time at the end of the run (ms). */
  readonly virtualMs: number;
  /** Virtual time from heal until every honest validator reached the target height (ms). */
  readonly healToTargetMs: number;
  readonly height: number;
  readonly events: number;
  readonly messages: Network<Envelope>['stats'];
  readonly viewTimeouts: number;
  readonly syncedBlocks: number;
  readonly crashes: number;
  readonly byzantineMessages: number;
  /** Warnings honest validators logged (invalid or byzantine input they dropped). */
  readonly warnings: number;
}

export class SimFailure extends Error {
  constructor(
    readonly scenario: Scenario,
    reason: string,
    readonly virtualMs: number,
  ) {
    super(
      `PBFT simulation failed at t=${virtualMs}ms: ${reason}\n` +
        `  profile=${scenario.profile} seed=${scenario.seed} ${describeScenario(scenario)}\n` +
        `  rerun: ${rerunCommand(scenario)}`,
    );
    this.name = 'SimFailure';
  }
}

export function rerunCommand(s: Pick<Scenario, 'profile' | 'seed' | 'ecdsa'>): string {
  return `npx tsx test/sim/run.ts --profile ${s.profile} --seed ${s.seed}${s.ecdsa ? ' --ecdsa' : ''} --trace`;
}

const MAX_EVENTS = 3_000_000;

let ecdsaSuite: CryptoSuite | null = null;

/**
 * Runs one scenario to completion and checks, throughout, that no two honest validators
 * ever hold different blocks (or state roots) at one height and that every certificate
 * verifies; then that the healed network reaches the target height in time. Throws a
 * SimFailure (with seed and rerun command) on the first violation.
 */
export function runSimulation(
  scenario: Scenario,
  opts: { trace?: (line: string) => void; debug?: boolean } = {},
): SimReport {
  const trace = opts.trace;
  // The verification cache is shared across ecdsa runs: the same keys and digests recur.
  const base = scenario.ecdsa ? (ecdsaSuite ??= withVerifyCache(createEcdsaSuite())) : createSimSuite();
  const suite = bindSuiteToChain(base, base.hash(encodeCanonical(['lingding sim chain', scenario.seed])));
  const rng = new Prng(BigInt(scenario.seed) * 0x9e37n + BigInt(scenario.n));
  const sched = new Scheduler();
  const size = scenario.n + scenario.spares;
  const keys: KeyPair[] = Array.from({ length: size }, (_, i) => deriveKey(suite, scenario.seed, i));
  // The genesis set is the first n nodes; each change applies from its height on.
  const sets = [
    { fromHeight: 0, set: createValidatorSet(keys.slice(0, scenario.n).map((k) => k.publicKey)) },
    ...scenario.setChanges.map((c) => ({
      fromHeight: c.fromHeight,
      set: createValidatorSet(c.members.map((i) => keys[i].publicKey)),
    })),
  ];
  const validatorsAt = (height: number) => sets.findLast((s) => s.fromHeight <= height)!.set;
  const decided = new Map<number, { hash: string; stateRoot: string; node: number; via: string }>();
  const byzantineIds = new Set(scenario.byzantine.map((b) => b.node));
  let failure: SimFailure | null = null;
  let warnings = 0;
  let viewTimeouts = 0;
  let syncedBlocks = 0;
  let voteCrashes = 0;
  const faultRng = rng.fork();

  const fail = (reason: string): void => {
    failure ??= new SimFailure(scenario, reason, sched.now);
  };
  const log = (line: string): void => trace?.(`[${String(sched.now).padStart(7)}] ${line}`);

  const env: NodeEnv = {
    suite,
    sched,
    validatorsAt,
    genesis: genesis(suite),
    net: new Network<Envelope>(
      sched,
      rng.fork(),
      size,
      scenario.chaosLink,
      (from, to, msg) => nodes[to].receive(from, msg),
      (msg) => {
        if (msg.kind !== 'pbft' || sched.now >= scenario.chaosMs) return 0;
        // A canonical PBFT message starts with a fixarray header, then its type tag.
        const type = msg.bytes[1];
        if (type === MsgType.Commit || type === MsgType.Decision) return scenario.voteLoss;
        return type === MsgType.Prepare ? scenario.voteLoss / 2 : 0;
      },
    ),
    timeouts: scenario.timeouts,
    buildDelay: scenario.buildDelay,
    execDelay: scenario.execDelay,
    syncIntervalMs: scenario.syncIntervalMs,
    onCommit(node, entry, via) {
      if (via === 'sync') syncedBlocks++;
      log(
        `v${node.index} ${byzantineIds.has(node.index) ? '(byzantine) ' : ''}committed h=${entry.height} ${toHex(entry.hash).slice(0, 10)} view=${entry.certificate?.view} via ${via}`,
      );
      if (byzantineIds.has(node.index)) return;
      const hash = hexKey(entry.hash);
      const stateRoot = hexKey(entry.stateRoot);
      const prior = decided.get(entry.height);
      if (!prior) decided.set(entry.height, { hash, stateRoot, node: node.index, via });
      else if (prior.hash !== hash)
        fail(
          `SAFETY: height ${entry.height} committed as ${hash.slice(0, 16)} by v${node.index} (${via}) but as ${prior.hash.slice(0, 16)} by v${prior.node} (${prior.via})`,
        );
      else if (prior.stateRoot !== stateRoot)
        fail(`state roots differ at height ${entry.height} between v${node.index} and v${prior.node}`);
    },
    onLog(node, level, msg, ctx) {
      if (byzantineIds.has(node.index)) return;
      if (level === 'warn') warnings++;
      if (msg === 'view timed out') viewTimeouts++;
      if (level !== 'debug' || opts.debug) log(`v${node.index} ${level}: ${msg} ${JSON.stringify(ctx)}`);
      if (level === 'error') fail(`honest validator v${node.index} logged an error: ${msg} ${JSON.stringify(ctx)}`);
    },
    afterVote(node) {
      if (sched.now >= scenario.chaosMs || byzantineIds.has(node.index) || !faultRng.chance(scenario.voteCrash)) return;
      const downMs = faultRng.range(10, 3_000);
      log(`v${node.index} crashes right after voting, for ${downMs}ms`);
      node.crash();
      voteCrashes++;
      sched.after(downMs, () => {
        if (node.alive) return;
        log(`v${node.index} restarts at height ${node.chain.length}`);
        node.boot();
      });
    },
    fail(node, reason) {
      if (!byzantineIds.has(node.index)) fail(`v${node.index}: ${reason}`);
    },
  };

  const nodes: SimNode[] = keys.map((key, i) => {
    const byz = scenario.byzantine.find((b) => b.node === i);
    return byz
      ? new ByzantineNode(i, key, env, rng.fork(), new Set(byz.behaviours))
      : new SimNode(i, key, env, rng.fork());
  });
  const honest = nodes.filter((nd) => !byzantineIds.has(nd.index));

  // Chaos: partitions and crashes as scheduled.
  for (const p of scenario.partitions) {
    sched.at(p.atMs, () => {
      log(`partition ${JSON.stringify(p.groups)} for ${p.durationMs}ms`);
      // Spares (drawn after the partitions) sit in group 0.
      env.net.partition([...p.groups, ...Array<number>(scenario.spares).fill(0)]);
    });
    sched.at(Math.min(p.atMs + p.durationMs, scenario.chaosMs), () => env.net.heal());
  }
  for (const c of scenario.crashes) {
    sched.at(c.atMs, () => {
      if (!nodes[c.node].alive) return;
      log(`v${c.node} crashes for ${c.downMs}ms`);
      nodes[c.node].crash();
    });
    if (c.atMs + c.downMs < scenario.chaosMs) {
      sched.at(c.atMs + c.downMs, () => {
        if (nodes[c.node].alive) return;
        log(`v${c.node} restarts at height ${nodes[c.node].chain.length}`);
        nodes[c.node].boot();
      });
    }
  }

  // Heal: a clean network, everyone up; then the liveness clock starts.
  let target = Infinity;
  let healedAt = scenario.chaosMs;
  sched.at(scenario.chaosMs, () => {
    env.net.heal();
    env.net.link = scenario.healedLink;
    for (const nd of nodes) {
      if (!nd.alive) {
        log(`v${nd.index} restarts at height ${nd.chain.length} (heal)`);
        nd.boot();
      }
    }
    healedAt = sched.now;
    target = Math.max(...honest.map((nd) => nd.head.height)) + scenario.livenessBlocks;
    log(`healed; target height ${target}`);
  });

  for (const nd of nodes) nd.boot();
  const deadline = scenario.chaosMs + scenario.livenessBoundMs;
  let reachedAt = -1;
  while (!failure) {
    if (sched.executed > MAX_EVENTS) fail(`event budget of ${MAX_EVENTS} exhausted`);
    else if (honest.every((nd) => nd.head.height >= target)) {
      reachedAt = sched.now;
      break;
    } else if (!sched.step(deadline)) {
      const heights = honest.map((nd) => `v${nd.index}@${nd.head.height}/view${nd.view}`).join(' ');
      fail(
        `LIVENESS: honest validators did not reach height ${target} within ${scenario.livenessBoundMs}ms of healing (${heights})`,
      );
    }
  }
  if (failure) throw failure;

  return {
    scenario: describeScenario(scenario),
    virtualMs: sched.now,
    healToTargetMs: reachedAt - healedAt,
    height: Math.min(...honest.map((nd) => nd.head.height)),
    events: sched.executed,
    messages: env.net.stats,
    viewTimeouts,
    syncedBlocks,
    crashes: scenario.crashes.length + voteCrashes,
    byzantineMessages: nodes.reduce((s, nd) => s + (nd instanceof ByzantineNode ? nd.stats.sent : 0), 0),
    warnings,
  };
}

/** Validator keys from the seed; the same seed always gives the same validator set. */
function deriveKey(suite: CryptoSuite, seed: number, index: number): KeyPair {
  for (let attempt = 0; ; attempt++) {
    const secret = suite.hash(encodeCanonical(['lingding sim key', seed, index, attempt]));
    try {
      return suite.keyPairFromSecret(secret);
    } catch {
      // not a valid scalar for this curve: try the next candidate
    }
  }
}
