/**
 * The slice of the AssemblyScript AST the transform reads. The compiler's enums are
 * `const enum`s in its typings (unusable under isolatedModules), so their values are taken
 * from the runtime module instead.
 */
import * as assemblyscript from 'assemblyscript';
import type { DeclarationStatement, DecoratorNode, Node, Source } from 'assemblyscript';

const runtime = assemblyscript as unknown as {
  NodeKind: Record<string, number>;
  CommonFlags: Record<string, number>;
};

export const Kind = {
  Identifier: runtime.NodeKind.Identifier,
  NamedType: runtime.NodeKind.NamedType,
  ClassDeclaration: runtime.NodeKind.ClassDeclaration,
  FunctionDeclaration: runtime.NodeKind.FunctionDeclaration,
  MethodDeclaration: runtime.NodeKind.MethodDeclaration,
};

export const Flag = {
  Declare: runtime.CommonFlags.Declare,
  Static: runtime.CommonFlags.Static,
  Private: runtime.CommonFlags.Private,
  Protected: runtime.CommonFlags.Protected,
  Get: runtime.CommonFlags.Get,
  Set: runtime.CommonFlags.Set,
  Constructor: runtime.CommonFlags.Constructor,
};

/** The names of a declaration's decorators (`@view` -> "view"). */
export function decoratorNames(decl: DeclarationStatement): string[] {
  return (decl.decorators ?? []).map((d: DecoratorNode) =>
    d.name.kind === Kind.Identifier ? (d.name as unknown as { text: string }).text : '',
  );
}

/** The source text a node was parsed from. */
export function textOf(source: Source, node: Node): string {
  return source.text.substring(node.range.start, node.range.end);
}

/** `file:line:column` of a node, for error messages. */
export function locationOf(source: Source, node: Node): string {
  const line = source.lineAt(node.range.start);
  return `${source.normalizedPath}:${line}:${source.columnAt()}`;
}
