/** Characters of base64 text decoded at a time (a multiple of 4): 192 KiB of bytes. */
const SLICE_CHARS = 256 * 1024;

/**
 * Decodes base64 text slice by slice, so that a large inline attachment is never held a second
 * time as one decoded buffer while it streams into the store. Whitespace (line breaks of
 * wrapped base64) is skipped; a slice's leftover characters carry over to the next one.
 */
export function* base64Slices(b64: string, sliceChars = SLICE_CHARS): Generator<Buffer> {
  let carry = "";
  for (let i = 0; i < b64.length; i += sliceChars) {
    const chars = carry + b64.slice(i, i + sliceChars).replace(/\s+/g, "");
    const whole = chars.length - (chars.length % 4);
    carry = chars.slice(whole);
    if (whole > 0) yield Buffer.from(chars.slice(0, whole), "base64");
  }
  if (carry) yield Buffer.from(carry, "base64");
}
