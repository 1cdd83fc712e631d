// The group's live state in its Durable Object's SQLite storage, cached in memory. Writes go to
// SQL first; the cache is reloaded whenever a transaction rolls back. Tables: ./schema.ts.
import type { GroupState, Machine } from "../domain/model";

export class GroupStore {
  group: GroupState | null = null;
  machines = new Map<string, Machine>();
  /**
   * Names the group's and machines' state as this instance holds it: changes with every write (and
   * reload) of either, and differs between two lives of the object. A reader that already holds
   * the view of a revision need not be sent it again (GroupObject.getPool; issue 10).
   */
  readonly #life = crypto.randomUUID();
  #changes = 0;
  /**
   * The JSON text of documents read or written in this life (null: known absent), so the owner
   * document every command and every console event reads costs no SQL after the first (issue 10,
   * docs/benchmarks.md run H). Text, not objects: a caller may change what getDoc gave it.
   * Cleared by load(), which runs after a rolled-back transaction.
   */
  readonly #docs = new Map<string, string | null>();
  get revision(): string {
    return `${this.#life}.${this.#changes}`;
  }

  /**
   * @param opPrefix names this object in the ids of the operations it records
   *   (../domain/operations.ts `objectOfOperation`).
   */
  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly opPrefix = "",
  ) {}

  /** A new operation id naming this object (a random id where the object is not known: plain stores in tests). */
  newOperationId(): string {
    const random = crypto.randomUUID();
    return this.opPrefix ? `${this.opPrefix}-${random.replaceAll("-", "")}` : random;
  }

  load(): void {
    this.#changes++;
    this.#docs.clear();
    this.#seq = null;
    const g = this.storage.sql.exec<{ value: string }>(`SELECT value FROM kv WHERE key = 'group'`).toArray()[0];
    this.group = g ? (JSON.parse(g.value) as GroupState) : null;
    this.machines = new Map(
      this.storage.sql
        .exec<{ id: string; data: string }>(`SELECT id, data FROM machines`)
        .toArray()
        .map((r) => [r.id, JSON.parse(r.data) as Machine]),
    );
  }

  putGroup(g: GroupState): void {
    this.#changes++;
    this.storage.sql.exec(`INSERT OR REPLACE INTO kv (key, value) VALUES ('group', ?)`, JSON.stringify(g));
    this.group = g;
  }

  dropGroup(): void {
    this.#changes++;
    this.storage.sql.exec(`DELETE FROM kv WHERE key = 'group'`);
    this.storage.sql.exec(`DELETE FROM machines`);
    this.group = null;
    this.machines.clear();
  }

  putMachine(m: Machine): void {
    this.#changes++;
    this.storage.sql.exec(`INSERT OR REPLACE INTO machines (id, data) VALUES (?, ?)`, m.id, JSON.stringify(m));
    this.machines.set(m.id, m);
  }

  dropMachine(id: string): void {
    this.#changes++;
    this.storage.sql.exec(`DELETE FROM machines WHERE id = ?`, id);
    this.machines.delete(id);
  }

  /** A JSON document of this object besides the group (a Quilt container or workload, undo marks). */
  getDoc<T>(key: string): T | null {
    let text = this.#docs.get(key);
    if (text === undefined) {
      text = this.storage.sql.exec<{ value: string }>(`SELECT value FROM kv WHERE key = ?`, `doc:${key}`).toArray()[0]?.value ?? null;
      this.#docs.set(key, text);
    }
    return text === null ? null : (JSON.parse(text) as T);
  }

  putDoc(key: string, value: unknown): void {
    const text = JSON.stringify(value);
    this.storage.sql.exec(`INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)`, `doc:${key}`, text);
    this.#docs.set(key, text);
  }

  dropDoc(key: string): void {
    this.storage.sql.exec(`DELETE FROM kv WHERE key = ?`, `doc:${key}`);
    this.#docs.set(key, null);
  }

  /** The sequence's last value as this life knows it, and the stored ceiling (null: read it first); forgotten by load(). */
  #seq: { last: number; ceiling: number } | null = null;

  /** A transaction rolled back: the stored ceiling may not be the one this life wrote. */
  forgetSequence(): void {
    this.#seq = null;
  }

  /**
   * Next value of the object's sequence (operation order, registry versions); survives deletion.
   * Stored is a ceiling SEQ_BLOCK values ahead, written once per block rather than once per value
   * (a statement per write, issue 10): a new life (or a rolled-back transaction) goes on from the
   * stored ceiling, so values only grow, with gaps no reader relies on.
   */
  nextSeq(): number {
    this.#seq ??= ((ceiling) => ({ last: ceiling, ceiling }))(Number(this.storage.sql.exec<{ value: string }>(`SELECT value FROM kv WHERE key = 'seq'`).toArray()[0]?.value ?? 0));
    const next = ++this.#seq.last;
    if (next > this.#seq.ceiling) {
      this.#seq.ceiling = next + SEQ_BLOCK - 1;
      this.storage.sql.exec(`INSERT OR REPLACE INTO kv (key, value) VALUES ('seq', ?)`, String(this.#seq.ceiling));
    }
    return next;
  }
}

/** How many sequence values one stored ceiling covers (GroupStore.nextSeq). */
const SEQ_BLOCK = 64;
