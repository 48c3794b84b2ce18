/** The parsed form of a C expression. `pos` is the 1-based column of the node's first (or operator) character. */

/** A type name in a cast or sizeof (C11 6.7.7): specifiers plus an abstract declarator. */
export interface TypeName {
  base:
    | { kind: 'builtin'; spelling: string }
    | { kind: 'tagged'; tag: 'struct' | 'union' | 'enum'; name: string }
    | { kind: 'typedef'; name: string };
  declarator: AbstractDeclarator;
  /** The text as written, for messages. */
  text: string;
}

/** `*`s, then an optional parenthesised inner declarator, then `[N]` / `(params)` suffixes. */
export interface AbstractDeclarator {
  pointers: number;
  inner?: AbstractDeclarator;
  suffixes: ({ kind: 'array'; count?: number } | { kind: 'function'; params: TypeName[]; variadic: boolean })[];
}

export type BinaryOp =
  | '*' | '/' | '%' | '+' | '-' | '<<' | '>>' | '<' | '>' | '<=' | '>=' | '==' | '!=' | '&' | '^' | '|' | '&&' | '||';
export type AssignOp = '=' | '*=' | '/=' | '%=' | '+=' | '-=' | '<<=' | '>>=' | '&=' | '^=' | '|=';
export type UnaryOp = '*' | '&' | '-' | '+' | '!' | '~';

export type Expr =
  | { kind: 'ident'; name: string; pos: number }
  | { kind: 'register'; name: string; pos: number }
  | { kind: 'int'; value: bigint; unsigned: boolean; longs: number; decimal: boolean; pos: number }
  | { kind: 'char'; value: bigint; pos: number }
  | { kind: 'float'; value: number; pos: number }
  | { kind: 'member'; object: Expr; name: string; arrow: boolean; pos: number }
  | { kind: 'index'; object: Expr; index: Expr; pos: number }
  | { kind: 'unary'; op: UnaryOp; operand: Expr; pos: number }
  | { kind: 'cast'; type: TypeName; operand: Expr; pos: number }
  | { kind: 'sizeof-type'; type: TypeName; pos: number }
  | { kind: 'sizeof-expr'; operand: Expr; pos: number }
  | { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr; pos: number }
  | { kind: 'ternary'; cond: Expr; then: Expr; otherwise: Expr; pos: number }
  | { kind: 'assign'; op: AssignOp; target: Expr; value: Expr; pos: number }
  | { kind: 'comma'; left: Expr; right: Expr; pos: number };
