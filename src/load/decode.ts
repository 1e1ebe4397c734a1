import type { Diagnostic } from '../diagnostics.js';
import type { InputFile } from './environments.js';

/** Environment files are small; anything bigger is a mistake (or an attack), refused before parsing. */
export const MAX_INPUT_BYTES = 1024 * 1024;

/** Bytes to text, or a clear diagnostic for what is not a UTF-8 text file of reasonable size. Pure. */
export function decodeInput(path: string, bytes: Uint8Array, size = bytes.length): { file?: InputFile; diagnostics: Diagnostic[] } {
  const at = { file: path, line: 1, column: 1, path: '', severity: 'error' as const };
  if (size > MAX_INPUT_BYTES || bytes.length > MAX_INPUT_BYTES) {
    return { diagnostics: [{ ...at, code: 'too-large', message: `the file is ${(size / 1024 / 1024).toFixed(1)} MiB; environment files are limited to ${MAX_INPUT_BYTES / 1024 / 1024} MiB` }] };
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    return { diagnostics: [{ ...at, ...position(bytes, nul), code: 'binary', message: 'the file is binary (it contains a NUL byte), not YAML text' }] };
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const bad = firstInvalidUtf8(bytes);
    return { diagnostics: [{ ...at, ...position(bytes, bad), code: 'encoding', message: 'the file is not valid UTF-8', suggestion: 'Save it as UTF-8 (for example: iconv -f latin1 -t utf-8).' }] };
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return { file: { path, text }, diagnostics: [] };
}

function position(bytes: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) (line++, (start = i + 1));
  return { line, column: offset - start + 1 };
}

/** Offset of the first byte that does not start or continue a well-formed UTF-8 sequence. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    const len = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (len === 0 || i + len > bytes.length) return i;
    for (let k = 1; k < len; k++) if ((bytes[i + k] & 0xc0) !== 0x80) return i;
    i += len;
  }
  return i;
}
