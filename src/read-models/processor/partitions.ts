/**
 * Read models are split into a fixed number of partitions per version. The count is part of the
 * tables' layout: changing it is a new read-model version, rebuilt from the log.
 */
export const PARTITIONS = 64;

/**
 * The partition of a key (a business portfolio: volume tiers pool one, so it never spans two).
 * FNV-1a over the key's UTF-16 code units: stable across processes, machines and versions of Node.
 */
export function partitionOf(key: string, count = PARTITIONS): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % count;
}

/** Every partition number, 0 to count - 1. */
export const allPartitions = (count = PARTITIONS): number[] => Array.from({ length: count }, (_, p) => p);
