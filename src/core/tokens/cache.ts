/**
 * Remembers token counts of long texts. VS Code's chat counts every message
 * of the history before each request, so the same long strings (files,
 * tool results) come back many times; short ones are cheaper to count again
 * than to look up. Bounded by characters held, least recently used first out.
 */
import type { EncodingName } from './family';

/** Below this a count costs less than keeping it. */
const MIN_LENGTH = 256;
/** About 8 MB of UTF-16 strings; the strings are VS Code's own, usually held anyway. */
const MAX_CHARS = 4_000_000;

export class CountCache {
  private readonly maps: Record<EncodingName, Map<string, number>> = { o200k_base: new Map(), cl100k_base: new Map() };
  private chars = 0;

  get(encoding: EncodingName, text: string): number | undefined {
    if (text.length < MIN_LENGTH) return undefined;
    const map = this.maps[encoding];
    const n = map.get(text);
    if (n !== undefined) {
      // Re-insert: Map keeps insertion order, so the oldest entry is always first.
      map.delete(text);
      map.set(text, n);
    }
    return n;
  }

  set(encoding: EncodingName, text: string, count: number): void {
    if (text.length < MIN_LENGTH || text.length > MAX_CHARS) return;
    const map = this.maps[encoding];
    if (map.has(text)) return;
    map.set(text, count);
    this.chars += text.length;
    while (this.chars > MAX_CHARS) this.evictOne();
  }

  get size(): number {
    return this.maps.o200k_base.size + this.maps.cl100k_base.size;
  }

  private evictOne(): void {
    // Evict from the larger map: both are LRU-ordered.
    const map = this.maps.o200k_base.size >= this.maps.cl100k_base.size ? this.maps.o200k_base : this.maps.cl100k_base;
    const oldest = map.keys().next();
    if (oldest.done) return;
    map.delete(oldest.value);
    this.chars -= oldest.value.length;
  }
}
