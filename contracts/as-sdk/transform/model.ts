/**
 * Reads a contract's shape from the parsed entry file:
 *
 *   @event declare function Transfer(from: Indexed<Address>, to: Indexed<Address>, value: u256): void;
 *
 *   @contract
 *   class Token {
 *     @deploy init(supply: u256): void { ... }          // the constructor (optional)
 *     @view balanceOf(owner: Address): u256 { ... }     // a view function
 *     transfer(to: Address, amount: u256): bool { ... } // a state-changing function
 *     private helper(): void { ... }                    // not in the ABI (nor _named, static, get/set)
 *   }
 */
import type {
  ClassDeclaration,
  FunctionDeclaration,
  MethodDeclaration,
  NamedTypeNode,
  ParameterNode,
  Source,
  TypeNode,
} from 'assemblyscript';
import { ContractBuildError } from '../../toolchain/errors.js';
import { decoratorNames, Flag, Kind, locationOf, textOf } from './ast.js';
import { abiTypeOf, isDynamic } from './types.js';

export interface Param {
  readonly name: string;
  /** The AssemblyScript type as written (without `Indexed<...>`). */
  readonly asType: string;
  readonly abiType: string;
  readonly indexed: boolean;
}

export interface Method {
  readonly name: string;
  readonly params: Param[];
  readonly returns: Param | null;
  readonly view: boolean;
}

export interface EventDecl {
  readonly name: string;
  readonly params: Param[];
  /** Where the `@event declare function ...;` text is (it is replaced by a body). */
  readonly start: number;
  readonly end: number;
}

export interface ContractModel {
  readonly className: string;
  readonly methods: Method[];
  readonly deploy: Method | null;
  readonly events: EventDecl[];
}

const HIDDEN_FLAGS = Flag.Static | Flag.Private | Flag.Protected | Flag.Get | Flag.Set | Flag.Constructor;

/** Collects every problem in the file before failing, so one build reports them all. */
class Problems {
  readonly list: string[] = [];
  constructor(private readonly source: Source) {}
  add(node: { range: ClassDeclaration['range'] }, message: string): void {
    this.list.push(`${locationOf(this.source, node as never)}: ${message}`);
  }
}

export function readContract(source: Source): ContractModel {
  const problems = new Problems(source);
  const contracts: ClassDeclaration[] = [];
  const events: EventDecl[] = [];
  for (const s of source.statements) {
    if (s.kind === Kind.ClassDeclaration && decoratorNames(s as ClassDeclaration).includes('contract'))
      contracts.push(s as ClassDeclaration);
    if (s.kind === Kind.FunctionDeclaration && decoratorNames(s as FunctionDeclaration).includes('event')) {
      const e = readEvent(source, s as FunctionDeclaration, problems);
      if (e) events.push(e);
    }
  }
  if (contracts.length !== 1) {
    const found = contracts.map((c) => c.name.text).join(', ');
    throw new ContractBuildError(
      `${source.normalizedPath}: expected exactly one @contract class, found ${contracts.length}${found ? ` (${found})` : ''}`,
    );
  }
  const cls = contracts[0];
  if (cls.typeParameters?.length) problems.add(cls, 'a @contract class cannot be generic');

  const methods: Method[] = [];
  let deploy: Method | null = null;
  for (const member of cls.members) {
    if (member.kind !== Kind.MethodDeclaration) continue;
    const m = member as MethodDeclaration;
    const decorators = decoratorNames(m);
    if (decorators.includes('deploy')) {
      if (deploy) problems.add(m, 'only one method can be @deploy');
      deploy = readMethod(source, m, problems, false);
      continue;
    }
    if (m.flags & HIDDEN_FLAGS || m.name.text.startsWith('_')) continue;
    methods.push(readMethod(source, m, problems, decorators.includes('view')));
  }
  const ctor = cls.members.find((m) => m.flags & Flag.Constructor) as MethodDeclaration | undefined;
  if (ctor && ctor.signature.parameters.length > 0) {
    problems.add(
      ctor,
      'the class constructor runs on every call and cannot take parameters; put deployment arguments on a @deploy method',
    );
  }
  if (problems.list.length) throw new ContractBuildError(problems.list.join('\n'));
  return { className: cls.name.text, methods, deploy, events };
}

function readMethod(source: Source, m: MethodDeclaration, problems: Problems, view: boolean): Method {
  if (m.typeParameters?.length) problems.add(m, `method '${m.name.text}' cannot be generic`);
  const params = m.signature.parameters.map((p) => readParam(source, p, problems, false));
  const ret = m.signature.returnType;
  const retText = textOf(source, ret).trim();
  let returns: Param | null = null;
  if (retText !== 'void' && retText !== '') {
    const t = abiTypeOf(retText);
    if (t.ok) returns = { name: '', asType: retText, abiType: t.abiType, indexed: false };
    else problems.add(ret, `return type of '${m.name.text}': ${t.reason}`);
  }
  return { name: m.name.text, params, returns, view };
}

function readParam(source: Source, p: ParameterNode, problems: Problems, allowIndexed: boolean): Param {
  const name = p.name.text;
  let typeNode: TypeNode = p.type;
  let indexed = false;
  const named = typeNode.kind === Kind.NamedType ? (typeNode as NamedTypeNode) : null;
  if (named && named.name.identifier.text === 'Indexed' && named.typeArguments?.length === 1) {
    if (!allowIndexed) problems.add(p, `Indexed<...> is only meaningful on @event parameters`);
    indexed = true;
    typeNode = named.typeArguments[0];
  }
  const asType = textOf(source, typeNode).trim();
  const t = abiTypeOf(asType);
  if (!t.ok) {
    problems.add(p, `parameter '${name}': ${t.reason}`);
    return { name, asType, abiType: 'invalid', indexed };
  }
  if (indexed && isDynamic(t.abiType)) {
    problems.add(
      p,
      `parameter '${name}': an indexed ${t.abiType} would be stored as its hash; index a Bytes32 digest instead`,
    );
  }
  return { name, asType, abiType: t.abiType, indexed };
}

function readEvent(source: Source, f: FunctionDeclaration, problems: Problems): EventDecl | null {
  if (!(f.flags & Flag.Declare) || f.body) {
    problems.add(f, `@event '${f.name.text}' must be a bodiless 'declare function'; its body is generated`);
    return null;
  }
  const params = f.signature.parameters.map((p) => readParam(source, p, problems, true));
  if (params.filter((p) => p.indexed).length > 3)
    problems.add(f, `@event '${f.name.text}' has more than 3 indexed parameters`);
  // The declaration's range starts after its decorators; blank those too.
  const start = Math.min(f.range.start, ...(f.decorators ?? []).map((d) => d.range.start));
  return { name: f.name.text, params, start, end: f.range.end };
}
