/**
 * The long multi-process PBFT run (`npm run test:soak`): a 4+1 cluster of real node
 * processes under continuous load while one node at a time is SIGKILLed, SIGTERMed or
 * paused (SIGSTOP) and brought back, for LINGDING_CLUSTER_SOAK_MINUTES (default 10).
 * After every fault the cluster must commit the cycle's load and the node must catch up;
 * at the end every acknowledged transaction is on every node and all nodes agree on every
 * block. The faults come from LINGDING_CLUSTER_SOAK_SEED (printed), so a failing sequence
 * can be run again (timing still varies).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCluster, startCluster, stopCluster, waitFor, type RunningCluster } from '../../tools/devnet/cluster.js';
import { allReach, checkSafety, heightOf, signKvSets, startLoad, type Receipt } from '../helpers/cluster-load.js';
import { Prng } from '../sim/prng.js';

const MINUTES = Number(process.env.LINGDING_CLUSTER_SOAK_MINUTES ?? 10);
const SEED = Number(process.env.LINGDING_CLUSTER_SOAK_SEED ?? Date.now() % 1_000_000_000);

type Fault = 'sigkill' | 'sigterm' | 'kill-leader' | 'pause' | 'observer-sigkill';
const FAULTS: readonly Fault[] = ['sigkill', 'sigterm', 'kill-leader', 'pause', 'observer-sigkill'];
const VALIDATORS = ['validator0', 'validator1', 'validator2', 'validator3'];

describe('PBFT cluster soak (real processes, one fault at a time)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lingding-cluster-soak-'));
  let rc: RunningCluster | null = null;
  afterAll(async () => {
    if (rc) {
      // A paused node would ignore SIGTERM until the grace period ends.
      for (const n of rc.running()) rc.process(n.name)?.child.kill('SIGCONT');
      await stopCluster(rc, { graceMs: 5000 });
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    `survives ${MINUTES} minutes of faults (seed ${SEED})`,
    async () => {
      process.stdout.write(
        `cluster soak: seed ${SEED}, ${MINUTES} min (LINGDING_CLUSTER_SOAK_SEED=${SEED} to repeat the faults)\n`,
      );
      const prng = new Prng(SEED);
      const cluster = await createCluster(dir, {
        validators: 4,
        observers: 1,
        accounts: 4,
        chainId: 'soak',
        node: { consensus: { viewTimeoutMs: 1000 }, log: { level: 'warn' } },
      });
      const c = (rc = await startCluster(cluster));
      const acked: Receipt[] = [];
      const paused = new Set<string>();
      const targets = () =>
        c
          .running()
          .map((n) => n.name)
          .filter((n) => !paused.has(n));
      const started = Date.now();
      const deadline = started + MINUTES * 60_000;

      for (let cycle = 0; Date.now() < deadline; cycle++) {
        const fault = FAULTS[prng.int(FAULTS.length)];
        const raws = signKvSets(cluster, await heightOf(c, 'validator0'), 600, `s${cycle}`);
        const load = startLoad(c, raws, { targets });
        await waitFor('load before the fault', async () => load.acked.length >= 100, { timeoutMs: 60_000 });
        const victim =
          fault === 'kill-leader'
            ? await c.leader('validator0')
            : fault === 'observer-sigkill'
              ? 'regulator0'
              : VALIDATORS[prng.int(VALIDATORS.length)];
        const t0 = Date.now();
        if (fault === 'pause') {
          paused.add(victim);
          c.process(victim)!.child.kill('SIGSTOP');
          await new Promise((r) => setTimeout(r, prng.range(2000, 8000)));
          c.process(victim)!.child.kill('SIGCONT');
          paused.delete(victim);
        } else {
          await c.kill(victim, fault === 'sigterm' ? 'SIGTERM' : 'SIGKILL');
        }
        // Three validators are a quorum: the whole cycle's load must still commit.
        await load.finished;
        const t1 = Date.now();
        acked.push(...load.acked);
        expect(load.txErrors, `cycle ${cycle}: transactions refused or not committed in time`).toEqual([]);
        if (!c.process(victim)) await c.start(victim);
        const t2 = Date.now();
        await allReach(c, await heightOf(c, 'validator0'), 120_000);
        process.stdout.write(
          `  ${((t0 - started) / 1000).toFixed(0)}s cycle ${cycle}: ${fault} ${victim}; load done ${t1 - t0} ms later, restart ${t2 - t1} ms, caught up ${Date.now() - t2} ms\n`,
        );
      }
      await checkSafety(c, acked);
      process.stdout.write(
        `cluster soak: ${((Date.now() - started) / 1000).toFixed(0)}s, ${acked.length} acknowledged transactions, height ${await heightOf(c, 'validator0')}\n`,
      );
    },
    MINUTES * 60_000 + 600_000,
  );
});
