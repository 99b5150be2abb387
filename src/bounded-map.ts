/** A Map kept to its newest entries: setting a key makes it the newest, and past `max` the oldest is dropped. */
export function setBounded<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > max) map.delete(map.keys().next().value as K);
}
