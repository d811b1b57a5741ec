import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Interface } from 'ethers';
import { describe, expect, it } from 'vitest';
import { CONTRACTS_DIR } from '../testing/build-cache.js';
import { rustSkipReason, rustToolchain } from '../testing/examples.js';
import { buildAssemblyScript } from './assemblyscript.js';
import { buildRustCrate } from './cargo.js';
import { buildContract, ContractBuildError } from './index.js';

// Fixtures are written under the git-ignored build/ directory, at the same depth as
// contracts/examples/assembly (so they import the SDK the same way) and in an assembly/
// folder (which tsconfig leaves to the AssemblyScript compiler).
const FIXTURES = join(CONTRACTS_DIR, 'examples', 'build', 'assembly');
const SDK = '../../../as-sdk/assembly';

function fixture(name: string, body: string): string {
  mkdirSync(FIXTURES, { recursive: true });
  const file = join(FIXTURES, `${name}.ts`);
  writeFileSync(file, `import { Address, Bytes32, Indexed, u256 } from "${SDK}";\n${body.replace(/^\n/, '')}\n`);
  return file;
}

async function buildError(file: string): Promise<string> {
  const err = await buildAssemblyScript(file).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ContractBuildError);
  return (err as Error).message;
}

describe('AssemblyScript contract build', () => {
  it('generates the JSON ABI from the @contract class and @event declarations', async () => {
    const file = fixture(
      'shapes',
      `
@event declare function Moved(who: Indexed<Address>, id: Indexed<Bytes32>, amount: u256, note: string): void;
@contract
class Shapes {
  @deploy setup(owner: Address, limit: u64): void {}
  @view get(id: Bytes32, flag: bool, n: i32): Uint8Array { return new Uint8Array(0); }
  act(x: u8, y: i64): void { Moved(Address.zero(), new Bytes32(), u256.Zero, ""); }
  private hidden(): void {}
  _alsoHidden(): void {}
  static notAMethod(): void {}
}`,
    );
    const built = await buildAssemblyScript(file);
    const iface = new Interface(built.abi);
    expect(iface.deploy.inputs.map((p) => `${p.type} ${p.name}`)).toEqual(['address owner', 'uint64 limit']);
    expect(iface.getFunction('get')?.format('full')).toBe(
      'function get(bytes32 id, bool flag, int32 n) view returns (bytes)',
    );
    expect(iface.getFunction('act')?.format('full')).toBe('function act(uint8 x, int64 y)');
    expect(iface.getEvent('Moved')?.format('full')).toBe(
      'event Moved(address indexed who, bytes32 indexed id, uint256 amount, string note)',
    );
    expect(built.abi.filter((e) => e.type === 'function').map((e) => (e as { name: string }).name)).toEqual([
      'get',
      'act',
    ]);
  });

  it('names the function when the contract uses floating point', async () => {
    const file = fixture(
      'floats',
      `
@contract
class Floaty {
  @view ratio(a: u64): u64 { return <u64>(<f64>a * 1.5); }
}`,
    );
    const message = await buildError(file);
    expect(message).toMatch(/the VM refuses this contract \(FLOAT\)/);
    expect(message).toMatch(/Floaty#ratio/);
    expect(message).toMatch(/integers only/);
  });

  it('refuses float and unsupported types in the ABI with the place to fix', async () => {
    const file = fixture(
      'badtypes',
      `
@event declare function Named(label: Indexed<string>): void;
@contract
class BadTypes {
  price(): f64 { return 0; }
  put(items: Array<u32>): void {}
}`,
    );
    const message = await buildError(file);
    expect(message).toMatch(/badtypes\.ts:2:\d+: parameter 'label': an indexed string would be stored as its hash/);
    expect(message).toMatch(/badtypes\.ts:5:\d+: return type of 'price': floating-point type 'f64' is not allowed/);
    expect(message).toMatch(/badtypes\.ts:6:\d+: parameter 'items': type 'Array<u32>' has no ABI encoding/);
  });

  it('needs exactly one @contract class', async () => {
    expect(await buildError(fixture('nocontract', 'export function helper(): void {}'))).toMatch(
      /expected exactly one @contract class, found 0/,
    );
  });

  it('reports compiler errors with file and line', async () => {
    const message = await buildError(
      fixture(
        'typo',
        `
@contract
class Typo {
  f(): u64 { return undefinedThing; }
}`,
      ),
    );
    expect(message).toMatch(/compilation failed/);
    expect(message).toMatch(/undefinedThing/);
    expect(message).toMatch(/typo\.ts\(4,/);
  });

  it('tells what it builds from', async () => {
    await expect(buildContract(join(FIXTURES, 'missing.ts'))).rejects.toThrow(/does not exist/);
    await expect(buildContract(FIXTURES)).rejects.toThrow(/without Cargo\.toml/);
  });
});

describe.runIf(!rustSkipReason)('Rust contract build', () => {
  it('names the function when the crate uses floating point', async () => {
    const crate = join(CONTRACTS_DIR, 'examples', 'build', 'rust-floats');
    mkdirSync(join(crate, 'src'), { recursive: true });
    writeFileSync(
      join(crate, 'Cargo.toml'),
      `[package]\nname = "floats"\nversion = "0.1.0"\nedition = "2021"\n[lib]\ncrate-type = ["cdylib"]\n[dependencies]\nlingding-sdk = { path = ${JSON.stringify(join(CONTRACTS_DIR, 'rust-sdk'))} }\n[workspace]\n[profile.release]\nopt-level = "z"\nlto = true\npanic = "abort"\n`,
    );
    writeFileSync(join(crate, 'floats.abi.json'), '[]');
    writeFileSync(
      join(crate, 'src', 'lib.rs'),
      [
        '#![no_std]',
        'use lingding_sdk as sdk;',
        'fn interest(principal: u64) -> u64 { (principal as f64 * 1.035) as u64 }',
        '#[no_mangle] pub extern "C" fn call() { let input = sdk::input(); sdk::finish_with(&interest(input.len() as u64)) }',
      ].join('\n'),
    );
    const err = await buildRustCrate(crate, rustToolchain).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContractBuildError);
    expect((err as Error).message).toMatch(/the VM refuses this contract \(FLOAT\): function "floats::interest"/);
  });
});
