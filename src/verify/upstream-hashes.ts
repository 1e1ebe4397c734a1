import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeAtomically } from '../startup.js';

const HASH_LENGTH = 32;

/**
 * The verified-hash file, searched in place: sorted lines of 32 hex digits, looked up by binary search (building
 * a set of 20,000 strings at every start cost more than the few dozen lookups of a one-environment run).
 * A file that is not in that shape (an older format, a torn write) is read as empty.
 */
export class VerifiedHashes {
  private readonly count: number;
  constructor(private readonly bytes: Buffer) {
    const line = HASH_LENGTH + 1;
    const wellFormed = bytes.length % line === 0 && (bytes.length === 0 || bytes[bytes.length - 1] === 0x0a);
    this.count = wellFormed ? bytes.length / line : 0;
  }
  private at(i: number): string {
    const start = i * (HASH_LENGTH + 1);
    return this.bytes.toString('latin1', start, start + HASH_LENGTH);
  }
  has(id: string): boolean {
    let lo = 0;
    let hi = this.count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const h = this.at(mid);
      if (h === id) return true;
      if (h < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }
  all(): string[] {
    return Array.from({ length: this.count }, (_, i) => this.at(i));
  }
}

/** Past this many hashes, the file keeps only the working set of the latest run. */
const MAX_HASHES = 20_000;

/**
 * Hashes of (schema, object) pairs that passed, remembered across runs in <cacheDir>/verified.txt: an unchanged
 * object is not validated again. Read at the first lookup; `save` adds this run's new hashes.
 */
export class VerifiedStore {
  private known: VerifiedHashes | undefined;
  private readonly added = new Set<string>();
  /** The hashes this run looked up and found (kept when the file is trimmed). */
  private readonly used = new Set<string>();

  constructor(readonly cacheDir: string) {}

  private get file() {
    return join(this.cacheDir, 'verified.txt');
  }

  private read(): VerifiedHashes {
    try {
      return new VerifiedHashes(readFileSync(this.file));
    } catch {
      return new VerifiedHashes(Buffer.alloc(0));
    }
  }

  has(id: string): boolean {
    this.known ??= this.read();
    if (!this.known.has(id)) return false;
    this.used.add(id);
    return true;
  }

  add(id: string): void {
    this.added.add(id);
  }

  /** Persist newly verified hashes; bounded: past MAX_HASHES it keeps only what this run used or added. */
  save(): void {
    if (!this.added.size) return;
    try {
      let all = new Set([...this.read().all(), ...this.added]);
      if (all.size > MAX_HASHES) all = new Set([...this.used, ...this.added]);
      writeAtomically(this.file, [...all].sort().join('\n') + '\n');
    } catch {
      /* no writable cache */
    }
  }
}
