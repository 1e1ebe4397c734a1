import type { Environment } from '../../model.js';
import { edgeMigrations } from './edge.js';
import type { MigrationNote } from './types.js';

export type { MigrationNote };

/**
 * Every migration note between the base revision's environments and the work tree's (environments on both sides
 * only; an added or removed environment migrates nothing). One place: each kind of migration is its own module.
 */
export function migrationNotes(before: Environment[] | undefined, after: Environment[], only?: string[]): MigrationNote[] {
  const prev = new Map((before ?? []).map((e) => [e.metadata.name, e]));
  return after
    .filter((e) => prev.has(e.metadata.name) && (!only?.length || only.includes(e.metadata.name)))
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))
    .flatMap((e) => edgeMigrations(prev.get(e.metadata.name)!, e));
}
