// Positional parameter collector for SQL built from client input: every value is bound, never inlined.
export class Params {
  readonly values: unknown[] = [];
  constructor(readonly first = 1) {}
  /** Binds a value and returns its placeholder ($n). */
  add(v: unknown): string {
    this.values.push(v);
    return `$${this.first + this.values.length - 1}`;
  }
}
