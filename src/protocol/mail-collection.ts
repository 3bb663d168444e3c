import { parseFolderMapKey } from '../sync/hierarchy.js';
import type { CommandContext } from './context.js';

// Resolves a CollectionId the device sent to the backend folder behind it.

export type ResolvedCollection =
  | { readonly store: 'mail'; readonly key: string }
  | { readonly store: 'calendar' | 'tasks' | 'contacts'; readonly key: string }
  | undefined;

export type Collection = NonNullable<ResolvedCollection>;

export async function resolveCollection(
  ctx: CommandContext,
  collectionId: string,
): Promise<ResolvedCollection> {
  const mapKey = await ctx.state.backendKeyFor(ctx.principal.id, collectionId);
  return mapKey === undefined ? undefined : parseFolderMapKey(mapKey);
}
