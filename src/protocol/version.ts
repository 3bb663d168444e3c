// MS-ASHTTP 2.2.1.1.2.6: the protocol versions a client may send. We serve 12.0 and later; 2.5 is
// too old for the devices in use (no AirSyncBase bodies).
export const SUPPORTED_VERSIONS = ['12.0', '12.1', '14.0', '14.1', '16.0', '16.1'] as const;
export type ProtocolVersion = (typeof SUPPORTED_VERSIONS)[number];

const RANK: Readonly<Record<ProtocolVersion, number>> = {
  '12.0': 120,
  '12.1': 121,
  '14.0': 140,
  '14.1': 141,
  '16.0': 160,
  '16.1': 161,
};

export function parseProtocolVersion(value: string | undefined): ProtocolVersion | undefined {
  return (SUPPORTED_VERSIONS as readonly string[]).includes(value ?? '')
    ? (value as ProtocolVersion)
    : undefined;
}

/** MS-ASHTTP 2.2.1.1.1.1: the base64 query carries the version as one byte, e.g. 141 for 14.1. */
export function versionFromByte(byte: number): ProtocolVersion | undefined {
  return SUPPORTED_VERSIONS.find((v) => RANK[v] === byte);
}

export function atLeast(version: ProtocolVersion, minimum: ProtocolVersion): boolean {
  return RANK[version] >= RANK[minimum];
}

export function versionByte(version: ProtocolVersion): number {
  return RANK[version];
}
