import { EvalError } from './value';

/** A parse error; `column` is 1-based into the expression text and is part of the message. */
export class ExprSyntaxError extends EvalError {
  constructor(readonly detail: string, readonly column: number) {
    super(`syntax error at column ${column}: ${detail}`);
  }
}
