// MS-ASCMD 2.2.3.166: a ServerId is opaque to the client. Ours name the collection and the item
// (`<CollectionId>:<uid>`), as Exchange's do, so a ServerId sent with the wrong collection or by
// another user's device is recognised and refused rather than acted on.

export function itemServerId(collectionId: string, uid: number): string {
  return `${collectionId}:${uid}`;
}

export function parseItemServerId(serverId: string): { collectionId: string; uid: number } | undefined {
  const m = /^([^:]+):(\d{1,10})$/.exec(serverId);
  if (!m) return undefined;
  const uid = Number(m[2]);
  return uid >= 1 && uid <= 0xffffffff ? { collectionId: m[1] as string, uid } : undefined;
}
