// The source's records as read from user-data-sync's tables, and the NocoBase record each one was written to.

export interface OriginRecord {
  id: string | number;
  sourceUk: string;
  metaData: Record<string, unknown>;
  resources?: { resource: string; resourcePk: string }[];
}

export function resourcePk(origin: OriginRecord | undefined, resource: string): number | undefined {
  const pk = origin?.resources?.find((r) => r.resource === resource)?.resourcePk;
  return pk === undefined ? undefined : Number(pk);
}
