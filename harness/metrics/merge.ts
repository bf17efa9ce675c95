import zlib from 'node:zlib';
import {
  decodeHistogram,
  HISTOGRAM_DIGITS,
  HISTOGRAM_HIGHEST_MS,
  HISTOGRAM_LOWEST_MS,
  type Histogram,
} from './histogram';

const V2_COMPRESSED_COOKIE = 0x1c849304;
const V2_COOKIE = 0x1c849303;
const HEADER_BYTES = 40;

/** The JsHistogram method this relies on (not in the library's Histogram interface). */
interface Indexed {
  valueFromIndex(index: number): number;
  highestEquivalentValue(value: number): number;
}

/**
 * Adds an encoded histogram's counts into `target` without building a
 * histogram for it. Decoding allocates a full counts array (~45 KB at our
 * range and precision) and `add` walks all of it; a call's histogram holds a
 * handful of values, so reading the run-length-encoded counts directly is
 * ~100x cheaper. Encodings with other settings take the library's path.
 */
export function addEncoded(target: Histogram, encoded: string): void {
  const bytes = Buffer.from(encoded, 'base64');
  if (bytes.length < 8 || (bytes.readInt32BE(0) & ~0xf0) !== V2_COMPRESSED_COOKIE)
    return target.add(decodeHistogram(encoded));
  const payload = zlib.inflateSync(bytes.subarray(8, 8 + bytes.readInt32BE(4)));
  const sameLayout =
    (payload.readInt32BE(0) & ~0xf0) === V2_COOKIE &&
    payload.readInt32BE(12) === HISTOGRAM_DIGITS &&
    payload.readBigInt64BE(16) === BigInt(HISTOGRAM_LOWEST_MS) &&
    payload.readBigInt64BE(24) === BigInt(HISTOGRAM_HIGHEST_MS);
  if (!sameLayout) return target.add(decodeHistogram(encoded));
  const end = HEADER_BYTES + payload.readInt32BE(4);
  const indexed = target as unknown as Indexed;
  let pos = HEADER_BYTES;
  let index = 0;
  let lastValue = -1;
  while (pos < end) {
    // ZigZag LEB128 (HdrHistogram V2): negative values are runs of empty buckets.
    let raw = 0;
    let scale = 1;
    for (let k = 0; k < 9; k++) {
      const b = payload[pos++]!;
      raw += (b & 0x7f) * scale;
      scale *= 128;
      if ((b & 0x80) === 0) break;
    }
    const value = raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
    if (value < 0) {
      index -= value;
    } else {
      if (value > 0) {
        lastValue = indexed.valueFromIndex(index);
        target.recordValueWithCount(lastValue, value);
      }
      index++;
    }
  }
  // A decoded histogram reports its max as the top of the highest bucket; so does the merge.
  if (lastValue >= 0) target.recordValueWithCount(indexed.highestEquivalentValue(lastValue), 0);
}
