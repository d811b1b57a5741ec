/**
 * Throughput of one-way consensus messages between two nodes on loopback.
 *
 *   npx tsx bench/p2p.ts [messages=200000] [bytes=128]
 *
 * Node A sends small messages to node B over real libp2p (TCP + noise + yamux); the
 * figure is messages delivered to B's handler per second. Two sending patterns:
 * - bursts: 500 sends per event-loop turn (a leader broadcasting, many votes at once);
 *   the network coalesces each burst into one write.
 * - singles: one send per event-loop turn, so every message is its own write — the
 *   worst case for small messages.
 * The sender keeps at most WINDOW messages in flight, so the per-peer queue cap never
 * drops anything.
 */
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { P2PNetwork, nodeIdFromSecretKey } from '../node/p2p/index.js';

const COUNT = Number(process.argv[2] ?? 200_000);
const SIZE = Number(process.argv[3] ?? 128);
const WINDOW = 20_000;

const logger = pino({ level: 'warn' });
const keys = [randomBytes(32), randomBytes(32)].map((k) => new Uint8Array(k));
const nodes = keys.map((k) => ({ nodeId: nodeIdFromSecretKey(k) }));
const common = { nodes, protocolPrefix: '/lingding/bench', listen: { host: '127.0.0.1', port: 0 } };

const b = new P2PNetwork({ ...common, secretKey: keys[1], peers: [] }, { logger });
await b.start();
const a = new P2PNetwork(
  { ...common, secretKey: keys[0], peers: [{ nodeId: b.nodeId, ...b.listenAddress }] },
  { logger },
);
const connected = new Promise((resolve) => a.once('peer:connected', resolve));
await a.start();
await connected;

let received = 0;
b.onMessage('consensus', () => {
  received++;
});
const payload = new Uint8Array(SIZE).fill(7);

/**
 * Sends `count` messages, `burst` per event-loop turn. Returns messages/s delivered and
 * the CPU time per message (sender and receiver together: both run in this process),
 * which is the steadier figure on a busy machine.
 */
async function run(count: number, burst: number): Promise<{ rate: number; cpuMicros: number }> {
  received = 0;
  let sent = 0;
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await new Promise<void>((resolve) => {
    const pump = (): void => {
      for (let i = 0; i < burst && sent < count && sent - received < WINDOW; i++, sent++) {
        if (!a.send('consensus', b.nodeId, payload)) throw new Error(`message ${sent} was dropped`);
      }
      if (received === count) resolve();
      else setImmediate(pump);
    };
    pump();
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  return { rate: count / seconds, cpuMicros: (used.user + used.system) / count };
}

await run(10_000, 500); // warm-up: JIT, stream negotiation
for (const [name, burst] of [
  ['bursts of 500', 500],
  ['singles', 1],
] as const) {
  const { rate, cpuMicros } = await run(COUNT, burst);
  console.log(
    `p2p one-way ${SIZE}-byte messages, 2 nodes on loopback, ${name}: ` +
      `${Math.round(rate).toLocaleString('en-US')} messages/s (${((rate * SIZE) / 1e6).toFixed(1)} MB/s payload), ` +
      `${cpuMicros.toFixed(1)} µs CPU per message`,
  );
}
await Promise.all([a.stop(), b.stop()]);
