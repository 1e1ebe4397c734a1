/**
 * The one colour rule, for every command and stream:
 * - FORCE_COLOR set to anything but "0" or "false": colour, even into a pipe or file; FORCE_COLOR=0 or false: none;
 * - else none when NO_COLOR is set to anything non-empty (no-color.org), or when TERM is "dumb";
 * - else colour on a terminal only.
 */
export function useColour(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return !['0', 'false'].includes(force.toLowerCase());
  if (env.NO_COLOR) return false;
  if (env.TERM === 'dumb') return false;
  return Boolean(stream.isTTY);
}
