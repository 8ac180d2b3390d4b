// Rows of series that run side by side (--jobs N), handed on in plan order. The series at the
// head of the plan streams its rows as they come; a later series' rows wait until every series
// before it has finished, then go out together. So reporters, summary.json and the end screen see
// the same order as a serial run, and a reader never finds one series' rows cut into another's.
export class InPlanOrder<T> {
  private head = 0;
  private readonly pending = new Map<string, T[]>();
  private readonly finished = new Set<string>();

  constructor(
    private readonly keys: readonly string[],
    private readonly emit: (item: T) => void,
  ) {}

  /** A row of series `key`: out now when `key` is at the head (or not in the plan), else held. */
  push(key: string, item: T): void {
    const at = this.keys.indexOf(key);
    if (at < 0 || at <= this.head) {
      this.emit(item);
      return;
    }
    const held = this.pending.get(key) ?? [];
    held.push(item);
    this.pending.set(key, held);
  }

  /** Series `key` has recorded its last row: the head moves past every finished series. */
  finish(key: string): void {
    this.finished.add(key);
    while (this.head < this.keys.length && this.finished.has(this.keys[this.head]!)) {
      this.head++;
      if (this.head < this.keys.length) this.release(this.keys[this.head]!);
    }
  }

  /** Everything held, in plan order (an interrupted run writes what it has). */
  flush(): void {
    for (let i = this.head + 1; i < this.keys.length; i++) this.release(this.keys[i]!);
    this.head = this.keys.length;
  }

  private release(key: string): void {
    for (const item of this.pending.get(key) ?? []) this.emit(item);
    this.pending.delete(key);
  }
}
